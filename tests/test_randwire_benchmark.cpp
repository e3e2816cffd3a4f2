// The RandWire benchmark (data/fashion-mnist-randwire.nasbench): what docs/randwire.md says it
// is, and what the experiments run on it (nas-run and nas-rank).
#include <catch2/catch.hpp>

#include "bench/benchmark.hpp"
#include "common/file_io.hpp"
#include "common/random.hpp"
#include "spaces/randwire.hpp"
#include "committed_benchmarks.hpp"
#include "test_support.hpp"

using namespace nasrun;

namespace {

const std::string& randwire_path() {
  static const std::string path =
      std::string(NASRUN_SOURCE_DIR) + "/data/fashion-mnist-randwire.nasbench";
  return path;
}

const bench::Benchmark& randwire() {
  static const auto b = bench::Benchmark::open(randwire_path());
  return b;
}

}  // namespace

TEST_CASE("The RandWire benchmark trains every class of the space, a tenth with three seeds",
          "[bench][randwire-benchmark]") {
  const auto& b = randwire();
  CHECK(b.space().name() == "randwire");
  // 524 classes (WS(K, 0.00) is one network at every wiring seed) with seed 0; seeds 1 and 2
  // for a seeded tenth of them (53).
  testing::check_complete_tabulation(b, 524 + 2 * 53, 552);
  testing::check_classes_with_extra_seeds(b, 524, 53);
}

TEST_CASE("Every RandWire training has full curves, a test result, its costs and its proxies",
          "[bench][randwire-benchmark]") {
  testing::check_every_training_whole(randwire());
}

TEST_CASE("nas-run searches the RandWire benchmark and nas-rank ranks it",
          "[bench][randwire-benchmark][cli]") {
  testing::TempDir dir("randwire-benchmark");
  const auto search = testing::run_program(
      "nas-run", "--benchmark " + randwire_path() +
                     " --strategy re,rs --evaluator sotle,val-final --seeds 2 --out " + dir.file("run"));
  INFO(search.output);
  REQUIRE(search.status == 0);
  const auto results = common::read_file(dir.file("run/results.csv"));
  for (const char* row : {"\nre,sotle,", "\nre,val-final,", "\nrs,sotle,", "\nrs,val-final,"})
    CHECK(results.find(row) != std::string::npos);
  const auto rank = testing::run_program(
      "nas-rank", "--benchmark " + randwire_path() + " --estimators sotle,val-early --T 2,10 --out " +
                      dir.file("rank.csv"));
  INFO(rank.output);
  REQUIRE(rank.status == 0);
  CHECK(common::read_file(dir.file("rank.csv")).find("\n10,sotle,") != std::string::npos);
}

#ifdef NASRUN_HAVE_LIVE
TEST_CASE("Retraining a RandWire network with the file's recorded settings reproduces its curves",
          "[bench][randwire-benchmark][live]") {
  const auto& b = randwire();
  const auto source = testing::recorded_live_source(b);
  if (!source) return;
  const auto code = b.space().parse("ER(0.20)@3");
  common::Rng rng(common::mix_seed(0, code));
  testing::check_retraining(b, *source, b.index_of(code), rng);
}
#endif  // NASRUN_HAVE_LIVE
