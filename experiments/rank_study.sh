#!/usr/bin/env bash
# The paper's rank-correlation studies (Fig. 2, 3, 4) on a benchmark with per-epoch curves:
#   fig2: training- against validation-loss estimators (SoTL, SoTL-E, SoVL, SoVL-E, final test loss)
#   fig3: SoTL-E for several window sizes E
#   fig4: every estimator, LcSVR included
# Writes experiments/results/<NAME>/{fig2,fig3,fig4}.{csv,png,svg}. The paper's windows are in
# epochs of a 200-epoch schedule (SoVL-E: E=10; Fig. 3: E=1..70); here they scale with T_end.
#
# Usage: experiments/rank_study.sh BENCHMARK NAME [LCSVR_TRAIN] [BUILD_DIR]
#   experiments/rank_study.sh data/pilot/fashion-mnist-nb201-pilot.nasbench pilot 30   (~2 s)
#   experiments/rank_study.sh data/fashion-mnist-nb201.nasbench fashion-mnist          (~1 min)
set -euo pipefail
cd "$(dirname "$0")/.."
benchmark=$1
name=$2
lcsvr_train=${3:-200}
build=${4:-build}
out=experiments/results/$name
mkdir -p "$out"
start=$(date +%s)
epochs=$("$build/nas-bench" info "$benchmark" --json | sed -n 's/^ *"epochs": \([0-9]*\),*$/\1/p' | head -1)
# Windows as fractions of T_end: SoVL-E's 10 of 200 (at least 1 epoch), Fig. 3's 1..70 of 200.
sovl_e=$(( epochs * 10 / 200 > 0 ? epochs * 10 / 200 : 1 ))
grid=$(for f in 1 10 20 30 40 50 60 70; do e=$(( epochs * f / 200 )); echo $(( e > 0 ? e : 1 )); done | sort -nu | paste -sd,)
"$build/nas-rank" --benchmark "$benchmark" --estimators "sotl,sotle,sovl,sovl-e-E$sovl_e,test-loss" \
    --out "$out/fig2.csv" --plot
"$build/nas-rank" --benchmark "$benchmark" --estimators sotle --E-grid "$grid" --out "$out/fig3.csv" --plot
"$build/nas-rank" --benchmark "$benchmark" \
    --estimators "sotle,sotl,sovl,val-early,tse-ema,lcsvr" --lcsvr-train "$lcsvr_train" \
    --out "$out/fig4.csv" --plot
rm -f "$out"/*.dat "$out"/*.gp
echo "rank_study.sh: T_end=$epochs, SoVL-E window $sovl_e, E grid $grid; done in $(( $(date +%s) - start )) s"
