// The embedded benchmark (data/fashion-mnist-nb201.nasbench), which every program opens by
// default: it must be what docs/embedded-benchmark.md says it is, since the main job, the
// experiments and a user's first search all read it.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "bench/benchmark.hpp"
#include "common/random.hpp"
#include "evaluators/curve_source.hpp"
#include "evaluators/live_data.hpp"

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
  const auto& b = embedded();
  CHECK(b.meta().at("complete").get<bool>());
  CHECK(b.meta().at("trainings").get<int>() == 7760);
  CHECK(b.meta().at("trainings_planned").get<int>() == 7760);
  REQUIRE(b.num_archs() == 15625);
  REQUIRE(b.tables().size() == 1);
  const auto& t = b.tables().front();
  CHECK(t.dataset() == "fashion-mnist");
  REQUIRE(t.epochs() == 10);
  CHECK(t.recorded_epochs().size() == 10);
  REQUIRE(t.seeds() == std::vector<std::int64_t>{0, 1, 2});
  CHECK(t.truth_metric() == bench::Metric::TestAcc);
}

TEST_CASE("The embedded benchmark trains each isomorphism class once, shared by its cells",
          "[bench][embedded]") {
  const auto& b = embedded();
  const auto& t = b.tables().front();
  std::map<int, spaces::ArchCode> class_of_row;
  std::set<spaces::ArchCode> classes;
  for (std::size_t a = 0; a < b.num_archs(); ++a) {
    const auto cls = b.space().class_of(b.code(a));
    classes.insert(cls);
    INFO("architecture " << a);
    REQUIRE(t.seed_present(a, t.slot_of_seed(0)));
    // Isomorphic cells compute the same function: one training serves them all, and no row
    // serves two classes.
    const auto [it, inserted] = class_of_row.emplace(t.row_of(a), cls);
    REQUIRE(it->second == cls);
  }
  CHECK(classes.size() == 6466);
  CHECK(class_of_row.size() == 6466);

  // Seeds 1 and 2 for a seeded tenth of the classes (647), for seed noise; both or neither.
  std::size_t with_extra_seeds = 0;
  for (const auto& [row, cls] : class_of_row) {
    const auto a = b.index_of(cls);
    const int n = t.num_seeds_present(a);
    INFO("class " << cls);
    REQUIRE((n == 1 || n == 3));
    with_extra_seeds += n == 3;
  }
  CHECK(with_extra_seeds == 647);
}

TEST_CASE("Every embedded training has full curves, a final test result and its costs",
          "[bench][embedded]") {
  const auto& b = embedded();
  const auto& t = b.tables().front();
  std::set<int> rows;
  for (std::size_t a = 0; a < b.num_archs(); ++a) {
    if (!rows.insert(t.row_of(a)).second) continue;
    INFO("architecture " << a);
    CHECK(t.cost(bench::Cost::Params, a) > 0);
    CHECK(t.cost(bench::Cost::EpochTrainTime, a) > 0);
    CHECK(t.cost(bench::Cost::EpochEvalTime, a) > 0);
    for (int s = 0; s < static_cast<int>(t.seeds().size()); ++s) {
      if (!t.seed_present(a, s)) continue;
      for (auto m : {bench::Metric::TrainLoss, bench::Metric::ValidLoss, bench::Metric::ValidAcc,
                     bench::Metric::TrainTime}) {
        const float* v = t.series(m, a, s);
        for (std::size_t c = 0; c < t.recorded_epochs().size(); ++c)
          REQUIRE(std::isfinite(v[c]));
      }
      const double test_acc =
          t.value(bench::Metric::TestAcc, a, bench::SeedChoice{s}, t.epochs());
      REQUIRE(test_acc >= 0);
      REQUIRE(test_acc <= 100);
    }
  }
}

#ifdef NASRUN_HAVE_LIVE
TEST_CASE("Retraining an embedded cell with the file's recorded settings reproduces its curves",
          "[bench][embedded][live]") {
  const auto& b = embedded();
  if (!std::filesystem::exists(evaluators::live::default_data_dir("fashion-mnist"))) {
    WARN("skipped: " << evaluators::live::default_data_dir("fashion-mnist")
                     << " not found (dataset-fashion-mnist)");
    return;
  }
  evaluators::SourceOptions o;
  o.space = b.space_ptr();
  o.dataset = b.meta().at("dataset").get<std::string>();
  o.extra = b.meta().at("source_options");
  o.data_seeds = bench::SeedPolicy::fixed(0);
  const auto source =
      evaluators::make_curve_source(b.meta().at("curve_source").get<std::string>(), o);
  CHECK(source->describe() == b.meta().at("recipe").get<std::string>());

  // A cheap cell (one skip connection: seconds to train). On the machine that tabulated it the
  // retraining is bit-identical; elsewhere LibTorch's kernels may round differently, which
  // moves the curves by far less than a change of any setting would.
  const std::size_t arch = 125;
  const auto& t = b.tables().front();
  const int epochs = t.epochs();
  common::Rng rng(common::mix_seed(0, arch));
  const auto curve = source->observe(b.code(arch), epochs,
                                     {{bench::Metric::TrainLoss, 1, epochs},
                                      {bench::Metric::ValidAcc, 1, epochs},
                                      {bench::Metric::TestAcc, epochs, epochs}},
                                     rng);
  const bench::SeedChoice seed0{t.slot_of_seed(0)};
  for (int e = 1; e <= epochs; ++e) {
    INFO("epoch " << e);
    CHECK(curve.at(bench::Metric::TrainLoss, e) ==
          Approx(t.value(bench::Metric::TrainLoss, arch, seed0, e)).epsilon(0.01));
    CHECK(curve.at(bench::Metric::ValidAcc, e) ==
          Approx(t.value(bench::Metric::ValidAcc, arch, seed0, e)).margin(1.0));
  }
  CHECK(curve.at(bench::Metric::TestAcc, epochs) ==
        Approx(t.value(bench::Metric::TestAcc, arch, seed0, epochs)).margin(1.0));

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
