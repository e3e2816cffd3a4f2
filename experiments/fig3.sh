#!/usr/bin/env bash
# Paper Fig. 3: SoTL-E for several window sizes E (the paper's 1, 10, 20, ..., 70 of 200 epochs,
# scaled to T_end; windows that round to the same E are run once), rank correlation with final
# test accuracy at every epoch T.
#
# Usage: experiments/fig3.sh [BENCHMARK NAME]   (default: the embedded benchmark, fashion-mnist)
# Writes experiments/results/NAME/fig3.{csv,png,svg}. Running time: about 1 s on 2 cores
# (the 100-cell pilot: 1 s).
source "$(dirname "$0")/lib.sh"
benchmark=${1:-$embedded}
require_benchmark "$benchmark"
epochs=$(schedule_epochs "$benchmark")
grid=$(for f in 1 10 20 30 40 50 60 70; do scaled_window "$f" "$epochs"; done | sort -nu | paste -sd,)
rank_figure "${2:-fashion-mnist}" "$benchmark" --estimators sotle --E-grid "$grid"
finish
