#!/usr/bin/env bash
# Scaling with simulated workers (issue 20): Regularised Evolution, and ASHA where the build has
# it, with SoTL-E (T = 3 of 10) on the embedded benchmark, 1 to 256 simulated asynchronous
# workers, 20 seeds, nas-run's default budget (150 full trainings of the median architecture),
# training time charged only. For each W: the median simulated time for the incumbent to reach
# TARGET% test error (bootstrap 95% interval), the share of runs that reached it, the final
# incumbent's test error and the evaluations per run.
#
# Usage: experiments/scaling.sh
# Writes experiments/results/fashion-mnist/scaling.csv.
source "$(dirname "$0")/lib.sh"
require_benchmark "$embedded"
target=19.5
out=experiments/results/fashion-mnist
mkdir -p "$out"
strategies=re
"$build/nas-run" --help | grep -qE '^ +asha ' && strategies=re,asha
for workers in 1 2 4 8 16 32 64 128 256; do
  "$build/nas-run" --benchmark "$embedded" --strategy "$strategies" --evaluator sotle \
      --seeds 20 --workers "$workers" --train-time-only --target-error "$target" \
      --out "$work/w$workers" > "$work/w$workers.log"
done
/usr/bin/python3 - "$work" > "$out/scaling.csv" <<'PY'
import csv, sys
work = sys.argv[1]
columns = ["strategy", "evaluator", "final_incumbent_test_error", "evaluations_per_run",
           "time_to_target_median_s", "time_to_target_ci95_low_s", "time_to_target_ci95_high_s",
           "target_reached_fraction"]
out = csv.writer(sys.stdout, lineterminator="\n")
out.writerow(["workers"] + columns)
for workers in [1, 2, 4, 8, 16, 32, 64, 128, 256]:
    for row in csv.DictReader(open(f"{work}/w{workers}/results.csv")):
        out.writerow([workers] + [row[c] for c in columns])
PY
finish
