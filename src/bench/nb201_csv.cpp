#include "bench/nb201_csv.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "spaces/nb201.hpp"

namespace nasrun::bench {

namespace {

constexpr int kFinalEpochs = 200;
constexpr int kHp12Epochs = 12;
// The 12-epoch table is already averaged over its training seeds.
constexpr std::int64_t kMeanSeed = -1;

enum class Kind { Final, Hp12 };

const std::vector<std::string> kFinalColumns = {"index",   "arch",     "dataset",
                                                "seed",    "valid_acc", "test_acc",
                                                "valtest_acc", "train_time_s", "params_m"};
const std::vector<std::string> kHp12Columns = {"index", "arch", "dataset", "valid_acc", "test_acc"};

// Levenshtein distance, ignoring case: how far a dataset name is from a known one.
std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const bool same = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                        std::tolower(static_cast<unsigned char>(b[j - 1]));
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Bytes that would not show in a terminal (control characters, a byte-order mark, UTF-16's
// zero bytes) as \xHH, so that a message never hides what is wrong.
std::string visible(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02X", u);
      out += buf;
    }
  }
  return out;
}

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = line.find(',', start);
    out.push_back(line.substr(start, comma == std::string_view::npos ? line.npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

struct Row {
  std::size_t index;
  std::string_view arch, dataset;
  std::int64_t seed = kMeanSeed;
  double valid, test, valtest, time_s, params_m;
};

class CsvFile {
 public:
  explicit CsvFile(std::string path) : path_(std::move(path)), text_(common::read_file(path_)) {
    // A UTF-8 byte-order mark is no part of the first column's name.
    if (std::string_view(text_).substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
  }

  [[noreturn]] void fail(std::size_t line, const std::string& msg) const {
    throw FormatError(path_ + ":" + std::to_string(line) + ": " + msg);
  }

  Kind kind() {
    const auto header = split(next_line());
    auto matches = [&](const std::vector<std::string>& cols) {
      return std::equal(cols.begin(), cols.end(), header.begin(), header.end());
    };
    if (matches(kFinalColumns)) return Kind::Final;
    if (matches(kHp12Columns)) return Kind::Hp12;
    std::string got;
    for (auto h : header) got += (got.empty() ? "" : ",") + std::string(h);
    std::string a, b;
    for (const auto& c : kFinalColumns) a += (a.empty() ? "" : ",") + c;
    for (const auto& c : kHp12Columns) b += (b.empty() ? "" : ",") + c;
    fail(1, "unexpected columns '" + visible(got) + "' (expected '" + a + "' or '" + b + "')");
  }

  // False at the end of the file.
  bool next(Kind kind, Row& row) {
    std::string_view line;
    do {
      if (pos_ >= text_.size()) return false;
      line = next_line();
    } while (line.empty());
    const auto f = split(line);
    const auto& cols = kind == Kind::Final ? kFinalColumns : kHp12Columns;
    if (f.size() != cols.size())
      fail(line_, "expected " + std::to_string(cols.size()) + " fields, found " +
                      std::to_string(f.size()));
    std::size_t c = 0;
    row.index = integer(f[c], cols[c]);
    ++c;
    row.arch = f[c++];
    row.dataset = f[c++];
    if (row.dataset.empty()) fail(line_, "column 'dataset' is empty");
    if (const auto problem = nb201_dataset_error(std::string(row.dataset)); !problem.empty())
      fail(line_, "column 'dataset': " + problem);
    if (kind == Kind::Final) {
      row.seed = static_cast<std::int64_t>(integer(f[c], cols[c]));
      ++c;
    }
    row.valid = number(f[c], cols[c], value_range(Metric::ValidAcc));
    ++c;
    row.test = number(f[c], cols[c], value_range(Metric::TestAcc));
    ++c;
    if (kind == Kind::Final) {
      row.valtest = number(f[c], cols[c], value_range(Metric::OriTestAcc));
      ++c;
      // The time of all epochs: positive like the time of one.
      row.time_s = number(f[c], cols[c], value_range(Cost::EpochTrainTime));
      ++c;
      row.params_m = number(f[c], cols[c], value_range(Cost::Params));
    }
    return true;
  }

  std::size_t line() const { return line_; }
  const std::string& path() const { return path_; }

 private:
  std::string_view next_line() {
    const std::string_view all(text_);
    auto end = all.find('\n', pos_);
    if (end == std::string_view::npos) end = all.size();
    auto line = all.substr(pos_, end - pos_);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos_ = end + 1;
    ++line_;
    return line;
  }

  std::size_t integer(std::string_view f, const std::string& col) {
    std::size_t v = 0;
    const auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    if (f.empty() || ec != std::errc() || p != f.data() + f.size())
      fail(line_, "column '" + col + "': '" + std::string(f) + "' is not a non-negative integer");
    return v;
  }

  // Empty = missing (NaN); anything else must be a number in `range`.
  double number(std::string_view f, const std::string& col, const ValueRange& range) {
    if (f.empty()) return std::nan("");
    double v = 0;
    const auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), v);
    if (ec != std::errc() || p != f.data() + f.size() || !std::isfinite(v))
      fail(line_, "column '" + col + "': '" + visible(f) +
                      "' is not a finite number in the accepted range " + range.to_string() +
                      " (leave the field empty when missing)");
    if (!range.contains(v))
      fail(line_, "column '" + col + "': '" + std::string(f) + "' is outside the accepted range " +
                      range.to_string());
    return v;
  }

  std::string path_;
  std::string text_;
  std::size_t pos_ = 0, line_ = 0;
};

struct Parsed {
  Kind kind;
  std::string path;
  std::vector<std::pair<std::size_t, Row>> rows;  // with line numbers
  std::unique_ptr<CsvFile> file;                  // keeps the string views alive
};

}  // namespace

const std::vector<std::string>& nb201_datasets() {
  static const std::vector<std::string> names = {"cifar10-valid", "cifar10", "cifar100",
                                                 "ImageNet16-120"};
  return names;
}

std::string nb201_dataset_error(const std::string& name) {
  const auto& known = nb201_datasets();
  if (std::find(known.begin(), known.end(), name) != known.end()) return {};
  std::string msg = "'" + visible(name) + "' is not a NAS-Bench-201 dataset (expected ";
  for (std::size_t i = 0; i < known.size(); ++i)
    msg += (i == 0 ? "" : i + 1 == known.size() ? " or " : ", ") + known[i];
  msg += ")";
  // A few edits away is a typo (cifar-100, imagenet16-120); farther is another dataset.
  constexpr std::size_t kTypoDistance = 3;
  const std::string* nearest = nullptr;
  std::size_t best = kTypoDistance + 1;
  for (const auto& k : known)
    if (const auto d = edit_distance(name, k); d < best) {
      best = d;
      nearest = &k;
    }
  return nearest ? msg + "; did you mean '" + *nearest + "'?" : msg;
}

BenchmarkBuilder import_nb201_csv(const spaces::SearchSpacePtr& space,
                                  const std::vector<std::string>& paths) {
  if (const auto e = spaces::Nb201Space::shape_error(*space); !e.empty())
    throw std::invalid_argument("the NAS-Bench-201 CSV tables cannot fill " + e);
  if (paths.empty()) throw FormatError("no NAS-Bench-201 CSV file given");
  std::vector<Parsed> files;
  std::map<std::size_t, ArchCode> code_of_index;
  for (const auto& path : paths) {
    Parsed p;
    try {
      p.file = std::make_unique<CsvFile>(path);
    } catch (const common::FileError& e) {
      throw FormatError(e.what());
    }
    p.kind = p.file->kind();
    p.path = path;
    Row row;
    while (p.file->next(p.kind, row)) {
      ArchCode code;
      try {
        code = space->parse(row.arch);
      } catch (const spaces::ArchParseError& e) {
        p.file->fail(p.file->line(), std::string("column 'arch': ") + e.what());
      }
      auto [it, inserted] = code_of_index.emplace(row.index, code);
      if (!inserted && it->second != code)
        p.file->fail(p.file->line(), "index " + std::to_string(row.index) + " is " +
                                         std::string(row.arch) + " here but " +
                                         space->to_string(it->second) + " elsewhere");
      p.rows.emplace_back(p.file->line(), row);
    }
    if (p.rows.empty()) p.file->fail(p.file->line(), "the file holds no rows");
    files.push_back(std::move(p));
  }
  // Final tables first: the 12-epoch tables take their epoch time from them.
  std::stable_sort(files.begin(), files.end(),
                   [](const Parsed& a, const Parsed& b) { return a.kind < b.kind; });

  const std::size_t n = code_of_index.rbegin()->first + 1;
  if (code_of_index.size() != n)
    throw FormatError(files.front().path + ": architecture indices are not contiguous: " +
                      std::to_string(code_of_index.size()) + " distinct indices but the largest is " +
                      std::to_string(n - 1));
  std::vector<ArchCode> codes(n);
  std::map<ArchCode, std::size_t> index_of_code;
  for (const auto& [i, c] : code_of_index) {
    codes[i] = c;
    if (auto [it, inserted] = index_of_code.emplace(c, i); !inserted)
      throw FormatError(files.front().path + ": architecture " + space->to_string(c) +
                        " appears twice, as index " + std::to_string(it->second) + " and " +
                        std::to_string(i));
  }
  BenchmarkBuilder builder(space->name(), codes);
  builder.meta()["source"] = kNb201CsvSource;
  builder.meta()["files"] = paths;

  for (const auto& p : files) {
    const bool final = p.kind == Kind::Final;
    const std::string schedule = final ? "200" : "12";
    const int epochs = final ? kFinalEpochs : kHp12Epochs;
    std::map<std::string, std::set<std::int64_t>> seeds;
    for (const auto& [line, r] : p.rows) seeds[std::string(r.dataset)].insert(r.seed);
    for (const auto& entry : seeds) {
      // Not a structured binding: C++17 lambdas cannot capture one (clang rejects it).
      const std::string& dataset = entry.first;
      const auto& s = entry.second;
      if (builder.find_table(dataset, schedule))
        throw FormatError(p.path + ": table " + dataset + "@" + schedule +
                          " is also in another file");
      // cifar10-valid's final table has no test split; its validation accuracy is its truth.
      const bool has_test = std::any_of(p.rows.begin(), p.rows.end(), [&](const auto& lr) {
        return lr.second.dataset == dataset && !std::isnan(lr.second.test);
      });
      builder.add_table(dataset, schedule, epochs, {epochs}, {s.begin(), s.end()},
                        has_test ? Metric::TestAcc : Metric::ValidAcc);
    }
    for (const auto& [line, r] : p.rows) {
      auto& t = *builder.find_table(std::string(r.dataset), schedule);
      const int slot = t.slot_of_seed(r.seed);
      if (t.is_present(r.index, slot))
        p.file->fail(line, "duplicate row for index " + std::to_string(r.index) + ", dataset " +
                               std::string(r.dataset) +
                               (final ? ", seed " + std::to_string(r.seed) : std::string()));
      t.mark_present(r.index, slot);
      if (!std::isnan(r.valid)) t.set(Metric::ValidAcc, r.index, slot, epochs, r.valid);
      if (!std::isnan(r.test)) t.set(Metric::TestAcc, r.index, slot, epochs, r.test);
      if (!final) continue;
      if (!std::isnan(r.valtest)) t.set(Metric::OriTestAcc, r.index, slot, epochs, r.valtest);
      if (!std::isnan(r.time_s)) t.set_cost(Cost::EpochTrainTime, r.index, r.time_s / epochs);
      if (!std::isnan(r.params_m)) t.set_cost(Cost::Params, r.index, r.params_m * 1e6);
    }
  }
  // NAS-Bench-201's 12-epoch schedule trains the same network on the same data per epoch as the
  // 200-epoch one, so an epoch costs the same; datasets without a 200-epoch table stay unknown.
  for (auto& t : builder.tables()) {
    if (t.schedule != "12") continue;
    if (const auto* full = builder.find_table(t.dataset, "200")) {
      for (auto c : {Cost::EpochTrainTime, Cost::Params})
        t.costs[static_cast<int>(c)] = full->costs[static_cast<int>(c)];
    }
  }
  return builder;
}

}  // namespace nasrun::bench
