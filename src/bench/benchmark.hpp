// Tabular NAS benchmark data: per (architecture, dataset, schedule, training seed) the per-epoch
// series of every metric, with missing values explicit, plus per-architecture costs.
//
// A Benchmark is a read-only view over bytes in the project's own file format
// (docs/benchmark-format.md), memory-mapped from a file or built in memory by BenchmarkBuilder.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "bench/code_index.hpp"
#include "common/file_io.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::bench {

using spaces::ArchCode;

// Accuracies are in percent, losses are mean cross-entropy, times in seconds.
enum class Metric : std::uint8_t {
  TrainLoss,
  TrainAcc,
  ValidLoss,
  ValidAcc,
  TestLoss,
  TestAcc,
  OriTestLoss,  // the dataset's whole original test set (NAS-Bench-201's `ori-test`)
  OriTestAcc,
  TrainTime,  // training time of that epoch
  EvalTime,   // time of that epoch's validation pass
};
constexpr std::size_t kNumMetrics = 10;
const std::array<Metric, kNumMetrics>& all_metrics();
const char* metric_name(Metric m);
// Throws std::invalid_argument listing the names.
Metric parse_metric(const std::string& name);

// Zero-cost proxies: numbers measured on an architecture's network at initialisation (epoch 0,
// before any training) and one minibatch; higher is better for each (docs/evaluators.md defines
// them). Stored per row and seed, each with the seconds its computation took.
enum class Proxy : std::uint8_t {
  Params,
  Flops,
  Synflow,
  Snip,
  GradNorm,
  Fisher,
  Jacov,
  Nwot,
  Zen,
  Zico,
};
constexpr std::size_t kNumProxies = 10;
const std::array<Proxy, kNumProxies>& all_proxies();
const char* proxy_name(Proxy p);
// Throws std::invalid_argument listing the names.
Proxy parse_proxy(const std::string& name);

// Per-architecture costs. NaN where unknown.
enum class Cost : std::uint8_t { Params, Flops, Latency, EpochTrainTime, EpochEvalTime };
constexpr std::size_t kNumCosts = 5;
const std::array<Cost, kNumCosts>& all_costs();
const char* cost_name(Cost c);

// The values a metric or cost can take, the one place that says so: accuracies in [0, 100]
// percent, losses in [0, inf), times (seconds), parameter and FLOP counts and latencies in
// (0, inf). The builder, the file reader and the importers refuse anything else.
struct ValueRange {
  double low, high;
  bool low_open;     // whether `low` itself is outside
  const char* unit;  // "" when none
  // False for NaN (the format's mark of a missing value) and for +inf; -inf only where `low`
  // is -inf and closed (a proxy's value).
  bool contains(double v) const;
  std::string to_string() const;  // "[0, 100] (percent)", "(0, inf) (seconds)"
};
ValueRange value_range(Metric m);
ValueRange value_range(Cost c);
// A proxy's value may be any finite number (some are logarithms, some negative) or -inf (the
// logarithm of 0: a network whose output ignores its input, the worst value); the seconds it
// took are in (0, inf).
ValueRange proxy_value_range();
ValueRange proxy_time_range();
// Empty when `v` may be stored as a value of m (or c): inside its range, or NaN (missing). Else
// "test_acc 150 is outside the accepted range [0, 100] (percent)"; callers put the place before.
std::string value_error(Metric m, double v);
std::string value_error(Cost c, double v);

class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A query the data cannot answer; the message names what is missing.
class MissingDataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Which training seed's numbers a query reads.
struct SeedPolicy {
  enum class Kind { Fixed, Mean, Random };
  Kind kind = Kind::Random;
  std::int64_t seed = 0;  // Kind::Fixed only
  static SeedPolicy fixed(std::int64_t s) { return {Kind::Fixed, s}; }
  static SeedPolicy mean() { return {Kind::Mean, 0}; }
  static SeedPolicy random() { return {Kind::Random, 0}; }
  // "mean", "random" or a seed number; throws std::invalid_argument otherwise.
  static SeedPolicy parse(const std::string& text);
  std::string to_string() const;
};

// A resolved seed choice: one seed slot of a table, or the mean over the seeds present.
struct SeedChoice {
  static constexpr int kMean = -1;
  int slot = kMean;
};

// One dataset under one training schedule.
class Table {
 public:
  const std::string& dataset() const { return dataset_; }
  const std::string& schedule() const { return schedule_; }
  // T_end: the schedule's total epochs.
  int epochs() const { return epochs_; }
  // The 1-based epochs that have stored values, ascending.
  const std::vector<int>& recorded_epochs() const { return recorded_; }
  // Column of epoch t in a series, or -1 when the table records no values for it.
  int column_of_epoch(int epoch) const;
  const std::vector<std::int64_t>& seeds() const { return seeds_; }
  // The metric whose final value is the ground truth (e.g. test_acc).
  Metric truth_metric() const { return truth_; }
  bool has_metric(Metric m) const { return series_[static_cast<int>(m)] != nullptr; }

  std::size_t num_archs() const { return num_archs_; }
  bool seed_present(std::size_t arch, int slot) const {
    return present_[arch * seeds_.size() + static_cast<std::size_t>(slot)] != 0;
  }
  int num_seeds_present(std::size_t arch) const;
  // How many of the benchmark's architectures have results for at least one seed.
  std::size_t architectures_with_results() const;
  // The stored row of an architecture's results, -1 for none. Architectures with the same row
  // share one set of trainings (e.g. isomorphic cells of a tabulated benchmark).
  int row_of(std::size_t arch) const { return arch < num_archs_ ? row_of_arch_[arch] : -1; }
  // Slot of a seed number; throws MissingDataError listing the table's seeds.
  int slot_of_seed(std::int64_t seed) const;

  // The stored series (one value per recorded epoch, NaN where missing) of one seed slot.
  const float* series(Metric m, std::size_t arch, int slot) const;
  // The stored arrays as the format lays them out (docs/benchmark-format.md), for readers that
  // view them whole: metric m as [num_rows, seeds, recorded epochs] (nullptr when absent),
  // row_of_arch [num_archs], seed_present [num_archs, seeds], cost c [num_archs] (nullptr when
  // absent).
  std::size_t num_rows() const { return num_rows_; }
  const float* metric_array(Metric m) const { return series_[static_cast<int>(m)]; }
  const std::int32_t* row_of_arch_array() const { return row_of_arch_; }
  const std::uint8_t* seed_present_array() const { return present_; }
  const double* cost_array(Cost c) const { return costs_[static_cast<int>(c)]; }
  // NaN when missing; kMean averages over the seeds present that have the value.
  double value(Metric m, std::size_t arch, SeedChoice seed, int epoch) const;
  // value() at epochs first..last into out[0 .. last - first], the architecture's series found
  // once (a curve reads many epochs of one architecture; finding its row for each was most of
  // the lookup).
  void values(Metric m, std::size_t arch, SeedChoice seed, int first, int last, double* out) const;
  // Like value() but throws MissingDataError naming what is missing.
  double require(Metric m, std::size_t arch, SeedChoice seed, int epoch) const;
  double cost(Cost c, std::size_t arch) const;
  // Proxy p of an architecture and seed (kMean: the mean over the seeds present that have it),
  // and the seconds its computation took (likewise); NaN when missing.
  bool has_proxy(Proxy p) const { return proxies_[static_cast<int>(p)] != nullptr; }
  double proxy(Proxy p, std::size_t arch, SeedChoice seed) const;
  double proxy_time(Proxy p, std::size_t arch, SeedChoice seed) const;
  // The stored arrays, [num_rows, seeds] (nullptr when absent).
  const double* proxy_array(Proxy p) const { return proxies_[static_cast<int>(p)]; }
  const double* proxy_time_array(Proxy p) const { return proxy_times_[static_cast<int>(p)]; }

  // Resolves a policy for one architecture (Random draws among the seeds present).
  SeedChoice choose_seed(std::size_t arch, const SeedPolicy& policy, common::Rng& rng) const;

 private:
  friend class Benchmark;
  std::string dataset_, schedule_;
  int epochs_ = 0;
  std::vector<int> recorded_;
  std::vector<int> column_;  // epoch -> column, -1 if not recorded (index 0 unused)
  std::vector<std::int64_t> seeds_;
  Metric truth_ = Metric::TestAcc;
  std::size_t num_archs_ = 0;
  std::size_t num_rows_ = 0;
  const std::uint8_t* present_ = nullptr;
  const std::int32_t* row_of_arch_ = nullptr;  // -1: no results stored
  std::array<const float*, kNumMetrics> series_{};
  std::array<const double*, kNumCosts> costs_{};
  std::array<const double*, kNumProxies> proxies_{}, proxy_times_{};
  // A [num_rows, seeds] array's value for (arch, seed), as proxy() reads it.
  double per_seed(const double* values, std::size_t arch, SeedChoice seed) const;
};

// How much of the search space a table covers. A table that lacks results for some of the
// space's architectures is partial: the benchmark lists fewer than the space holds (an imported
// CSV of some architectures) or has no results for some it lists (the NATS-Bench sample, a
// tabulation stopped early). A search may propose any architecture of the space.
struct Coverage {
  std::size_t with_results = 0;  // architectures with results
  std::size_t in_space = 0;      // architectures in the search space
  bool partial() const { return with_results < in_space; }
  std::string to_string() const;  // "results for 4 of the space's 15625 architectures"
};

struct OpenOptions {
  // Checking the CRC-32 of the data reads every byte once; skip only for trusted files.
  bool verify_checksum = true;
};

class Benchmark {
 public:
  // Opens a file in the project's format by memory-mapping it; throws FormatError naming the
  // file and what is wrong.
  static Benchmark open(const std::string& path, OpenOptions options = {});
  // `what` names the bytes in error messages.
  static Benchmark from_bytes(common::SharedBytes bytes, const std::string& what, OpenOptions options = {});

  const spaces::SearchSpace& space() const { return *space_; }
  spaces::SearchSpacePtr space_ptr() const { return space_; }
  std::size_t num_archs() const { return codes_.size(); }
  // Benchmark index (e.g. NAS-Bench-201's official index) <-> architecture code.
  ArchCode code(std::size_t index) const { return codes_.at(index); }
  // Throws MissingDataError when the benchmark does not hold the architecture.
  std::size_t index_of(ArchCode code) const;
  const std::vector<Table>& tables() const { return tables_; }
  // An empty schedule picks the dataset's longest schedule. Throws MissingDataError listing
  // the tables present.
  const Table& table(const std::string& dataset, const std::string& schedule = "") const;
  // Free-form provenance (importer, recipe, software, machine).
  const nlohmann::json& meta() const { return meta_; }
  const nlohmann::json& header() const { return header_; }
  Coverage coverage(const Table& t) const { return {t.architectures_with_results(), space_->size()}; }

 private:
  // Throws FormatError naming `what` and the place of a value the format does not allow: a
  // seed flag other than 0 or 1, a row outside the stored ones, a cost or series value outside
  // value_range().
  static void check_values(const std::string& what, const Table& t, std::size_t rows);

  common::SharedBytes bytes_;
  spaces::SearchSpacePtr space_;
  std::vector<ArchCode> codes_;
  CodeIndex index_of_code_;
  std::vector<Table> tables_;
  nlohmann::json header_, meta_;
};

}  // namespace nasrun::bench
