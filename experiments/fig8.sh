#!/usr/bin/env bash
# Paper Fig. 8 (appendix B.2): the sum of training losses SoTL-E (E=1), of validation losses
# SoVL-E and of validation accuracies SoVA-E, rank correlation with final test accuracy at every
# epoch T. The validation windows are the paper's 10 of 200 epochs scaled to T_end (at least 1),
# as in fig2.sh; SoVA-E is also shown with E=3 (the widest window of fig3.sh), where the scaled
# window is a single epoch and SoVA-E is then the validation accuracy at T.
#
# Usage: experiments/fig8.sh [BENCHMARK NAME]   (default: the embedded benchmark, fashion-mnist)
# Writes experiments/results/NAME/fig8.{csv,png,svg}. Running time: about 1 s on 2 cores.
source "$(dirname "$0")/lib.sh"
benchmark=${1:-$embedded}
require_benchmark "$benchmark"
window=$(scaled_window 10 "$(schedule_epochs "$benchmark")")
rank_figure "${2:-fashion-mnist}" "$benchmark" \
    --estimators "sotle,sovl-e-E$window,sova-e-E$window,sova-e-E3"
finish
