// The embedded benchmark (data/fashion-mnist-nb201.nasbench), which every program opens by
// default: it must be what docs/embedded-benchmark.md says it is, since the main job, the
// experiments and a user's first search all read it.
#include <catch2/catch.hpp>

#include "bench/benchmark.hpp"
#include "common/random.hpp"
#include "committed_benchmarks.hpp"

using namespace nasrun;

namespace {

const bench::Benchmark& embedded() {
  static const auto b =
      bench::Benchmark::open(std::string(NASRUN_SOURCE_DIR) + "/data/fashion-mnist-nb201.nasbench");
  return b;
}

}  // namespace

TEST_CASE("The embedded benchmark is a complete tabulation of the NB201 cell on Fashion-MNIST",
          "[bench][embedded]") {
  testing::check_complete_tabulation(embedded(), 7760, 15625);
}

TEST_CASE("The embedded benchmark trains each isomorphism class once, shared by its cells",
          "[bench][embedded]") {
  // 6,466 classes; seeds 1 and 2 for a seeded tenth of them (647).
  testing::check_classes_with_extra_seeds(embedded(), 6466, 647);
}

TEST_CASE("Every embedded training has full curves, a test result, its costs and its proxies",
          "[bench][embedded]") {
  testing::check_every_training_whole(embedded());
}

#ifdef NASRUN_HAVE_LIVE
TEST_CASE("Retraining an embedded cell with the file's recorded settings reproduces its curves",
          "[bench][embedded][live]") {
  const auto& b = embedded();
  const auto source = testing::recorded_live_source(b);
  if (!source) return;
  // A cheap cell (one skip connection: seconds to train).
  const std::size_t arch = 125;
  const auto& t = b.tables().front();
  const bench::SeedChoice seed0{t.slot_of_seed(0)};
  common::Rng rng(common::mix_seed(0, arch));
  testing::check_retraining(b, *source, arch, rng);

  // The zero-cost proxies of the same network at initialisation: bit-identical on the machine
  // that tabulated them; elsewhere within LibTorch's rounding.
  const std::vector<bench::Proxy> proxies(bench::all_proxies().begin(), bench::all_proxies().end());
  const auto values = source->observe_proxies(b.code(arch), proxies, rng);
  for (auto p : proxies) {
    INFO("proxy " << bench::proxy_name(p));
    REQUIRE(t.has_proxy(p));
    CHECK(values.at(p) == Approx(t.proxy(p, arch, seed0)).epsilon(1e-4));
  }
}
#endif  // NASRUN_HAVE_LIVE
