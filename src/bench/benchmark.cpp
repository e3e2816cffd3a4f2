#include "bench/benchmark.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <iterator>
#include <limits>
#include <map>
#include <tuple>
#include <type_traits>

#include "bench/benchmark_builder.hpp"
#include "common/numbers.hpp"
#include "common/random.hpp"
#include "common/registry.hpp"

namespace nasrun::bench {

namespace {

constexpr std::array<const char*, kNumMetrics> kMetricNames = {
    "train_loss", "train_acc",     "valid_loss",   "valid_acc",  "test_loss",
    "test_acc",   "ori_test_loss", "ori_test_acc", "train_time", "eval_time"};
constexpr std::array<const char*, kNumProxies> kProxyNames = {
    "params", "flops", "synflow", "snip", "grad_norm", "fisher", "jacov", "nwot", "zen", "zico"};
constexpr std::array<const char*, kNumCosts> kCostNames = {"params", "flops", "latency_s",
                                                           "epoch_train_time_s",
                                                           "epoch_eval_time_s"};

template <typename E, std::size_t N>
std::array<E, N> enumerate() {
  std::array<E, N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<E>(i);
  return out;
}

// The value named `name` in `names` (in the enum's order); `kind` names the enum in the refusal.
template <typename E, std::size_t N>
E parse_name(const std::string& name, const std::array<const char*, N>& names, const char* kind) {
  for (std::size_t i = 0; i < N; ++i)
    if (name == names[i]) return static_cast<E>(i);
  std::string known;
  for (auto n : names) known += (known.empty() ? "" : ", ") + std::string(n);
  throw std::invalid_argument(std::string("unknown ") + kind + " '" + name +
                              "' (expected one of: " + known + ")");
}

}  // namespace

const std::array<Metric, kNumMetrics>& all_metrics() {
  static const auto all = enumerate<Metric, kNumMetrics>();
  return all;
}
const char* metric_name(Metric m) { return kMetricNames.at(static_cast<std::size_t>(m)); }
Metric parse_metric(const std::string& name) {
  return parse_name<Metric>(name, kMetricNames, "metric");
}
const std::array<Proxy, kNumProxies>& all_proxies() {
  static const auto all = enumerate<Proxy, kNumProxies>();
  return all;
}
const char* proxy_name(Proxy p) { return kProxyNames.at(static_cast<std::size_t>(p)); }
Proxy parse_proxy(const std::string& name) { return parse_name<Proxy>(name, kProxyNames, "proxy"); }
const std::array<Cost, kNumCosts>& all_costs() {
  static const auto all = enumerate<Cost, kNumCosts>();
  return all;
}
const char* cost_name(Cost c) { return kCostNames.at(static_cast<std::size_t>(c)); }

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// The shortest text that reads back as `v` (as a float when it is one: series are float32),
// without an exponent in the range where numbers are usually written out.
std::string number_text(double v) {
  char buf[64];
  const double a = std::fabs(v);
  const auto style = a == 0 || (a >= 1e-4 && a < 1e15) ? std::chars_format::fixed
                                                         : std::chars_format::general;
  const auto f = static_cast<float>(v);
  const auto end = static_cast<double>(f) == v ? std::to_chars(buf, buf + sizeof buf, f, style).ptr
                                               : std::to_chars(buf, buf + sizeof buf, v, style).ptr;
  return std::string(buf, end);
}

std::string range_error(const char* name, double v, const ValueRange& range) {
  if (std::isnan(v) || range.contains(v)) return {};
  return std::string(name) + " " + number_text(v) + " is outside the accepted range " +
         range.to_string();
}

}  // namespace

bool ValueRange::contains(double v) const {
  // An infinite bound is never reached from within: `high` inf admits no +inf, and a `low`
  // of -inf admits -inf only where the range is closed there (a proxy's value).
  return !std::isnan(v) && (low_open ? v > low : v >= low) && (std::isinf(high) ? v < high : v <= high);
}

std::string ValueRange::to_string() const {
  std::string out = (low_open ? "(" : "[") + number_text(low) + ", " + number_text(high) +
                    (std::isinf(high) ? ")" : "]");
  return *unit ? out + " (" + unit + ")" : out;
}

ValueRange value_range(Metric m) {
  switch (m) {
    case Metric::TrainAcc:
    case Metric::ValidAcc:
    case Metric::TestAcc:
    case Metric::OriTestAcc: return {0, 100, false, "percent"};
    case Metric::TrainLoss:
    case Metric::ValidLoss:
    case Metric::TestLoss:
    case Metric::OriTestLoss: return {0, kInfinity, false, ""};
    case Metric::TrainTime:
    case Metric::EvalTime: break;
  }
  return {0, kInfinity, true, "seconds"};
}

ValueRange value_range(Cost c) {
  switch (c) {
    case Cost::Params:
    case Cost::Flops: return {0, kInfinity, true, ""};
    case Cost::Latency:
    case Cost::EpochTrainTime:
    case Cost::EpochEvalTime: break;
  }
  return {0, kInfinity, true, "seconds"};
}

ValueRange proxy_value_range() { return {-kInfinity, kInfinity, false, ""}; }
ValueRange proxy_time_range() { return {0, kInfinity, true, "seconds"}; }

std::string value_error(Metric m, double v) { return range_error(metric_name(m), v, value_range(m)); }
std::string value_error(Cost c, double v) { return range_error(cost_name(c), v, value_range(c)); }

std::string Coverage::to_string() const {
  return "results for " + std::to_string(with_results) + " of the space's " +
         std::to_string(in_space) + " architectures";
}

SeedPolicy SeedPolicy::parse(const std::string& text) {
  if (text == "mean") return mean();
  if (text == "random") return random();
  if (const auto seed = common::parse_decimal_integer(text)) return fixed(*seed);
  throw std::invalid_argument("invalid seed policy '" + text +
                              "' (expected 'random', 'mean' or a training seed number)");
}

std::string SeedPolicy::to_string() const {
  switch (kind) {
    case Kind::Mean: return "mean";
    case Kind::Random: return "random";
    case Kind::Fixed: break;
  }
  return std::to_string(seed);
}

// ---------------------------------------------------------------------------------------------
// Table

int Table::column_of_epoch(int epoch) const {
  if (epoch < 1 || epoch > epochs_) return -1;
  return column_[static_cast<std::size_t>(epoch)];
}

int Table::num_seeds_present(std::size_t arch) const {
  int n = 0;
  for (std::size_t s = 0; s < seeds_.size(); ++s) n += seed_present(arch, static_cast<int>(s));
  return n;
}

std::size_t Table::architectures_with_results() const {
  std::size_t n = 0;
  for (std::size_t a = 0; a < num_archs_; ++a) n += num_seeds_present(a) > 0;
  return n;
}

int Table::slot_of_seed(std::int64_t seed) const {
  for (std::size_t i = 0; i < seeds_.size(); ++i)
    if (seeds_[i] == seed) return static_cast<int>(i);
  std::string known;
  for (auto s : seeds_) known += (known.empty() ? "" : ", ") + std::to_string(s);
  throw MissingDataError("table " + dataset_ + "@" + schedule_ + " has no training seed " +
                         std::to_string(seed) + " (it has: " + known + ")");
}

const float* Table::series(Metric m, std::size_t arch, int slot) const {
  const float* base = series_[static_cast<int>(m)];
  if (!base || arch >= num_archs_ || row_of_arch_[arch] < 0) return nullptr;
  const auto row = static_cast<std::size_t>(row_of_arch_[arch]);
  return base + (row * seeds_.size() + static_cast<std::size_t>(slot)) * recorded_.size();
}

double Table::value(Metric m, std::size_t arch, SeedChoice seed, int epoch) const {
  double v;
  values(m, arch, seed, epoch, epoch, &v);
  return v;
}

void Table::values(Metric m, std::size_t arch, SeedChoice seed, int first, int last,
                   double* out) const {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (last < first) return;
  std::fill(out, out + (last - first + 1), nan);
  if (!has_metric(m) || arch >= num_archs_) return;
  if (seed.slot != SeedChoice::kMean) {
    if (!seed_present(arch, seed.slot)) return;
    const float* row = series(m, arch, seed.slot);
    for (int t = first; t <= last; ++t)
      if (const int col = column_of_epoch(t); col >= 0) out[t - first] = row[col];
    return;
  }
  // The mean of the seeds present that have the value, summed in seed order.
  for (int t = first; t <= last; ++t) {
    const int col = column_of_epoch(t);
    if (col < 0) continue;
    double sum = 0;
    int n = 0;
    for (std::size_t s = 0; s < seeds_.size(); ++s) {
      if (!seed_present(arch, static_cast<int>(s))) continue;
      const float v = series(m, arch, static_cast<int>(s))[col];
      if (std::isnan(v)) continue;
      sum += v;
      ++n;
    }
    if (n) out[t - first] = sum / n;
  }
}

double Table::require(Metric m, std::size_t arch, SeedChoice seed, int epoch) const {
  const double v = value(m, arch, seed, epoch);
  if (!std::isnan(v)) return v;
  const std::string where = "table " + dataset_ + "@" + schedule_;
  if (!has_metric(m)) throw MissingDataError(where + " has no metric " + metric_name(m));
  if (arch >= num_archs_)
    throw MissingDataError(where + " has no architecture index " + std::to_string(arch));
  if (column_of_epoch(epoch) < 0) {
    std::string rec = recorded_.size() == static_cast<std::size_t>(epochs_)
                          ? "1.." + std::to_string(epochs_)
                          : std::string();
    if (rec.empty())
      for (auto e : recorded_) rec += (rec.empty() ? "" : ", ") + std::to_string(e);
    throw MissingDataError(where + " has no values at epoch " + std::to_string(epoch) +
                           " (recorded epochs: " + rec + ")");
  }
  const std::string seed_text =
      seed.slot == SeedChoice::kMean ? "any seed" : "seed " + std::to_string(seeds_[seed.slot]);
  throw MissingDataError(where + ": " + metric_name(m) + " at epoch " + std::to_string(epoch) +
                         " is missing for architecture index " + std::to_string(arch) + ", " +
                         seed_text);
}

double Table::cost(Cost c, std::size_t arch) const {
  const double* v = costs_[static_cast<int>(c)];
  return v && arch < num_archs_ ? v[arch] : std::numeric_limits<double>::quiet_NaN();
}

double Table::per_seed(const double* values, std::size_t arch, SeedChoice seed) const {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  if (!values || arch >= num_archs_ || row_of_arch_[arch] < 0) return kNaN;
  const auto* row = values + static_cast<std::size_t>(row_of_arch_[arch]) * seeds_.size();
  if (seed.slot != SeedChoice::kMean)
    return seed_present(arch, seed.slot) ? row[seed.slot] : kNaN;
  double sum = 0;
  int n = 0;
  for (std::size_t s = 0; s < seeds_.size(); ++s)
    if (seed_present(arch, static_cast<int>(s)) && !std::isnan(row[s])) {
      sum += row[s];
      ++n;
    }
  return n ? sum / n : kNaN;
}

double Table::proxy(Proxy p, std::size_t arch, SeedChoice seed) const {
  return per_seed(proxies_[static_cast<int>(p)], arch, seed);
}

double Table::proxy_time(Proxy p, std::size_t arch, SeedChoice seed) const {
  return per_seed(proxy_times_[static_cast<int>(p)], arch, seed);
}

SeedChoice Table::choose_seed(std::size_t arch, const SeedPolicy& policy, common::Rng& rng) const {
  switch (policy.kind) {
    case SeedPolicy::Kind::Mean: return {SeedChoice::kMean};
    case SeedPolicy::Kind::Fixed: return {slot_of_seed(policy.seed)};
    case SeedPolicy::Kind::Random: break;
  }
  const int n = num_seeds_present(arch);
  if (n == 0)
    throw MissingDataError("table " + dataset_ + "@" + schedule_ +
                           " has no training seed for architecture index " + std::to_string(arch));
  auto k = static_cast<int>(common::uniform_below(rng, static_cast<std::uint64_t>(n)));
  for (std::size_t s = 0; s < seeds_.size(); ++s)
    if (seed_present(arch, static_cast<int>(s)) && k-- == 0) return {static_cast<int>(s)};
  return {SeedChoice::kMean};  // unreachable: k < n
}

// ---------------------------------------------------------------------------------------------
// Reading the file format

namespace {

struct Reader {
  std::string what;
  std::string_view data;  // the data section

  // The bytes [begin, end) of each non-empty array so far, by where it begins, with its name:
  // no two may overlap (a writer never shares bytes between arrays; a file that does is damaged
  // or forged).
  struct Extent {
    std::uint64_t end;
    std::string name;
  };
  std::map<std::uint64_t, Extent> extents;

  [[noreturn]] void fail(const std::string& msg) const { throw FormatError(what + ": " + msg); }

  template <typename T>
  const T* array(const nlohmann::json& desc, const char* dtype, std::vector<std::size_t> shape,
                 const std::string& name) {
    if (!desc.is_object()) fail("header entry '" + name + "' is not an array description");
    if (desc.value("dtype", "") != dtype)
      fail("array '" + name + "' has dtype '" + desc.value("dtype", "?") + "', expected '" +
           dtype + "'");
    if (desc.value("shape", nlohmann::json()) != nlohmann::json(shape))
      fail("array '" + name + "' has shape " + desc.value("shape", nlohmann::json()).dump() +
           ", expected " + nlohmann::json(shape).dump());
    const auto& off_j = desc.at("offset");
    if (!off_j.is_number_unsigned()) fail("array '" + name + "' has no valid offset");
    const auto offset = off_j.get<std::uint64_t>();
    std::uint64_t count = 1;
    for (auto d : shape) {
      if (d != 0 && count > std::numeric_limits<std::uint64_t>::max() / d)
        fail("array '" + name + "' is too large");
      count *= d;
    }
    if (offset % format::kAlignment != 0)
      fail("array '" + name + "' has offset " + std::to_string(offset) + ", which is not a multiple of " +
           std::to_string(format::kAlignment));
    if (count > data.size() / sizeof(T) || offset > data.size() - count * sizeof(T))
      fail("array '" + name + "' at offset " + std::to_string(offset) + " with " +
           std::to_string(count) + " values lies outside the data section of " +
           std::to_string(data.size()) + " bytes");
    const std::uint64_t end = offset + count * sizeof(T);
    if (offset < end) {
      // The extents so far do not overlap, so only the neighbours of this one can.
      auto next = extents.lower_bound(offset);
      auto clash = next != extents.end() && next->first < end ? next : extents.end();
      if (next != extents.begin() && std::prev(next)->second.end > offset) clash = std::prev(next);
      if (clash != extents.end())
        fail("arrays '" + clash->second.name + "' (data bytes " + std::to_string(clash->first) +
             " to " + std::to_string(clash->second.end) + ") and '" + name + "' (data bytes " +
             std::to_string(offset) + " to " + std::to_string(end) + ") overlap");
      extents.emplace(offset, Extent{end, name});
    }
    return reinterpret_cast<const T*>(data.data() + offset);
  }
};

// The first of `n` values that is neither missing (NaN) nor inside `range`; `n` when none is.
template <typename T>
std::size_t first_outside(const T* values, std::size_t n, const ValueRange& range) {
  const T low = static_cast<T>(range.low);
  const T high = std::min(static_cast<T>(range.high), std::numeric_limits<T>::max());
  // NaN fails every comparison, so it counts as inside: missing. Infinities lie beyond `high`
  // or below `low`.
  auto outside = [&](T v) { return (range.low_open ? v <= low : v < low) || v > high; };
  // Counted in blocks without an early exit, which the compiler vectorises.
  constexpr std::size_t kBlock = 4096;
  for (std::size_t start = 0; start < n; start += kBlock) {
    const std::size_t end = std::min(n, start + kBlock);
    int count = 0;
    if (range.low_open)
      for (std::size_t i = start; i < end; ++i) count += (values[i] <= low) | (values[i] > high);
    else
      for (std::size_t i = start; i < end; ++i) count += (values[i] < low) | (values[i] > high);
    if (count > 0)
      for (std::size_t i = start; i < end; ++i)
        if (outside(values[i])) return i;
  }
  return n;
}

// Whether a JSON value is an integer that T holds (json's get<T>() would convert a float or an
// out-of-range integer silently, or with undefined behaviour).
template <typename T>
bool integer_fits(const nlohmann::json& v) {
  if (v.is_number_unsigned())
    return v.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<T>::max());
  if (!v.is_number_integer()) return false;
  const auto x = v.get<std::int64_t>();
  if (x < 0) return std::is_signed_v<T> && x >= static_cast<std::int64_t>(std::numeric_limits<T>::min());
  return static_cast<std::uint64_t>(x) <= static_cast<std::uint64_t>(std::numeric_limits<T>::max());
}

template <typename T>
struct IntegerList : std::false_type {};
template <typename T>
struct IntegerList<std::vector<T>> : std::is_integral<T> {};

template <typename T>
T get_field(const Reader& r, const nlohmann::json& j, const char* key, const std::string& ctx) {
  try {
    const auto& v = j.at(key);
    bool ok = true;
    if constexpr (std::is_integral_v<T>) {
      ok = integer_fits<T>(v);
    } else if constexpr (IntegerList<T>::value) {
      ok = v.is_array() && std::all_of(v.begin(), v.end(), [](const nlohmann::json& x) {
             return integer_fits<typename T::value_type>(x);
           });
    }
    if (!ok) r.fail(ctx + " lacks a valid '" + key + "'");
    return v.get<T>();
  } catch (const nlohmann::json::exception&) {
    r.fail(ctx + " lacks a valid '" + key + "'");
  }
}

}  // namespace

Benchmark Benchmark::open(const std::string& path, OpenOptions options) {
  common::SharedBytes bytes;
  try {
    bytes = common::map_file(path);
  } catch (const common::FileError& e) {
    throw FormatError(e.what());
  }
  return from_bytes(std::move(bytes), path, options);
}

Benchmark Benchmark::from_bytes(common::SharedBytes bytes, const std::string& what, OpenOptions options) {
  const std::string_view all = *bytes;
  Reader r{what, {}, {}};
  if (all.size() < format::kPreambleSize || std::memcmp(all.data(), format::kMagic, 8) != 0)
    r.fail("not a nas-run benchmark file (expected the magic bytes 'NASBENCH' at the start)");
  std::uint32_t version, header_crc;
  std::uint64_t header_len;
  std::memcpy(&version, all.data() + 8, 4);
  std::memcpy(&header_crc, all.data() + 12, 4);
  std::memcpy(&header_len, all.data() + 16, 8);
  if (version != format::kVersion)
    r.fail("format version " + std::to_string(version) + " is not supported (expected " +
           std::to_string(format::kVersion) + ")");
  if (header_len > all.size() - format::kPreambleSize)
    r.fail("truncated: the header claims " + std::to_string(header_len) + " bytes but the file has " +
           std::to_string(all.size()) + " bytes in all");
  const auto header_text = all.substr(format::kPreambleSize, header_len);
  if (format::crc32(header_text) != header_crc) r.fail("header checksum mismatch (file corrupt)");

  Benchmark b;
  b.bytes_ = bytes;
  try {
    b.header_ = nlohmann::json::parse(header_text);
  } catch (const nlohmann::json::exception& e) {
    r.fail(std::string("header is not valid JSON: ") + e.what());
  }
  const auto& h = b.header_;
  if (!h.is_object() || h.value("format", nlohmann::json()) != "nas-run-benchmark")
    r.fail("header does not describe a nas-run benchmark");
  if (const auto v = get_field<std::uint32_t>(r, h, "version", "header"); v != format::kVersion)
    r.fail("header 'version' is " + std::to_string(v) + ", expected " +
           std::to_string(format::kVersion) + " (as in the preamble)");
  const auto data_start = format::align_up(format::kPreambleSize + header_len);
  const auto data_size = get_field<std::uint64_t>(r, h, "data_size", "header");
  if (data_start > all.size() || all.size() - data_start != data_size)
    r.fail("size mismatch: the header describes " + std::to_string(data_start + data_size) +
           " bytes but the file has " + std::to_string(all.size()) + " (truncated or extended)");
  r.data = all.substr(data_start, data_size);
  if (options.verify_checksum &&
      format::crc32(r.data) != get_field<std::uint32_t>(r, h, "data_crc32", "header"))
    r.fail("data checksum mismatch (file corrupt)");

  // Any header entry of the wrong JSON type ends here as a FormatError.
  try {
    try {
      b.space_ = spaces::make_search_space(get_field<std::string>(r, h, "space", "header"));
    } catch (const nasrun::UnknownNameError& e) {
      r.fail(e.what());
    }
    b.meta_ = h.value("meta", nlohmann::json::object());
    const auto n = get_field<std::size_t>(r, h, "num_archs", "header");
    const auto* codes = r.array<std::uint64_t>(h.at("arch_codes"), "u64", {n}, "arch_codes");
    b.codes_.assign(codes, codes + n);
    const auto space_size = b.space_->size();
    b.index_of_code_ = CodeIndex(n, space_size);
    for (std::size_t i = 0; i < n; ++i) {
      if (b.codes_[i] >= space_size)
        r.fail("architecture " + std::to_string(i) + " has code " + std::to_string(b.codes_[i]) +
               ", outside space '" + b.space_->name() + "'");
      if (!b.index_of_code_.insert(b.codes_[i], i))
        r.fail("architecture " + b.space_->to_string(b.codes_[i]) + " appears twice");
    }

    const auto& tables = h.at("tables");
    if (!tables.is_array()) r.fail("header 'tables' is not a list");
    std::map<std::pair<std::string, std::string>, std::size_t> table_number;
    for (const auto& jt : tables) {
      Table t;
      t.dataset_ = get_field<std::string>(r, jt, "dataset", "a table");
      t.schedule_ = get_field<std::string>(r, jt, "schedule", "table " + t.dataset_);
      const std::string name = "table " + t.dataset_ + "@" + t.schedule_;
      if (const auto [it, first] = table_number.emplace(std::pair{t.dataset_, t.schedule_}, b.tables_.size());
          !first)
        r.fail(name + " appears twice (tables " + std::to_string(it->second) + " and " +
               std::to_string(b.tables_.size()) + ")");
      t.epochs_ = get_field<int>(r, jt, "epochs", name);
      t.recorded_ = get_field<std::vector<int>>(r, jt, "recorded_epochs", name);
      t.seeds_ = get_field<std::vector<std::int64_t>>(r, jt, "seeds", name);
      if (t.epochs_ < 1 || t.epochs_ > 100000) r.fail(name + " has an invalid epoch count");
      if (t.seeds_.empty()) r.fail(name + " has no seeds");
      if (const auto twice = repeated_seed(t.seeds_))
        r.fail(name + " lists training seed " + std::to_string(*twice) + " twice (seeds: " +
               nlohmann::json(t.seeds_).dump() + ")");
      if (t.recorded_.empty()) r.fail(name + " records no epoch");
      t.column_.assign(static_cast<std::size_t>(t.epochs_) + 1, -1);
      for (std::size_t i = 0; i < t.recorded_.size(); ++i) {
        const int e = t.recorded_[i];
        if (e < 1 || e > t.epochs_ || (i > 0 && e <= t.recorded_[i - 1]))
          r.fail(name + " lists recorded epochs that do not ascend within 1.." +
                 std::to_string(t.epochs_));
        t.column_[static_cast<std::size_t>(e)] = static_cast<int>(i);
      }
      try {
        t.truth_ = parse_metric(get_field<std::string>(r, jt, "truth_metric", name));
      } catch (const std::invalid_argument& e) {
        r.fail(name + ": " + e.what());
      }
      t.num_archs_ = n;
      const auto ns = t.seeds_.size(), ne = t.recorded_.size();
      t.present_ = r.array<std::uint8_t>(jt.at("seed_present"), "u8", {n, ns}, name + " seed_present");
      const auto rows = get_field<std::size_t>(r, jt, "num_rows", name);
      if (rows > n) r.fail(name + " claims " + std::to_string(rows) + " rows for " + std::to_string(n) + " architectures");
      t.num_rows_ = rows;
      t.row_of_arch_ = r.array<std::int32_t>(jt.at("row_of_arch"), "i32", {n}, name + " row_of_arch");
      const auto& metrics = jt.at("metrics");
      for (auto it = metrics.begin(); it != metrics.end(); ++it) {
        Metric m;
        try {
          m = parse_metric(it.key());
        } catch (const std::invalid_argument& e) {
          r.fail(name + ": " + e.what());
        }
        t.series_[static_cast<int>(m)] =
            r.array<float>(it.value(), "f32", {rows, ns, ne}, name + " " + it.key());
      }
      const auto& costs = jt.at("costs");
      for (auto c : all_costs())
        if (costs.contains(cost_name(c)))
          t.costs_[static_cast<int>(c)] =
              r.array<double>(costs.at(cost_name(c)), "f64", {n}, name + " " + cost_name(c));
      // Absent from files written before the proxies were: no proxies.
      const auto proxies = jt.value("proxies", nlohmann::json::object());
      for (auto it = proxies.begin(); it != proxies.end(); ++it) {
        Proxy p;
        try {
          p = parse_proxy(it.key());
        } catch (const std::invalid_argument& e) {
          r.fail(name + ": " + e.what());
        }
        const auto where = name + " proxy " + it.key();
        t.proxies_[static_cast<int>(p)] =
            r.array<double>(it.value().at("value"), "f64", {rows, ns}, where + " value");
        t.proxy_times_[static_cast<int>(p)] =
            r.array<double>(it.value().at("time_s"), "f64", {rows, ns}, where + " time_s");
      }
      // The values, once every array of the table is known not to overlap another.
      check_values(what, t, rows);
      b.tables_.push_back(std::move(t));
    }
  } catch (const nlohmann::json::exception& e) {
    r.fail(std::string("malformed header: ") + e.what());
  }
  return b;
}

// Seed flags of 0 or 1, rows within the stored ones, costs and series within their ranges.
// Reading every value costs about as much as the data checksum.
void Benchmark::check_values(const std::string& what, const Table& t, std::size_t rows) {
  const std::string name = "table " + t.dataset() + "@" + t.schedule();
  auto fail = [&](const std::string& msg) { throw FormatError(what + ": " + msg); };
  const auto n = t.num_archs(), ns = t.seeds().size(), ne = t.recorded_epochs().size();
  const auto* present = t.present_;
  for (std::size_t i = 0; i < n * ns; ++i)
    if (present[i] > 1)
      fail(name + " seed_present: architecture index " + std::to_string(i / ns) + ", seed " +
             std::to_string(t.seeds()[i % ns]) + " has the flag " + std::to_string(present[i]) +
             ", expected 0 or 1");
  for (std::size_t a = 0; a < n; ++a) {
    const auto row = t.row_of_arch_[a];
    if (row < -1 || row >= static_cast<std::int64_t>(rows))
      fail(name + ": architecture " + std::to_string(a) + " has row " + std::to_string(row) +
             ", outside -1.." + std::to_string(rows - 1));
    if (row < 0 && t.num_seeds_present(a) > 0)
      fail(name + ": architecture " + std::to_string(a) + " has results but no row");
  }
  for (auto c : all_costs()) {
    const double* v = t.costs_[static_cast<int>(c)];
    if (!v) continue;
    if (const auto a = first_outside(v, n, value_range(c)); a < n)
      fail(name + ", architecture index " + std::to_string(a) + ": " + value_error(c, v[a]));
  }
  for (auto p : all_proxies()) {
    for (const auto& [values, range, what] :
         {std::tuple{t.proxies_[static_cast<int>(p)], proxy_value_range(), "value"},
          std::tuple{t.proxy_times_[static_cast<int>(p)], proxy_time_range(), "time_s"}}) {
      if (!values) continue;
      const auto i = first_outside(values, rows * ns, range);
      if (i == rows * ns) continue;
      const auto quantity = std::string("proxy ") + proxy_name(p) + " " + what;
      fail(name + ", row " + std::to_string(i / ns) + ", seed " + std::to_string(t.seeds()[i % ns]) +
           ": " + range_error(quantity.c_str(), values[i], range));
    }
  }
  for (auto m : all_metrics()) {
    const float* v = t.series_[static_cast<int>(m)];
    if (!v) continue;
    const auto i = first_outside(v, rows * ns * ne, value_range(m));
    if (i == rows * ns * ne) continue;
    const auto row = static_cast<std::int32_t>(i / (ns * ne));
    const auto arch = std::find(t.row_of_arch_, t.row_of_arch_ + n, row) - t.row_of_arch_;
    const std::string where = arch < static_cast<std::ptrdiff_t>(n)
                                  ? "architecture index " + std::to_string(arch)
                                  : "row " + std::to_string(row) + " (of no architecture)";
    fail(name + ", " + where + ", seed " + std::to_string(t.seeds()[i / ne % ns]) +
           ", epoch " + std::to_string(t.recorded_epochs()[i % ne]) + ": " + value_error(m, v[i]));
  }
}

std::size_t Benchmark::index_of(ArchCode code) const {
  if (const auto i = index_of_code_.find(code); i >= 0) return static_cast<std::size_t>(i);
  throw MissingDataError("the benchmark holds no results for architecture " +
                         (code < space_->size() ? space_->to_string(code) : std::to_string(code)));
}

const Table& Benchmark::table(const std::string& dataset, const std::string& schedule) const {
  const Table* best = nullptr;
  for (const auto& t : tables_)
    if (t.dataset() == dataset && (schedule.empty() ? (!best || t.epochs() > best->epochs())
                                                    : t.schedule() == schedule))
      best = &t;
  if (best) return *best;
  std::string known;
  for (const auto& t : tables_) known += (known.empty() ? "" : ", ") + t.dataset() + "@" + t.schedule();
  throw MissingDataError("the benchmark has no table for dataset '" + dataset + "'" +
                         (schedule.empty() ? "" : " with schedule '" + schedule + "'") +
                         " (it has: " + known + ")");
}

}  // namespace nasrun::bench
