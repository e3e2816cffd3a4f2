#!/usr/bin/env bash
# The paper's RandWiredNN results on nas-run's RandWire benchmark (docs/randwire.md): Fig. 4(d),
# every estimator against final test accuracy at every T; Fig. 5 (section 5.4), choosing one of
# the 69 generator settings by the mean SoTL-E of its 8 wirings instead of their mean final test
# accuracy; and the search of Fig. 6 and 10 (RE, TPE and RS with SoTL-E, Val Acc at T and at
# T_end, 20 seeds) on this space.
#
# Usage: experiments/randwire.sh [BENCHMARK]   (default: data/fashion-mnist-randwire.nasbench)
# Writes experiments/results/fashion-mnist-randwire/{fig4d,fig5,fig5-groups,search}.csv and
# their figures. Running time: about 1 s on 2 cores.
source "$(dirname "$0")/lib.sh"
benchmark=${1:-data/fashion-mnist-randwire.nasbench}
name=fashion-mnist-randwire
out=experiments/results/$name
require_benchmark "$benchmark"

# Fig. 4(d). LcSVR trains on 100 of the 524 trained networks (the embedded benchmark's 200 would
# leave too few to correlate over); jacov, the best proxy on the embedded benchmark, and its
# hybrid with SoTL-E beside them.
rank_figure_as fig4d "$name" "$benchmark" \
    --estimators "sotle,sotl,sovl,val-early,tse-ema,lcsvr,jacov,jacov+sotle,test-loss" \
    --lcsvr-train 100

# Fig. 5: SoTL-E (E=1, as the paper) and Val Acc at T; the figure draws SoTL-E's groups.
"$build/nas-rank" group-selection --benchmark "$benchmark" --group-by generator \
    --estimators sotle-E1,val-early --T 1,2,3,4,5,6,8,10 --out "$out/fig5.csv" --plot
rm -f "$out"/fig5.dat "$out"/fig5.gp

# The search, as fig6.sh and fig10.sh do it on the embedded benchmark.
search_figure "$name" --benchmark "$benchmark" --strategy re,tpe,rs \
    --evaluator sotle,val-early,val-final
for ext in csv png svg; do mv "$out/randwire.$ext" "$out/search.$ext"; done
finish
