// The cost of one job of every registered multi-fidelity strategy: ask() + tell() +
// take_dropped(), as the runner calls them, averaged over runs of 10,000 jobs from a fresh
// strategy (so the cost of what a strategy keeps growing is in the mean). One worker: each job
// is told right after it is asked, with a fake score (a fixed pseudo-random quality per
// architecture plus 1/epochs), on the NB201 cell with rungs 1, 3, 9, 27, 81 (min 1, max 81,
// eta 3: Li et al.'s R = 81 ladder). Target: at most 1 us per job. The counter per_job is
// that mean (CPU time); benchmarks/multifidelity.py compares it with optuna's HyperbandPruner
// (benchmarks/optuna_hyperband.py) measured in the same run.
#include <benchmark/benchmark.h>

#include "common/random.hpp"
#include "search/multi_fidelity.hpp"
#include "spaces/search_space_registry.hpp"

namespace {

using nasrun::search::Job;

constexpr std::int64_t kJobs = 10000;

double score_of(const Job& job) {
  const double quality = static_cast<double>(nasrun::common::mix_seed(job.arch, 99) >> 11) * 0x1.0p-53;
  return quality + 1.0 / job.epochs;
}

void BM_JobsOf10000(benchmark::State& state, const std::string& name) {
  nasrun::search::StrategyContext ctx;
  ctx.space = nasrun::spaces::make_search_space("nb201");
  ctx.fidelity = {1, 81, 3, 0};
  std::uint64_t seed = 2024;
  std::int64_t strategies = 0;
  for (auto _ : state) {
    ctx.seed = seed++;
    auto strategy = nasrun::search::make_job_strategy(name, ctx);
    ++strategies;
    for (std::int64_t done = 0; done < kJobs;) {
      const auto job = strategy->ask();
      if (!job) {  // a strategy that ended (all its brackets ran) is followed by a fresh one
        strategy = nasrun::search::make_job_strategy(name, ctx);
        ++strategies;
        continue;
      }
      strategy->tell(*job, score_of(*job));
      benchmark::DoNotOptimize(strategy->take_dropped());
      ++done;
    }
  }
  // CPU seconds per job (a rate inverted), which the console shows as ns or us.
  state.counters["per_job"] = benchmark::Counter(static_cast<double>(state.iterations() * kJobs),
                                                 benchmark::Counter::kIsRate |
                                                     benchmark::Counter::kInvert);
  state.counters["strategies_made"] = static_cast<double>(strategies);
}

}  // namespace

int main(int argc, char** argv) {
  for (const auto& [name, description] : nasrun::search::multi_fidelity_strategy_registry().list())
    benchmark::RegisterBenchmark(("BM_JobsOf10000/" + name).c_str(), BM_JobsOf10000, name)
        ->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
