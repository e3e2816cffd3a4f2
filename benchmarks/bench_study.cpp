// A whole comparison on the NAS-Bench-201 table: 3 strategies x 3 evaluators x 20 seeds, 150 h
// of simulated time each (the paper's cifar100 budget), on one thread (the baseline) and two.
// The CSV table has final accuracies only, so the three evaluators are the ones it supports:
// val-final, val-hp12, and val-final reading the mean over seeds.
#include <benchmark/benchmark.h>

#include "bench/nb201_csv.hpp"
#include "evaluators/curve_source.hpp"
#include "shared_data.hpp"
#include "study/study.hpp"

namespace {

using namespace nasrun;

struct Setup {
  std::shared_ptr<bench::Benchmark> benchmark;
  experiment::EvaluatorMaker maker;
};

const Setup& setup() {
  static const Setup s = [] {
    const auto dir = benchmarks::shared_data_dir();
    Setup s;
    s.benchmark = std::make_shared<bench::Benchmark>(
        bench::import_nb201_csv(spaces::make_search_space("nb201"),
                                {dir + "/nb201/nb201_final.csv",
                                 dir + "/nb201/nb201_hp12_mean.csv"})
            .build());
    auto source = [b = s.benchmark](const std::string& schedule, bench::SeedPolicy data) {
      evaluators::SourceOptions o;
      o.benchmark = b;
      o.dataset = "cifar100";
      o.schedule = schedule;
      o.data_seeds = data;
      return evaluators::make_curve_source("tabular", o);
    };
    auto full = source("", bench::SeedPolicy::random());
    auto full_mean = source("", bench::SeedPolicy::mean());
    auto hp12 = source("12", bench::SeedPolicy::random());
    s.maker = [=](const std::string& name, const evaluators::EstimatorOptions& opts) {
      const bool mean = name == "val-final-mean";
      auto estimator = evaluators::make_estimator(mean ? "val-final" : name, opts);
      auto src = name == "val-hp12" ? hp12 : mean ? full_mean : full;
      return std::make_unique<evaluators::Evaluator>(std::move(estimator), src);
    };
    return s;
  }();
  return s;
}

void BM_Comparison3x3x20(benchmark::State& state) {
  if (benchmarks::shared_data_dir().empty()) {
    state.SkipWithError("../shared/data is absent");
    return;
  }
  const auto& s = setup();
  experiment::StudyConfig config;
  config.strategies = {"re", "tpe", "rs"};
  config.evaluators = {"val-final", "val-hp12", "val-final-mean"};
  config.seeds = 20;
  config.budget.budget_s = 150 * 3600.0;
  config.threads = static_cast<int>(state.range(0));
  std::size_t evaluations = 0;
  for (auto _ : state) {
    const auto results = experiment::run_study(config, s.benchmark->space_ptr(), s.maker);
    for (const auto& r : results) evaluations += r.trace.rows.size();
  }
  state.counters["evaluations"] =
      benchmark::Counter(static_cast<double>(evaluations), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_Comparison3x3x20)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// One evaluation of each kind through the evaluator (lookup, estimator, cost, truth).
void BM_Evaluate(benchmark::State& state, const std::string& name) {
  if (benchmarks::shared_data_dir().empty()) {
    state.SkipWithError("../shared/data is absent");
    return;
  }
  auto e = setup().maker(name, {});
  common::Rng rng(1);
  const auto space = setup().benchmark->space_ptr();
  for (auto _ : state) benchmark::DoNotOptimize(e->evaluate(space->sample(rng), rng));
}
BENCHMARK_CAPTURE(BM_Evaluate, val_final, std::string("val-final"));
BENCHMARK_CAPTURE(BM_Evaluate, val_hp12, std::string("val-hp12"));

}  // namespace

BENCHMARK_MAIN();
