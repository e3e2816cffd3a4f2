#include "bench/benchmark_builder.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <limits>
#include <tuple>

namespace nasrun::bench {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the format is little-endian");

namespace format {
std::uint32_t crc32(std::string_view bytes) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes 32-bit lengths; feed large buffers in pieces.
  const std::size_t chunk = 1u << 30;
  for (std::size_t off = 0; off < bytes.size(); off += chunk) {
    const auto n = std::min(chunk, bytes.size() - off);
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + off), static_cast<uInt>(n));
  }
  return static_cast<std::uint32_t>(crc);
}
}  // namespace format

namespace {
constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();
}  // namespace

std::optional<std::int64_t> repeated_seed(const std::vector<std::int64_t>& seeds) {
  for (std::size_t i = 0; i < seeds.size(); ++i)
    if (std::find(seeds.begin(), seeds.begin() + static_cast<std::ptrdiff_t>(i), seeds[i]) !=
        seeds.begin() + static_cast<std::ptrdiff_t>(i))
      return seeds[i];
  return std::nullopt;
}

BenchmarkBuilder::BenchmarkBuilder(std::string space_name, std::vector<ArchCode> codes)
    : space_name_(std::move(space_name)), codes_(std::move(codes)) {}

BenchmarkBuilder::TableData& BenchmarkBuilder::add_table(const std::string& dataset,
                                                         const std::string& schedule, int epochs,
                                                         std::vector<int> recorded_epochs,
                                                         std::vector<std::int64_t> seeds,
                                                         Metric truth) {
  if (find_table(dataset, schedule))
    throw std::invalid_argument("table " + dataset + "@" + schedule + " added twice");
  const std::string name = "table " + dataset + "@" + schedule;
  if (epochs <= 0) throw std::invalid_argument("a schedule needs at least one epoch");
  if (recorded_epochs.empty()) throw std::invalid_argument(name + " records no epoch");
  for (std::size_t i = 0; i < recorded_epochs.size(); ++i)
    if (recorded_epochs[i] < 1 || recorded_epochs[i] > epochs ||
        (i > 0 && recorded_epochs[i] <= recorded_epochs[i - 1]))
      throw std::invalid_argument("recorded epochs must ascend within 1.." +
                                  std::to_string(epochs));
  if (seeds.empty()) throw std::invalid_argument("a table needs at least one seed");
  if (const auto twice = repeated_seed(seeds))
    throw std::invalid_argument(name + " lists training seed " + std::to_string(*twice) + " twice");
  TableData t;
  t.dataset = dataset;
  t.schedule = schedule;
  t.epochs = epochs;
  t.recorded_epochs = std::move(recorded_epochs);
  t.seeds = std::move(seeds);
  t.truth = truth;
  t.num_archs = codes_.size();
  t.present.assign(t.num_archs * t.seeds.size(), 0);
  t.row_of_arch.assign(t.num_archs, -1);
  tables_.push_back(std::move(t));
  return tables_.back();
}

BenchmarkBuilder::TableData* BenchmarkBuilder::find_table(const std::string& dataset,
                                                          const std::string& schedule) {
  for (auto& t : tables_)
    if (t.dataset == dataset && t.schedule == schedule) return &t;
  return nullptr;
}

int BenchmarkBuilder::TableData::slot_of_seed(std::int64_t seed) const {
  for (std::size_t i = 0; i < seeds.size(); ++i)
    if (seeds[i] == seed) return static_cast<int>(i);
  return -1;
}

int BenchmarkBuilder::TableData::column_of_epoch(int epoch) const {
  const auto it = std::lower_bound(recorded_epochs.begin(), recorded_epochs.end(), epoch);
  return it != recorded_epochs.end() && *it == epoch
             ? static_cast<int>(it - recorded_epochs.begin())
             : -1;
}

void BenchmarkBuilder::TableData::check_position(std::size_t arch, int slot) const {
  if (arch >= num_archs || slot < 0 || static_cast<std::size_t>(slot) >= seeds.size())
    throw std::out_of_range("table " + dataset + "@" + schedule + ": no position for arch " +
                            std::to_string(arch) + ", seed slot " + std::to_string(slot));
}

void BenchmarkBuilder::TableData::mark_present(std::size_t arch, int slot) {
  check_position(arch, slot);
  present[arch * seeds.size() + static_cast<std::size_t>(slot)] = 1;
  if (row_of_arch[arch] < 0) {
    row_of_arch[arch] = static_cast<std::int32_t>(num_rows++);
    for (auto& s : series)
      if (!s.empty()) s.resize(num_rows * seeds.size() * recorded_epochs.size(), kMissing);
    for (auto* proxies : {&proxy_values, &proxy_times})
      for (auto& v : *proxies)
        if (!v.empty()) v.resize(num_rows * seeds.size(), kMissing);
  }
}

void BenchmarkBuilder::TableData::share_results(std::size_t arch, std::size_t with) {
  if (arch >= num_archs || with >= num_archs)
    throw std::out_of_range("table " + dataset + "@" + schedule + ": no architecture " +
                            std::to_string(std::max(arch, with)));
  if (row_of_arch[arch] >= 0 && arch != with)
    throw std::logic_error("table " + dataset + "@" + schedule + ": architecture " +
                           std::to_string(arch) + " already has results of its own");
  row_of_arch[arch] = row_of_arch[with];
  for (std::size_t s = 0; s < seeds.size(); ++s)
    present[arch * seeds.size() + s] = present[with * seeds.size() + s];
  for (auto& c : costs)
    if (!c.empty()) c[arch] = c[with];
}

void BenchmarkBuilder::TableData::set(Metric m, std::size_t arch, int slot, int epoch,
                                      double value) {
  // Everything is checked before anything changes: a refused value leaves no trace.
  check_position(arch, slot);
  const int col = column_of_epoch(epoch);
  if (col < 0)
    throw std::out_of_range("table " + dataset + "@" + schedule + " records no epoch " +
                            std::to_string(epoch));
  // Checked as stored (float32), so that the reader accepts whatever the builder wrote.
  const auto stored = static_cast<float>(value);
  if (const auto problem = value_error(m, stored); !problem.empty())
    throw std::invalid_argument("table " + dataset + "@" + schedule + ", architecture index " +
                                std::to_string(arch) + ", seed " +
                                std::to_string(seeds[static_cast<std::size_t>(slot)]) +
                                ", epoch " + std::to_string(epoch) + ": " + problem);
  mark_present(arch, slot);
  auto& s = series[static_cast<int>(m)];
  const auto width = recorded_epochs.size();
  if (s.empty()) s.assign(num_rows * seeds.size() * width, kMissing);
  const auto row = static_cast<std::size_t>(row_of_arch[arch]);
  s[(row * seeds.size() + static_cast<std::size_t>(slot)) * width + static_cast<std::size_t>(col)] =
      stored;
}

void BenchmarkBuilder::TableData::set_proxy(Proxy p, std::size_t arch, int slot, double value,
                                            double time_s) {
  check_position(arch, slot);
  for (const auto& [v, range, what] : {std::tuple{value, proxy_value_range(), "value"},
                                       std::tuple{time_s, proxy_time_range(), "time_s"}})
    if (!std::isnan(v) && !range.contains(v))
      throw std::invalid_argument("table " + dataset + "@" + schedule + ", architecture index " +
                                  std::to_string(arch) + ", seed " +
                                  std::to_string(seeds[static_cast<std::size_t>(slot)]) +
                                  ": proxy " + proxy_name(p) + " " + what + " " +
                                  std::to_string(v) + " is outside the accepted range " +
                                  range.to_string());
  mark_present(arch, slot);
  const auto at = static_cast<std::size_t>(row_of_arch[arch]) * seeds.size() +
                  static_cast<std::size_t>(slot);
  for (auto [column, v] : {std::pair{&proxy_values[static_cast<int>(p)], value},
                           std::pair{&proxy_times[static_cast<int>(p)], time_s}}) {
    if (column->empty()) column->assign(num_rows * seeds.size(), kMissing);
    (*column)[at] = v;
  }
}

void BenchmarkBuilder::TableData::set_cost(Cost c, std::size_t arch, double value) {
  if (arch >= num_archs) throw std::out_of_range("no architecture " + std::to_string(arch));
  if (const auto problem = value_error(c, value); !problem.empty())
    throw std::invalid_argument("table " + dataset + "@" + schedule + ", architecture index " +
                                std::to_string(arch) + ": " + problem);
  auto& v = costs[static_cast<int>(c)];
  if (v.empty()) v.assign(num_archs, std::numeric_limits<double>::quiet_NaN());
  v[arch] = value;
}

namespace {

// Appends arrays to the data section, each aligned, and describes them for the header.
class DataWriter {
 public:
  template <typename T>
  nlohmann::json add(const char* dtype, const std::vector<T>& values,
                     std::vector<std::size_t> shape) {
    data_.resize(format::align_up(data_.size()), '\0');
    nlohmann::json desc = {{"dtype", dtype}, {"shape", shape}, {"offset", data_.size()}};
    data_.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
    return desc;
  }
  std::string& data() { return data_; }

 private:
  std::string data_;
};

}  // namespace

std::string BenchmarkBuilder::serialize() const {
  DataWriter w;
  nlohmann::json header;
  header["format"] = "nas-run-benchmark";
  header["version"] = format::kVersion;
  header["space"] = space_name_;
  header["num_archs"] = codes_.size();
  header["meta"] = meta_;
  header["arch_codes"] = w.add("u64", codes_, {codes_.size()});
  header["tables"] = nlohmann::json::array();
  for (const auto& t : tables_) {
    nlohmann::json jt;
    jt["dataset"] = t.dataset;
    jt["schedule"] = t.schedule;
    jt["epochs"] = t.epochs;
    jt["recorded_epochs"] = t.recorded_epochs;
    jt["seeds"] = t.seeds;
    jt["truth_metric"] = metric_name(t.truth);
    jt["seed_present"] = w.add("u8", t.present, {t.num_archs, t.seeds.size()});
    jt["num_rows"] = t.num_rows;
    jt["row_of_arch"] = w.add("i32", t.row_of_arch, {t.num_archs});
    jt["metrics"] = nlohmann::json::object();
    for (auto m : all_metrics())
      if (!t.series[static_cast<int>(m)].empty())
        jt["metrics"][metric_name(m)] = w.add("f32", t.series[static_cast<int>(m)],
                                              {t.num_rows, t.seeds.size(), t.recorded_epochs.size()});
    jt["costs"] = nlohmann::json::object();
    for (auto c : all_costs())
      if (!t.costs[static_cast<int>(c)].empty())
        jt["costs"][cost_name(c)] = w.add("f64", t.costs[static_cast<int>(c)], {t.num_archs});
    // Only where a table has proxies: a file without them is written as before they existed.
    for (auto p : all_proxies()) {
      const auto i = static_cast<int>(p);
      if (t.proxy_values[i].empty()) continue;
      const std::vector<std::size_t> shape = {t.num_rows, t.seeds.size()};
      jt["proxies"][proxy_name(p)] = {{"value", w.add("f64", t.proxy_values[i], shape)},
                                      {"time_s", w.add("f64", t.proxy_times[i], shape)}};
    }
    header["tables"].push_back(std::move(jt));
  }
  auto& data = w.data();
  data.resize(format::align_up(data.size()), '\0');
  header["data_size"] = data.size();
  header["data_crc32"] = format::crc32(data);

  const std::string text = header.dump();
  std::string out(format::kMagic, sizeof format::kMagic);
  auto put = [&out](auto v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(format::kVersion);
  put(format::crc32(text));
  put(static_cast<std::uint64_t>(text.size()));
  out += text;
  out.resize(format::align_up(out.size()), '\0');
  out += data;
  return out;
}

Benchmark BenchmarkBuilder::build() const {
  return Benchmark::from_bytes(common::own_bytes(serialize()), "in-memory benchmark");
}

void BenchmarkBuilder::write(const std::string& path) const {
  common::write_file_atomically(path, serialize());
}

}  // namespace nasrun::bench
