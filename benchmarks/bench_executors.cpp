// The master's overhead per job: the runner (strategy ask/tell, incumbent, trace) with the
// simulated executor, where nothing else runs; and with 64 local workers whose jobs sleep a fixed
// fake duration, where it is the real time the master spends outside waiting for completions
// (handling one, launching the next jobs) per job. The target: at most 1 ms per job with
// 64 workers. Also reported: each job's latency, its measured duration (from the event that
// launched it to the master hearing of its end) minus the fake duration, which adds the wait for
// the master behind completions that came at once. Jobs read the embedded benchmark.
#include <benchmark/benchmark.h>

#include <chrono>

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

// An executor that times how long the runner spends in wait(): the rest is the master's work.
class TimedWaits : public experiment::Executor {
 public:
  explicit TimedWaits(experiment::Executor& inner) : inner_(inner) {}
  int workers() const override { return inner_.workers(); }
  bool budget_left() const override { return inner_.budget_left(); }
  void submit(int worker, const search::Job& job, common::Rng& rng) override {
    inner_.submit(worker, job, rng);
  }
  void release(std::uint64_t trial) override { inner_.release(trial); }
  std::optional<experiment::Completion> wait() override {
    const auto start = std::chrono::steady_clock::now();
    auto c = inner_.wait();
    waited_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return c;
  }
  double waited_s = 0;

 private:
  experiment::Executor& inner_;
};

// 64 local workers, jobs of 20 ms: the master's time per job and the jobs' latency (ms).
void BM_local_master_overhead(benchmark::State& state) {
  const int workers = static_cast<int>(state.range(0));
  const double fake_s = 0.02;
  const std::size_t jobs = static_cast<std::size_t>(workers) * 10;
  auto source = std::make_shared<testing::SleepingSource>(
      embedded(), [fake_s](spaces::ArchCode) { return fake_s; });
  double overhead_sum = 0, overhead_max = 0, master_s = 0;
  std::size_t measured = 0;
  for (auto _ : state) {
    auto evaluator = sotle(source);
    auto strategy = regularised_evolution(1);
    experiment::LocalExecutor executor(*evaluator, 1e12, workers,
                                       experiment::BudgetClock::charged);
    TimedWaits timed(executor);
    common::Rng rng(2);
    const auto start = std::chrono::steady_clock::now();
    const auto trace = experiment::run_search(*strategy, timed, jobs, rng);
    master_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() -
                timed.waited_s;
    for (const auto& row : trace.rows) {
      const double overhead = row.real->times.duration_s - fake_s;
      overhead_sum += overhead;
      overhead_max = std::max(overhead_max, overhead);
      ++measured;
    }
  }
  state.counters["master_ms_per_job"] = 1000 * master_s / static_cast<double>(measured);
  state.counters["latency_ms_mean"] = 1000 * overhead_sum / static_cast<double>(measured);
  state.counters["latency_ms_max"] = 1000 * overhead_max;
  state.SetItemsProcessed(static_cast<std::int64_t>(measured));
}
BENCHMARK(BM_local_master_overhead)->Arg(64)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();
