#!/usr/bin/env bash
# Paper Fig. 9 (appendix B.3): the training loss by epoch across architectures, its mean and
# standard error (a), and how many architectures are below 0.1 (b), the paper's explanation for
# SoTL-E's late drop on CIFAR-10 and CIFAR-100 (many architectures near zero training loss).
# Each architecture's loss is the mean over the seeds it was trained with.
#
# Usage: experiments/fig9.sh [BENCHMARK NAME [DATASET]]   (default: the embedded benchmark)
# Writes experiments/results/NAME/fig9.{csv,png,svg}. Running time: under 1 s.
source "$(dirname "$0")/lib.sh"
benchmark=${1:-$embedded}
require_benchmark "$benchmark"
out=experiments/results/${2:-fashion-mnist}
mkdir -p "$out"
"$build/nas-rank" loss-curves --benchmark "$benchmark" ${3:+--dataset "$3"} --metric train_loss \
    --threshold 0.1 --out "$out/fig9.csv" --plot
rm -f "$out/fig9.dat" "$out/fig9.gp"
finish
