#!/usr/bin/env bash
# The rank study against an independent training seed's test accuracy. fig2-4 correlate each
# estimator with the final test accuracy of the same training runs whose curves it reads (the
# mean over the seeds present, which is seed 0 alone for nine classes in ten), so they measure
# how well an estimator predicts the run it watches. Here the estimators read seed 0's curves and
# the truth is seed 1's (or seed 2's) final test accuracy, on the 647 classes trained with both;
# test-acc, seed 0's own final test accuracy, shows how well two trainings agree. The same-run
# study on the same 647 classes (truth seed 0) is the comparison.
#
# Usage: experiments/independent_seed.sh [BENCHMARK NAME]   (default: the embedded benchmark)
# Writes experiments/results/NAME/seed0-vs-seed{0,1,2}.{csv,png,svg}. Running time: about 1 s.
source "$(dirname "$0")/lib.sh"
benchmark=${1:-$embedded}
require_benchmark "$benchmark"
for truth in 0 1 2; do
  # The same 647 classes each time: those with seed 0 and the independent seed, 1 (for truth 0
  # as well, so the same-run line is over the architectures of the seed-1 line).
  other=$(( truth == 0 ? 1 : truth ))
  rank_figure_as "seed0-vs-seed$truth" "${2:-fashion-mnist}" "$benchmark" \
      --estimators "sotle,sotl,sovl,val-early,tse-ema,test-loss,test-acc" \
      --data-seed 0 --truth-seed "$truth" --require-seeds "0,$other"
done
finish
