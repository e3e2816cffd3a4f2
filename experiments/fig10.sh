#!/usr/bin/env bash
# Paper Fig. 10 (Appendix C): Random Search with Val Acc at T_end, Val Acc at T and SoTL-E at T,
# 20 seeds, test error versus simulated time (experiments/lib.sh, search_study).
#
# Usage: experiments/fig10.sh [BENCHMARK NAME]   (default: the embedded benchmark, fashion-mnist)
# Writes experiments/results/{NAME,nb201-<dataset>}/fig10.{csv,png,svg}.
# Running time: about 10 s on 2 cores.
source "$(dirname "$0")/lib.sh"
search_study rs "$@"
finish
