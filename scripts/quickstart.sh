#!/usr/bin/env bash
# Installs what is needed (as root), builds, and runs the main job: Regularised Evolution with
# SoTL-E, 20 seeds, on the embedded Fashion-MNIST benchmark (data/fashion-mnist-nb201.nasbench).
# T and the budget follow the benchmark: T=3 of its 10 epochs, 150 median full trainings.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ]; then bash scripts/setup-debian.sh; else sudo bash scripts/setup-debian.sh; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
./build/nas-run --strategy re --evaluator sotle --seeds 20 --plot   # writes nas-run-results/
