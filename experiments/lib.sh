# Shared by the figure scripts (sourced, not run): paths, the data, timing, and the two kinds of
# study, rank correlations (nas-rank) and searches (nas-run). Each script writes its CSV and
# figure under experiments/results/<data name>/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
build=${NASRUN_BUILD_DIR:-build}
shared_data=${NASRUN_SHARED_DATA:-../shared/data}
embedded=data/fashion-mnist-nb201.nasbench
script=$(basename "$0" .sh)
started=$(date +%s)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for program in nas-run nas-rank nas-bench; do
  [ -x "$build/$program" ] || { echo "$script: $build/$program is missing: build first (README)" >&2; exit 1; }
done

finish() { echo "$script: done in $(( $(date +%s) - started )) s"; }

require_benchmark() {
  [ -f "$1" ] || { echo "$script: $1 is missing (the embedded benchmark: docs/embedded-benchmark.md)" >&2; exit 1; }
}

# T_end of a benchmark's (longest) schedule.
schedule_epochs() {
  "$build/nas-bench" info "$1" --json | sed -n 's/^ *"epochs": \([0-9]*\),*$/\1/p' | head -1
}

# F/200 of T_END epochs, at least one: the paper's windows are in epochs of a 200-epoch schedule.
scaled_window() { local e=$(( $2 * $1 / 200 )); echo $(( e > 0 ? e : 1 )); }

# rank_figure NAME BENCHMARK NAS-RANK-OPTIONS...: experiments/results/NAME/$script.{csv,png,svg}.
rank_figure() { rank_figure_as "$script" "$@"; }

# rank_figure_as STEM NAME BENCHMARK NAS-RANK-OPTIONS...: experiments/results/NAME/STEM.{csv,png,svg}.
rank_figure_as() {
  local stem=$1 out=experiments/results/$2 benchmark=$3
  shift 3
  mkdir -p "$out"
  "$build/nas-rank" --benchmark "$benchmark" "$@" --out "$out/$stem.csv" --plot
  rm -f "$out/$stem".dat "$out/$stem".gp
}

# search_figure NAME NAS-RUN-OPTIONS...: 20 seeds, training time charged only (the paper's
# accounting: validation passes are free); results.csv and the figure become
# experiments/results/NAME/$script.{csv,png,svg}. Traces and summary.json stay behind: they are
# large and name this run's temporary files.
search_figure() {
  local out=experiments/results/$1 run=$work/$1
  shift
  mkdir -p "$out"
  "$build/nas-run" --seeds 20 --train-time-only "$@" --out "$run" --plot
  cp "$run/results.csv" "$out/$script.csv"
  cp "$run/figure.png" "$out/$script.png"
  cp "$run/figure.svg" "$out/$script.svg"
}

# The NAS-Bench-201 CSV tables in nas-run's format, or a note and failure where they are absent.
nb201_benchmark() {
  if [ ! -f "$shared_data/nb201/nb201_final.csv" ]; then
    echo "$script: $shared_data/nb201 is absent (set NASRUN_SHARED_DATA): NAS-Bench-201 part skipped" >&2
    return 1
  fi
  "$build/nas-bench" import --nb201-csv "$shared_data/nb201/nb201_final.csv" \
      "$shared_data/nb201/nb201_hp12_mean.csv" --out "$work/nb201.nasbench" >/dev/null
  echo "$work/nb201.nasbench"
}

# search_study STRATEGIES [BENCHMARK NAME]: the paper's search comparison (Fig. 6, Fig. 10) for
# the given strategies, 20 seeds, the incumbent's test error versus simulated time. Each part runs
# where its data is present (a note says what was skipped); with neither, the script fails.
# 1. The embedded Fashion-MNIST benchmark (or BENCHMARK, named NAME): the final validation
#    accuracy (val-final), validation accuracy at T (val-early) and SoTL-E at T. T and the budget
#    are nas-run's defaults, which follow the benchmark: T a quarter of T_end (the paper's 50 of
#    200), 150 full trainings of the median architecture (the paper's 150 h on CIFAR-100).
# 2. NAS-Bench-201 (../shared/data/nb201) for its three datasets: its tables hold final
#    accuracies only, so val-final and the separate 12-epoch schedule's validation accuracy
#    (val-hp12); SoTL-E and val-early need per-epoch curves that it lacks. The paper's initial
#    designs (tse-init), 500 simulated hours.
search_study() {
  local strategies=$1 benchmark=${2:-$embedded} name=${3:-fashion-mnist} nb201 parts=0
  if [ -f "$benchmark" ]; then
    search_figure "$name" --benchmark "$benchmark" --strategy "$strategies" \
        --evaluator sotle,val-early,val-final
    parts=$((parts + 1))
  else
    echo "$script: $benchmark is missing (the embedded benchmark: docs/embedded-benchmark.md): its part skipped" >&2
  fi
  if nb201=$(nb201_benchmark); then
    for dataset in cifar10-valid cifar100 ImageNet16-120; do
      search_figure "nb201-$dataset" --benchmark "$nb201" --dataset "$dataset" \
          --strategy "$strategies" --evaluator val-final,val-hp12 --budget 500h \
          --init-file "$shared_data/tse-init/nb201_init_archs.tsv"
    done
    parts=$((parts + 1))
  fi
  [ "$parts" -gt 0 ] || { echo "$script: no data for any part" >&2; exit 1; }
}
