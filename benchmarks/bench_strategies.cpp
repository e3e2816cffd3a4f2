// The cost of one ask() + tell() per strategy, in steady state. Targets: Random Search and
// Regularised Evolution at most 1 us, TPE at most 30 us with about 150 observations.
#include <benchmark/benchmark.h>

#include "common/random.hpp"
#include "search/strategy.hpp"

namespace {

using nasrun::search::ArchCode;
using nasrun::search::Strategy;

// A fixed pseudo-random score per architecture, cheap next to any strategy.
double score_of(ArchCode code) {
  return static_cast<double>(nasrun::common::mix_seed(code, 99) >> 11) * 0x1.0p-53;
}

std::unique_ptr<Strategy> make_with_history(const std::string& name, std::size_t told) {
  nasrun::search::StrategyContext ctx;
  ctx.space = nasrun::spaces::make_search_space("nb201");
  ctx.seed = 2024;
  auto strategy = nasrun::search::make_strategy(name, ctx);
  for (std::size_t i = 0; i < told; ++i) {
    const auto arch = strategy->ask();
    strategy->tell(arch, score_of(arch));
  }
  return strategy;
}

// RS, RE and LS keep bounded state: warm up with 200 results, then time ask + tell.
void BM_AskTell(benchmark::State& state, const std::string& name) {
  auto strategy = make_with_history(name, 200);
  for (auto _ : state) {
    const auto arch = strategy->ask();
    strategy->tell(arch, score_of(arch));
    benchmark::DoNotOptimize(arch);
  }
}

// TPE's cost grows with its history: time ask + tell while the history goes from 140 to 160
// results, then rebuild a strategy with 140 (outside the timed region). The mean is the cost at
// about 150 observations.
void BM_TpeAskTell150(benchmark::State& state) {
  constexpr std::size_t kFrom = 140, kTo = 160;
  auto strategy = make_with_history("tpe", kFrom);
  std::size_t told = kFrom;
  for (auto _ : state) {
    if (told == kTo) {
      state.PauseTiming();
      strategy = make_with_history("tpe", kFrom);
      told = kFrom;
      state.ResumeTiming();
    }
    const auto arch = strategy->ask();
    strategy->tell(arch, score_of(arch));
    ++told;
    benchmark::DoNotOptimize(arch);
  }
}

BENCHMARK_CAPTURE(BM_AskTell, rs, std::string("rs"));
BENCHMARK_CAPTURE(BM_AskTell, re, std::string("re"));
BENCHMARK_CAPTURE(BM_AskTell, ls, std::string("ls"));
BENCHMARK(BM_TpeAskTell150);

}  // namespace

BENCHMARK_MAIN();
