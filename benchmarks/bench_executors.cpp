// The master's overhead per job: the runner (strategy ask/tell, incumbent, trace) with the
// simulated executor, where nothing else runs; and with 64 local workers whose jobs sleep a fixed
// fake duration, where the overhead is each job's measured duration (from the event that
// launched it to the master hearing of its end) minus the fake duration. The target:
// at most 1 ms per job with 64 workers. Jobs read the embedded benchmark.
#include <benchmark/benchmark.h>

#include "../tests/sleeping_source.hpp"
#include "evaluators/curve_source.hpp"
#include "run/local_executor.hpp"
#include "run/search_run.hpp"

namespace {

using namespace nasrun;

std::shared_ptr<evaluators::LearningCurveSource> embedded() {
  static const auto source = [] {
    evaluators::SourceOptions o;
    o.benchmark = std::make_shared<bench::Benchmark>(
        bench::Benchmark::open(NASRUN_SOURCE_DIR "/data/fashion-mnist-nb201.nasbench"));
    o.dataset = "fashion-mnist";
    return evaluators::make_curve_source("tabular", o);
  }();
  return source;
}

std::unique_ptr<search::MultiFidelityStrategy> regularised_evolution(std::uint64_t seed) {
  search::StrategyContext ctx;
  ctx.space = spaces::make_search_space("nb201");
  ctx.seed = seed;
  return search::make_job_strategy("re", ctx);
}

std::unique_ptr<evaluators::Evaluator> sotle(std::shared_ptr<evaluators::LearningCurveSource> s) {
  evaluators::EstimatorOptions options;
  options.T = 3;
  return std::make_unique<evaluators::Evaluator>(evaluators::make_estimator("sotle", options),
                                                 std::move(s));
}

// Jobs handled per second by the runner on the simulated clock with W workers.
void BM_simulated_master(benchmark::State& state) {
  const int workers = static_cast<int>(state.range(0));
  const std::size_t jobs = 2000;
  for (auto _ : state) {
    auto evaluator = sotle(embedded());
    auto strategy = regularised_evolution(1);
    experiment::SimulatedExecutor executor(*evaluator, 1e12, workers);
    common::Rng rng(2);
    benchmark::DoNotOptimize(experiment::run_search(*strategy, executor, jobs, rng));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * jobs));
}
BENCHMARK(BM_simulated_master)->Arg(1)->Arg(64)->Unit(benchmark::kMillisecond);

// 64 local workers, jobs of 20 ms: the master's overhead per job (ms), mean and worst.
void BM_local_master_overhead(benchmark::State& state) {
  const int workers = static_cast<int>(state.range(0));
  const double fake_s = 0.02;
  const std::size_t jobs = static_cast<std::size_t>(workers) * 10;
  auto source = std::make_shared<testing::SleepingSource>(
      embedded(), [fake_s](spaces::ArchCode) { return fake_s; });
  double overhead_sum = 0, overhead_max = 0;
  std::size_t measured = 0;
  for (auto _ : state) {
    auto evaluator = sotle(source);
    auto strategy = regularised_evolution(1);
    experiment::LocalExecutor executor(*evaluator, 1e12, workers,
                                       experiment::BudgetClock::charged);
    common::Rng rng(2);
    const auto trace = experiment::run_search(*strategy, executor, jobs, rng);
    for (const auto& row : trace.rows) {
      const double overhead = row.real->times.duration_s - fake_s;
      overhead_sum += overhead;
      overhead_max = std::max(overhead_max, overhead);
      ++measured;
    }
  }
  state.counters["overhead_ms_mean"] = 1000 * overhead_sum / static_cast<double>(measured);
  state.counters["overhead_ms_max"] = 1000 * overhead_max;
  state.SetItemsProcessed(static_cast<std::int64_t>(measured));
}
BENCHMARK(BM_local_master_overhead)->Arg(64)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
