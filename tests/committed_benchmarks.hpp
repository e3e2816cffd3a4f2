// What the committed benchmarks (data/*.nasbench, made by nas-bench tabulate) must be: a
// complete tabulation, every training whole, and retraining one gives its curves again.
#pragma once

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "bench/benchmark.hpp"
#include "common/random.hpp"
#include "evaluators/curve_source.hpp"
#include "evaluators/live_data.hpp"

namespace nasrun::testing {

// A finished tabulation of `archs` architectures in `trainings` trainings on Fashion-MNIST: one
// table, 10 epochs each recorded, seeds 0, 1 and 2, the test accuracy as the truth.
inline void check_complete_tabulation(const bench::Benchmark& b, int trainings, std::size_t archs) {
  CHECK(b.meta().at("complete").get<bool>());
  CHECK(b.meta().at("trainings").get<int>() == trainings);
  CHECK(b.meta().at("trainings_planned").get<int>() == trainings);
  REQUIRE(b.num_archs() == archs);
  REQUIRE(b.tables().size() == 1);
  const auto& t = b.tables().front();
  CHECK(t.dataset() == "fashion-mnist");
  REQUIRE(t.epochs() == 10);
  CHECK(t.recorded_epochs().size() == 10);
  REQUIRE(t.seeds() == std::vector<std::int64_t>{0, 1, 2});
  CHECK(t.truth_metric() == bench::Metric::TestAcc);
}

// The stored row of each isomorphism class of the file's only table: architectures that compute
// the same function share one training, no row serves two classes and no class has two rows.
inline std::map<int, spaces::ArchCode> class_of_each_row(const bench::Benchmark& b) {
  const auto& t = b.tables().front();
  std::map<int, spaces::ArchCode> class_of_row;
  std::map<spaces::ArchCode, int> row_of_class;
  for (std::size_t a = 0; a < b.num_archs(); ++a) {
    INFO(b.space().to_string(b.code(a)));
    const auto cls = b.space().class_of(b.code(a));
    REQUIRE(class_of_row.emplace(t.row_of(a), cls).first->second == cls);
    REQUIRE(row_of_class.emplace(cls, t.row_of(a)).first->second == t.row_of(a));
  }
  return class_of_row;
}

// Seed 0 for every architecture; seeds 1 and 2 for a seeded sample of `with_extra_seeds` of the
// `classes` isomorphism classes (for the seed noise), both or neither.
inline void check_classes_with_extra_seeds(const bench::Benchmark& b, std::size_t classes,
                                           std::size_t with_extra_seeds) {
  const auto& t = b.tables().front();
  for (std::size_t a = 0; a < b.num_archs(); ++a) {
    INFO(b.space().to_string(b.code(a)));
    REQUIRE(t.seed_present(a, t.slot_of_seed(0)));
  }
  const auto class_of_row = class_of_each_row(b);
  CHECK(class_of_row.size() == classes);
  std::size_t with_three = 0;
  for (const auto& [row, cls] : class_of_row) {
    const int n = t.num_seeds_present(b.index_of(cls));
    INFO(b.space().to_string(cls));
    REQUIRE((n == 1 || n == 3));
    with_three += n == 3;
  }
  CHECK(with_three == with_extra_seeds);
}

// Every training of the file's only table has its costs, full curves, a final test accuracy and
// the zero-cost proxies.
inline void check_every_training_whole(const bench::Benchmark& b) {
  const auto& t = b.tables().front();
  for (auto p : bench::all_proxies()) CHECK(t.has_proxy(p));
  std::set<int> rows;
  for (std::size_t a = 0; a < b.num_archs(); ++a) {
    if (!rows.insert(t.row_of(a)).second) continue;
    INFO(b.space().to_string(b.code(a)));
    CHECK(t.cost(bench::Cost::Params, a) > 0);
    CHECK(t.cost(bench::Cost::EpochTrainTime, a) > 0);
    CHECK(t.cost(bench::Cost::EpochEvalTime, a) > 0);
    for (int s = 0; s < static_cast<int>(t.seeds().size()); ++s) {
      if (!t.seed_present(a, s)) continue;
      for (auto m : {bench::Metric::TrainLoss, bench::Metric::ValidLoss, bench::Metric::ValidAcc,
                     bench::Metric::TrainTime}) {
        const float* v = t.series(m, a, s);
        for (std::size_t c = 0; c < t.recorded_epochs().size(); ++c) REQUIRE(std::isfinite(v[c]));
      }
      const double test_acc = t.value(bench::Metric::TestAcc, a, bench::SeedChoice{s}, t.epochs());
      REQUIRE(test_acc >= 0);
      REQUIRE(test_acc <= 100);
      // A proxy may be undefined (NaN: jacov of a cell that cuts its input off); the
      // parameter count never is.
      REQUIRE(t.proxy(bench::Proxy::Params, a, bench::SeedChoice{s}) > 0);
    }
  }
}

// The live source of the file's recorded recipe reading seed 0, or nullptr (with a warning) when
// the dataset is not installed.
inline std::shared_ptr<evaluators::LearningCurveSource> recorded_live_source(const bench::Benchmark& b) {
  const auto data = evaluators::live::default_data_dir(b.meta().at("dataset").get<std::string>());
  if (!std::filesystem::exists(data)) {
    WARN("skipped: " << data << " not found (dataset-fashion-mnist)");
    return nullptr;
  }
  evaluators::SourceOptions o;
  o.space = b.space_ptr();
  o.dataset = b.meta().at("dataset").get<std::string>();
  o.extra = b.meta().at("source_options");
  o.data_seeds = bench::SeedPolicy::fixed(0);
  std::shared_ptr<evaluators::LearningCurveSource> source =
      evaluators::make_curve_source(b.meta().at("curve_source").get<std::string>(), o);
  CHECK(source->describe() == b.meta().at("recipe").get<std::string>());
  return source;
}

// Retrains architecture `arch` of the file's only table with seed 0, drawing from `rng` as the
// tabulation did, and checks its curves against the file's: bit-identical on the machine that
// tabulated it; elsewhere LibTorch's kernels may round differently, which moves the curves by
// far less than a change of any setting would.
inline void check_retraining(const bench::Benchmark& b, evaluators::LearningCurveSource& source,
                             std::size_t arch, common::Rng& rng) {
  const auto& t = b.tables().front();
  const int epochs = t.epochs();
  const auto curve = source.observe(b.code(arch), epochs,
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
}

}  // namespace nasrun::testing
