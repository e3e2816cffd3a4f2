#!/usr/bin/env bash
# Measures the Google Benchmark programs of two commits in the same run, alternating them so that
# both see the same machine, and writes the ratio of each benchmark's time (this tree's over the
# baseline commit's) to a CSV; docs/performance.md's "against an earlier commit" table is made
# from it by benchmarks/compare_table.py.
#
#   bash benchmarks/compare_commits.sh BASELINE_REV [ROUNDS]      (default 3 rounds)
#
# The baseline is built from a worktree in build-compare/baseline-src (removed at the end); this
# tree is built into build-compare/current. Needs ../shared/data for bench_format and
# bench_study (as docs/performance.md says); the CSV is benchmarks/results/compare.csv.
set -euo pipefail
cd "$(dirname "$0")/.."
baseline_rev=${1:?usage: compare_commits.sh BASELINE_REV [ROUNDS]}
rounds=${2:-3}
work=build-compare
programs=(bench_format bench_strategies bench_study bench_estimators)
mkdir -p "$work" benchmarks/results
baseline_sha=$(git rev-parse --verify "$baseline_rev^{commit}")
rm -rf "$work/baseline-src"
git worktree add --detach "$work/baseline-src" "$baseline_sha" >/dev/null
trap 'git worktree remove --force "$work/baseline-src" >/dev/null 2>&1 || true' EXIT

build() {  # SOURCE_DIR BUILD_DIR
  cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release -DNASRUN_BUILD_BENCHMARKS=ON \
    -DNASRUN_BUILD_TESTS=OFF -DNASRUN_WITH_TORCH=OFF >/dev/null
  cmake --build "$2" -j"${NASRUN_JOBS:-$(nproc)}" --target "${programs[@]}" >/dev/null
}
build "$work/baseline-src" "$work/baseline"
build . "$work/current"

# The baseline's benchmarks read ../shared/data relative to their own source tree.
shared=$(cd .. && pwd)/shared/data
for round in $(seq "$rounds"); do
  for side in baseline current; do
    for p in "${programs[@]}"; do
      NASRUN_SHARED_DATA=${NASRUN_SHARED_DATA:-$shared} "$work/$side/benchmarks/$p" \
        --benchmark_format=json --benchmark_out="$work/$side-$p-$round.json" >/dev/null 2>&1
    done
  done
done
/usr/bin/python3 benchmarks/compare_table.py --csv "$work" "$baseline_sha" "$rounds" \
  "${programs[@]}" >benchmarks/results/compare.csv
echo "benchmarks/results/compare.csv: $(($(wc -l <benchmarks/results/compare.csv) - 1)) benchmarks"
