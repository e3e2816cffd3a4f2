#!/usr/bin/env bash
# Installs what is needed (as root), builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -eq 0 ]; then bash scripts/setup-debian.sh; else sudo bash scripts/setup-debian.sh; fi
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$(nproc)"
ctest --test-dir build --output-on-failure -j"$(nproc)"
