#!/usr/bin/env bash
# Paper Fig. 2: training- against validation-loss estimators (SoTL, SoTL-E, SoVL, SoVL-E, the
# final test loss), rank correlation with final test accuracy at every epoch T.
# SoVL-E's window is the paper's 10 of 200 epochs, scaled to T_end (at least 1).
#
# Usage: experiments/fig2.sh [BENCHMARK NAME]   (default: the embedded benchmark, fashion-mnist)
# Writes experiments/results/NAME/fig2.{csv,png,svg}. Running time: about 1 s on 2 cores
# (the 100-cell pilot: 1 s).
source "$(dirname "$0")/lib.sh"
benchmark=${1:-$embedded}
require_benchmark "$benchmark"
sovl_e=$(scaled_window 10 "$(schedule_epochs "$benchmark")")
rank_figure "${2:-fashion-mnist}" "$benchmark" --estimators "sotl,sotle,sovl,sovl-e-E$sovl_e,test-loss"
finish
