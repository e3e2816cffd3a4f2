#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, AddressSanitizer and UndefinedBehaviorSanitizer
# into build-fuzz/, and runs each for a bounded time. Not part of CI.
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60 s; targets: pickle
#                                                             benchmark arch)
#
# Needs clang and its libFuzzer runtime (Debian: clang and libclang-rt-14-dev, which clang
# pulls in). The seed corpus is made at run time under build-fuzz/corpus/ from synthetic inputs
# (fuzz/make_seeds.cpp) plus, when ../shared/data is beside the checkout (or
# $NASRUN_SHARED_DATA is set), the NATS-Bench sample files, raw and decompressed. It is never
# committed. Inputs that crash are written to build-fuzz/findings/<target>/; to keep one as a
# regression test, copy it to tests/regression/<target>/ (tests/test_fuzz_regressions.cpp).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=(pickle benchmark arch)

cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DNASRUN_BUILD_FUZZERS=ON -DNASRUN_WITH_TORCH=OFF -DNASRUN_BUILD_TESTS=OFF >/dev/null
cmake --build build-fuzz -j"${NASRUN_JOBS:-$(nproc)}" \
  --target fuzz_pickle fuzz_benchmark fuzz_arch fuzz_make_seeds

corpus=build-fuzz/corpus
seeds=build-fuzz/seeds
rm -rf "$seeds"
./build-fuzz/fuzz/fuzz_make_seeds "$seeds"
shared="${NASRUN_SHARED_DATA:-../shared/data}"
if [ -d "$shared/nats-tss-sample" ]; then
  for f in "$shared"/nats-tss-sample/*.pbz2; do
    name="$(basename "$f")"
    cp "$f" "$seeds/pickle/$name"
    # The architecture files only: meta.pickle (1.4 MB decompressed) would slow every run.
    [ "$name" = meta.pickle.pbz2 ] || bzip2 -dc "$f" >"$seeds/pickle/${name%.pbz2}"
  done
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$corpus/$t" "build-fuzz/findings/$t"
  echo "== fuzz_$t for ${seconds}s"
  # The first folder gathers the new inputs; the seeds are read only.
  ./build-fuzz/fuzz/fuzz_"$t" "$corpus/$t" "$seeds/$t" -max_total_time="$seconds" \
    -rss_limit_mb=4096 -timeout=30 -print_final_stats=1 \
    -artifact_prefix="build-fuzz/findings/$t/" 2>"build-fuzz/fuzz_$t.log" || status=1
  tail -n 12 "build-fuzz/fuzz_$t.log"
done
ls -l build-fuzz/findings/* 2>/dev/null | grep -v '^total 0' || true
exit "$status"
