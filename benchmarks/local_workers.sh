#!/usr/bin/env bash
# Evaluations in the same real time: one local worker, two local workers, and MPI with three
# ranks (two training), each a Random Search run of tiny live trainings (Fashion-MNIST at 16x16,
# 512 training images, C=4, one cell per stage, T=2 of 4 epochs, one LibTorch thread each) on a
# real budget of SECONDS (default 40). Prints the evaluations each completed.
#   bash benchmarks/local_workers.sh [SECONDS] [BUILD_DIR]
set -euo pipefail
seconds=${1:-40}
build=${2:-build}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
live=(--source live --dataset fashion-mnist --strategy rs --seeds 1 --budget "${seconds}s"
      --budget-clock real --T 2 --source-option epochs=4 --source-option channels=4
      --source-option cells=1 --source-option image_size=16 --source-option train_subset=512
      --source-option valid_subset=256 --source-option test_subset=256 --source-option threads=1)
count() { grep -vc '^#\|^evaluation' "$out/$1"/traces/*.csv; }
"$build/nas-run" "${live[@]}" --executor local --workers 1 --out "$out/local1" > /dev/null
"$build/nas-run" "${live[@]}" --executor local --workers 2 --out "$out/local2" > /dev/null
mpirun --allow-run-as-root --oversubscribe -np 3 "$build/nas-run" "${live[@]}" --executor mpi \
    --out "$out/mpi3" > /dev/null
echo "executor,workers,evaluations_in_${seconds}s"
echo "local,1,$(count local1)"
echo "local,2,$(count local2)"
echo "mpi,2,$(count mpi3)"
