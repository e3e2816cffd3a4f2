// Builds a benchmark in memory (importers, tabulation) and serialises it to the project's file
// format. Values not set stay missing (NaN; seeds not marked present).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "bench/benchmark.hpp"

namespace nasrun::bench {

class BenchmarkBuilder {
 public:
  struct TableData {
    std::string dataset, schedule;
    int epochs = 0;
    std::vector<int> recorded_epochs;
    std::vector<std::int64_t> seeds;
    Metric truth = Metric::TestAcc;
    std::vector<std::uint8_t> present;  // [arch][seed]
    // Series are stored for architectures that have results only: row_of_arch maps an
    // architecture to its row (-1 = none), rows in the order they were first touched.
    std::vector<std::int32_t> row_of_arch;
    std::size_t num_rows = 0;
    std::array<std::vector<float>, kNumMetrics> series;  // [row][seed][column]; empty = absent
    std::array<std::vector<double>, kNumCosts> costs;    // [arch]; empty = absent
    // [row][seed]; empty = absent.
    std::array<std::vector<double>, kNumProxies> proxy_values, proxy_times;
    std::size_t num_archs = 0;

    // Sets a value and marks the seed present. Throws std::out_of_range on a bad position and
    // std::invalid_argument, naming the place, on a value outside value_range(m); NaN stays
    // missing.
    void set(Metric m, std::size_t arch, int slot, int epoch, double value);
    // Throws like set() on a value outside value_range(c); NaN stays unknown.
    void set_cost(Cost c, std::size_t arch, double value);
    // Sets a proxy's value and the seconds it took, and marks the seed present. Throws like
    // set() on a value outside proxy_value_range() or a time outside proxy_time_range().
    void set_proxy(Proxy p, std::size_t arch, int slot, double value, double time_s);
    void mark_present(std::size_t arch, int slot);
    // `arch` shares every result of `with` (an isomorphic architecture, say): its row, seeds
    // and costs. Call after `with` is complete.
    void share_results(std::size_t arch, std::size_t with);
    bool is_present(std::size_t arch, int slot) const {
      return present[arch * seeds.size() + static_cast<std::size_t>(slot)] != 0;
    }
    int slot_of_seed(std::int64_t seed) const;
    int column_of_epoch(int epoch) const;
    // Throws std::out_of_range unless (arch, slot) is a position of the table.
    void check_position(std::size_t arch, int slot) const;
  };

  BenchmarkBuilder(std::string space_name, std::vector<ArchCode> codes);

  // recorded_epochs: ascending 1-based epochs within 1..epochs, at least one; seeds: distinct.
  TableData& add_table(const std::string& dataset, const std::string& schedule, int epochs,
                       std::vector<int> recorded_epochs, std::vector<std::int64_t> seeds,
                       Metric truth);
  TableData* find_table(const std::string& dataset, const std::string& schedule);
  std::vector<TableData>& tables() { return tables_; }
  nlohmann::json& meta() { return meta_; }
  std::size_t num_archs() const { return codes_.size(); }

  std::string serialize() const;
  Benchmark build() const;
  void write(const std::string& path) const;

 private:
  std::string space_name_;
  std::vector<ArchCode> codes_;
  std::vector<TableData> tables_;
  nlohmann::json meta_ = nlohmann::json::object();
};

// A seed that a list holds more than once (the first such), for reader and writer.
std::optional<std::int64_t> repeated_seed(const std::vector<std::int64_t>& seeds);

// Format constants shared by reader and writer.
namespace format {
constexpr char kMagic[8] = {'N', 'A', 'S', 'B', 'E', 'N', 'C', 'H'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kPreambleSize = 24;  // magic, u32 version, u32 header CRC-32, u64 length
constexpr std::size_t kAlignment = 64;
inline std::size_t align_up(std::size_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; }
std::uint32_t crc32(std::string_view bytes);
}  // namespace format

}  // namespace nasrun::bench
