#!/usr/bin/env bash
# The paper's search studies (Fig. 6: Regularised Evolution and TPE; Fig. 10: Random Search) on
# the real NAS-Bench-201 table in ../shared/data/nb201, as far as that table supports them: it
# holds final accuracies only, so the evaluators are the final validation accuracy (val-final,
# 200 epochs) and the separate 12-epoch schedule's validation accuracy (val-hp12). SoTL-E and
# early-stopped validation accuracy need per-epoch curves, which this table lacks.
#
# 20 seeds, the paper's initial designs (tse-init), 500 simulated hours per run, all three
# datasets. Writes experiments/results/nb201-<dataset>/{results.csv,figure.png,figure.svg}.
# Running time: about 30 seconds on 2 cores after the build.
#
# Usage: experiments/nb201_search.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
data=${NASRUN_SHARED_DATA:-../shared/data}
if [ ! -f "$data/nb201/nb201_final.csv" ]; then
  echo "nb201_search.sh: $data/nb201/nb201_final.csv is missing (set NASRUN_SHARED_DATA)" >&2
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$(date +%s)
"$build/nas-bench" import --nb201-csv "$data/nb201/nb201_final.csv" "$data/nb201/nb201_hp12_mean.csv" \
    --out "$work/nb201.nasbench"
for dataset in cifar10-valid cifar100 ImageNet16-120; do
  "$build/nas-run" --benchmark "$work/nb201.nasbench" --dataset "$dataset" \
      --strategy re,tpe,rs --evaluator val-final,val-hp12 --budget 500h --seeds 20 \
      --init-file "$data/tse-init/nb201_init_archs.tsv" --out "$work/$dataset" --plot
  mkdir -p "experiments/results/nb201-$dataset"
  # Traces and summary.json stay behind: they are large and name this run's temporary files.
  cp "$work/$dataset"/{results.csv,figure.png,figure.svg} "experiments/results/nb201-$dataset/"
done
echo "nb201_search.sh: done in $(( $(date +%s) - start )) s"
