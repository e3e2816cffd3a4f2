#!/usr/bin/env bash
# Builds everything that does not need LibTorch (the live source then says it is not in the
# build), with the test suite, under AddressSanitizer and UndefinedBehaviorSanitizer (gcc) into
# build-asan/, and runs the tests. Any sanitizer report fails the run. The command-line tests
# run the sanitized programs too. The Python module is left out: a sanitized extension would
# need the sanitizer runtimes preloaded into Python.
#
#   bash scripts/sanitize.sh            (NASRUN_JOBS=N to limit parallel jobs; default: all cores)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${NASRUN_JOBS:-$(nproc)}"
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DNASRUN_WITH_TORCH=OFF -DNASRUN_BUILD_PYTHON=OFF
cmake --build build-asan -j"$jobs"
export ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
ctest --test-dir build-asan --output-on-failure -j"$jobs"
