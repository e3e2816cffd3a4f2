#!/usr/bin/env bash
# Paper Fig. 6: Regularised Evolution and TPE, each with Val Acc at T_end, Val Acc at T and
# SoTL-E at T, 20 seeds, test error versus simulated time (experiments/lib.sh, search_study).
#
# Usage: experiments/fig6.sh [BENCHMARK NAME]   (default: the embedded benchmark, fashion-mnist)
# Writes experiments/results/{NAME,nb201-<dataset>}/fig6.{csv,png,svg}.
# Running time: about 20 s on 2 cores (the embedded part 2 s, NAS-Bench-201 15 s).
source "$(dirname "$0")/lib.sh"
search_study re,tpe "$@"
finish
