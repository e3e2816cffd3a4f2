// Each estimator's evaluation (curve lookup + score + cost + truth) on a synthetic benchmark with
// full 200-epoch curves, and a whole 20-seed run of Regularised Evolution with SoTL-E on it, on
// one thread (the baseline) and two. Needs no external data.
#include <benchmark/benchmark.h>

#include <cmath>

#include "bench/benchmark_builder.hpp"
#include "common/random.hpp"
#include "evaluators/curve_source.hpp"
#include "evaluators/evaluator.hpp"
#include "study/study.hpp"

namespace {

using namespace nasrun;

// Every NB201 cell, 200 epochs, 3 seeds: decaying losses and rising accuracies whose speed
// depends on the cell, times of 10-30 s per epoch.
std::shared_ptr<bench::Benchmark> synthetic() {
  static auto b = [] {
    std::vector<spaces::ArchCode> codes(15625);
    for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i;
    bench::BenchmarkBuilder builder("nb201", codes);
    std::vector<int> epochs(200);
    for (int e = 1; e <= 200; ++e) epochs[static_cast<std::size_t>(e - 1)] = e;
    auto& t = builder.add_table("synthetic", "200", 200, epochs, {0, 1, 2}, bench::Metric::TestAcc);
    for (std::size_t c = 0; c < codes.size(); ++c) {
      const double speed = 0.005 + static_cast<double>(common::mix_seed(c, 1) % 1000) * 2e-5;
      for (int s = 0; s < 3; ++s)
        for (int e = 1; e <= 200; ++e) {
          const double loss = 2.3 * std::exp(-speed * e) + 0.01 * s;
          t.set(bench::Metric::TrainLoss, c, s, e, loss);
          t.set(bench::Metric::ValidLoss, c, s, e, loss * 1.2 + 0.1);
          t.set(bench::Metric::ValidAcc, c, s, e, 100 - 40 * loss);
          t.set(bench::Metric::TestAcc, c, s, e, 99 - 40 * loss);
          t.set(bench::Metric::TrainTime, c, s, e, 10 + static_cast<double>(c % 20));
          t.set(bench::Metric::EvalTime, c, s, e, 1.0);
        }
    }
    return std::make_shared<bench::Benchmark>(builder.build());
  }();
  return b;
}

std::shared_ptr<evaluators::LearningCurveSource> source() {
  static auto s = [] {
    evaluators::SourceOptions o;
    o.benchmark = synthetic();
    o.dataset = "synthetic";
    return evaluators::make_curve_source("tabular", o);
  }();
  return s;
}

void BM_Evaluate(benchmark::State& state, const std::string& name) {
  evaluators::Evaluator e(evaluators::make_estimator(name, {50, std::nullopt, 0.9}), source());
  common::Rng rng(1);
  const auto& space = synthetic()->space();
  for (auto _ : state) benchmark::DoNotOptimize(e.evaluate(space.sample(rng), rng));
}

// One BM_Evaluate/<name> for every registered estimator a search may use (not the oracles) that
// can score the synthetic benchmark at T = 50, so that a new estimator is measured without an
// edit here. Those that need what the table lacks (e.g. zero-cost proxies) are left out.
void register_estimators() {
  const auto& registry = evaluators::estimator_registry();
  for (const auto& name : registry.names()) {
    if (registry.at(name).traits.oracle) continue;
    try {
      common::Rng rng(1);
      evaluators::Evaluator(evaluators::make_estimator(name, {50, std::nullopt, 0.9}), source())
          .evaluate(0, rng);
    } catch (const std::exception&) {
      continue;
    }
    benchmark::RegisterBenchmark(("BM_Evaluate/" + name).c_str(), BM_Evaluate, name);
  }
}

// One (strategy, evaluator) over 20 seeds, 150 simulated hours each.
void BM_TwentySeedRun(benchmark::State& state) {
  experiment::StudyConfig config;
  config.strategies = {"re"};
  config.evaluators = {"sotle"};
  config.seeds = 20;
  config.budget.budget_s = 150 * 3600.0;
  config.threads = static_cast<int>(state.range(0));
  const experiment::EvaluatorMaker maker = [](const std::string& name,
                                              const evaluators::EstimatorOptions& opts) {
    return std::make_unique<evaluators::Evaluator>(evaluators::make_estimator(name, opts), source());
  };
  std::size_t evaluations = 0;
  for (auto _ : state)
    for (const auto& r : experiment::run_study(config, synthetic()->space_ptr(), maker))
      evaluations += r.trace.evaluations();
  state.counters["evaluations"] =
      benchmark::Counter(static_cast<double>(evaluations), benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_TwentySeedRun)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  register_estimators();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
