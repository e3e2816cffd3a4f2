#!/usr/bin/env bash
# Zero-cost proxies in search on the embedded benchmark (issue 19): RE and TPE scored by the best
# proxy of the rank study (jacov, proxies.sh) alone, with no training; RE, TPE, successive
# halving, Hyperband and ASHA with SoTL-E after a zero-cost warm-up (the best n-init of 1,000
# random architectures by jacov, charged its measured seconds: Abdelfattah et al.'s
# "zero-cost warmup"); SH and Hyperband with a jacov rung below the first of every bracket
# (--proxy-rungs); the same with SoTL-E alone; and RE with the final validation accuracy, the
# speed-up's baseline. 20 seeds, 1 worker,
# nas-run's default budget (150 full trainings of the median architecture) and T (3 of 10),
# training time charged only (the paper's accounting; a proxy is charged its computation).
#
# Usage: experiments/zero_cost_search.sh
# Writes experiments/results/fashion-mnist/zero_cost_search.csv (multifidelity_table.py
# --parts: the final incumbent's test error with its bootstrap 95% interval, the median time to
# 19.5% test error, the speed-up over RE + val-final) and the figure of the warm-up part
# (zero_cost_search.{png,svg}). Running time: about 40 s.
source "$(dirname "$0")/lib.sh"
require_benchmark "$embedded"
target=19.5
proxy=jacov
out=experiments/results/fashion-mnist
mkdir -p "$out"

# study PART NAS-RUN-OPTIONS...: results in $work/PART-20-1.
study() {
  local part=$1
  shift
  "$build/nas-run" --benchmark "$embedded" --seeds 20 --train-time-only \
      --target-error "$target" "$@" --out "$work/$part-20-1" > "$work/$part.log" 2>&1
}

study baseline --strategy re --evaluator val-final
study proxy --strategy re,tpe --evaluator "$proxy"
study sotle --strategy re,tpe,sh,hyperband,asha --evaluator sotle
study warmup --strategy re,tpe,sh,hyperband,asha --evaluator sotle --warmup "$proxy" --plot
study rungs --strategy sh,hyperband --evaluator sotle --warmup "$proxy" --warmup-sample 0 \
    --proxy-rungs
cp "$work/warmup-20-1/figure.png" "$out/$script.png"
cp "$work/warmup-20-1/figure.svg" "$out/$script.svg"
/usr/bin/python3 experiments/multifidelity_table.py "$work" --parts > "$out/$script.csv"
finish
