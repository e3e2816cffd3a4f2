// The paper's setting on the real NAS-Bench-201 table: Regularised Evolution beats Random Search.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>

#include "bench/nb201_csv.hpp"
#include "evaluators/curve_source.hpp"
#include "study/initial_designs.hpp"
#include "study/study.hpp"
#include "study/summary.hpp"
#include "test_support.hpp"

using namespace nasrun;

TEST_CASE("On NB201 cifar100 (val-final, 500 h, 20 seeds) RE ends clearly below RS",
          "[experiment][shared]") {
  NASRUN_REQUIRE_SHARED_DATA(data);
  auto benchmark = std::make_shared<bench::Benchmark>(
      bench::import_nb201_csv(testing::nb201(), {data + "/nb201/nb201_final.csv"}).build());
  evaluators::SourceOptions o;
  o.benchmark = benchmark;
  o.dataset = "cifar100";
  auto source = evaluators::make_curve_source("tabular", o);
  const experiment::EvaluatorMaker maker = [&](const std::string& name,
                                               const evaluators::EstimatorOptions& opts) {
    return std::make_unique<evaluators::Evaluator>(evaluators::make_estimator(name, opts), source);
  };
  experiment::StudyConfig config;
  config.strategies = {"re", "rs"};
  config.evaluators = {"val-final"};
  config.seeds = 20;
  config.budget.budget_s = 500 * 3600.0;
  // The paper's initial designs, so the runs start where its runs started.
  config.initial_designs =
      experiment::read_initial_designs(data + "/tse-init/nb201_init_archs.tsv", benchmark->space());
  const auto results = experiment::run_study(config, benchmark->space_ptr(), maker);
  const auto summary = experiment::summarise(results, config.budget.budget_s);
  const auto& re = summary.combos.at(0).final_incumbent_test_error;
  const auto& rs = summary.combos.at(1).final_incumbent_test_error;
  REQUIRE(summary.combos.at(0).strategy == "re");
  INFO("RE " << re.mean << " +- " << re.se << ", RS " << rs.mean << " +- " << rs.se);
  CHECK(rs.mean - re.mean > 2 * std::sqrt(re.se * re.se + rs.se * rs.se));

  std::vector<double> errors;
  for (std::size_t i = 0; i < benchmark->num_archs(); ++i)
    errors.push_back(source->final_test_error(benchmark->code(i)));
  std::nth_element(errors.begin(), errors.begin() + errors.size() / 2, errors.end());
  const double median = errors[errors.size() / 2];
  const double optimum = *std::min_element(errors.begin(), errors.end());
  CHECK(optimum == Approx(100 - 73.513).margin(0.001));
  for (const auto* m : {&re, &rs}) {
    CHECK(m->mean > optimum);
    CHECK(m->mean < median);
  }
}
