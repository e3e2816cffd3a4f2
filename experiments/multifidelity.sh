#!/usr/bin/env bash
# Multi-fidelity search on the embedded benchmark (issue 16): single-fidelity RE, TPE and RS
# (the final validation accuracy, val-final; SoTL-E at T = 5 of 10) against successive
# halving, Hyperband, ASHA (promotion and stopping), BOHB and the one-epoch top-K baseline of
# Egele et al., whose rungs are scored by the validation accuracy at the rung (val-early) or by
# SoTL-E at the rung (sotle). 20 seeds (the paper's) and 1,000 (to settle what 20 cannot), 1 and
# 8 simulated workers, nas-run's default budget (150 full trainings of the median architecture),
# training time charged only (the paper's accounting). Each combination: the final incumbent's
# test error with its bootstrap 95% interval, the median time to reach TARGET% test error, and
# the speed-up over RE + val-final (its median time over this one's, same seeds and workers).
#
# Usage: experiments/multifidelity.sh
# Writes experiments/results/fashion-mnist/multifidelity.csv and the figure of the 20-seed,
# 1-worker multi-fidelity study (multifidelity.{png,svg}); prints how long the 20-seed part took.
source "$(dirname "$0")/lib.sh"
require_benchmark "$embedded"
target=19.5
out=experiments/results/fashion-mnist
mkdir -p "$out"

# study NAME SEEDS WORKERS NAS-RUN-OPTIONS...: results in $work/NAME-SEEDS-WORKERS.
study() {
  local name=$1 seeds=$2 workers=$3
  shift 3
  "$build/nas-run" --benchmark "$embedded" --seeds "$seeds" --workers "$workers" \
      --train-time-only --target-error "$target" "$@" --out "$work/$name-$seeds-$workers" \
      > "$work/$name-$seeds-$workers.log"
}

multi=sh,hyperband,asha,asha-stop,bohb,one-epoch-topk
for seeds in 20 1000; do
  part_started=$(date +%s%N)
  for workers in 1 8; do
    study single-final "$seeds" "$workers" --strategy re,tpe,rs --evaluator val-final
    study single-sotle "$seeds" "$workers" --strategy re,tpe,rs --evaluator sotle --T 5
    study multi "$seeds" "$workers" --strategy "$multi" --evaluator val-early,sotle \
        $([ "$seeds" = 20 ] && [ "$workers" = 1 ] && echo --plot)
  done
  echo "$script: $seeds seeds, both worker counts, every strategy: $(( ($(date +%s%N) - part_started) / 1000000 )) ms"
done
cp "$work/multi-20-1/figure.png" "$out/multifidelity.png"
cp "$work/multi-20-1/figure.svg" "$out/multifidelity.svg"
/usr/bin/python3 experiments/multifidelity_table.py "$work" > "$out/multifidelity.csv"
finish
