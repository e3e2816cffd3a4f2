// Opening the NAS-Bench-201 final table from nas-run's memory-mapped format against parsing the
// CSV it came from (the baseline), and the costs of the hot lookups.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "bench/nb201_csv.hpp"
#include "common/random.hpp"
#include "shared_data.hpp"

namespace {

using namespace nasrun;

std::string csv_path() { return benchmarks::shared_data_dir() + "/nb201/nb201_final.csv"; }

bench::BenchmarkBuilder import_csv() {
  return bench::import_nb201_csv(spaces::make_search_space("nb201"), {csv_path()});
}

const std::string& own_file() {
  static const std::string path = [] {
    const auto p = (std::filesystem::temp_directory_path() / "nasrun-bench-nb201.nasbench").string();
    import_csv().write(p);
    return p;
  }();
  return path;
}

bool have_data(benchmark::State& state) {
  if (benchmarks::shared_data_dir().empty()) {
    state.SkipWithError("../shared/data is absent");
    return false;
  }
  return true;
}

// Baseline: parse the CSV into a benchmark.
void BM_OpenNb201_ParseCsv(benchmark::State& state) {
  if (!have_data(state)) return;
  for (auto _ : state) benchmark::DoNotOptimize(import_csv().build());
}
BENCHMARK(BM_OpenNb201_ParseCsv)->Unit(benchmark::kMillisecond);

// The own format, memory-mapped, with the data checksum verified (the default).
void BM_OpenNb201_OwnFormat(benchmark::State& state) {
  if (!have_data(state)) return;
  const auto& path = own_file();
  for (auto _ : state) benchmark::DoNotOptimize(bench::Benchmark::open(path));
}
BENCHMARK(BM_OpenNb201_OwnFormat)->Unit(benchmark::kMillisecond);

void BM_OpenNb201_OwnFormatNoChecksum(benchmark::State& state) {
  if (!have_data(state)) return;
  const auto& path = own_file();
  for (auto _ : state) benchmark::DoNotOptimize(bench::Benchmark::open(path, {false}));
}
BENCHMARK(BM_OpenNb201_OwnFormatNoChecksum)->Unit(benchmark::kMillisecond);

// One query: architecture code -> index -> a metric under a random seed policy.
void BM_QueryRandomSeed(benchmark::State& state) {
  if (!have_data(state)) return;
  const auto b = bench::Benchmark::open(own_file());
  const auto& t = b.table("cifar100");
  common::Rng rng(1);
  for (auto _ : state) {
    const auto code = common::uniform_below(rng, 15625);
    const auto i = b.index_of(code);
    const auto seed = t.choose_seed(i, bench::SeedPolicy::random(), rng);
    benchmark::DoNotOptimize(t.value(bench::Metric::ValidAcc, i, seed, 200));
  }
}
BENCHMARK(BM_QueryRandomSeed);

void BM_ArchToStringAndParse(benchmark::State& state) {
  const auto space = spaces::make_search_space("nb201");
  common::Rng rng(1);
  for (auto _ : state) {
    const auto code = space->sample(rng);
    benchmark::DoNotOptimize(space->parse(space->to_string(code)));
  }
}
BENCHMARK(BM_ArchToStringAndParse);

void BM_ArchDecodeEncode(benchmark::State& state) {
  const auto space = spaces::make_search_space("nb201");
  common::Rng rng(1);
  for (auto _ : state) {
    const auto code = space->sample(rng);
    benchmark::DoNotOptimize(space->encode(space->decode(code)));
  }
}
BENCHMARK(BM_ArchDecodeEncode);

}  // namespace

BENCHMARK_MAIN();
