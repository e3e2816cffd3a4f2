// Helpers shared by the tests: where the shared data lives, temporary folders, hand-made
// benchmarks whose curves are known exactly, surgery on benchmark files, and NB201 CSV rows.
#pragma once

#include <bzlib.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bench/benchmark_builder.hpp"
#include "bench/nb201_csv.hpp"
#include "evaluators/curve_source.hpp"

namespace nasrun::testing {

// ../shared/data beside the checkout, or $NASRUN_SHARED_DATA; empty when absent (a user's clone
// has none: such tests report themselves skipped).
inline std::string shared_data_dir() {
  if (const char* env = std::getenv("NASRUN_SHARED_DATA")) return env;
  const auto dir = std::filesystem::path(NASRUN_SOURCE_DIR) / ".." / "shared" / "data";
  return std::filesystem::exists(dir) ? dir.lexically_normal().string() : std::string();
}

#define NASRUN_REQUIRE_SHARED_DATA(dir)                                            \
  const std::string dir = nasrun::testing::shared_data_dir();                      \
  if (dir.empty()) {                                                               \
    WARN("skipped: ../shared/data is not beside the checkout");                    \
    return;                                                                        \
  }

// A fresh, empty folder under the build tree, removed when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(std::filesystem::path(NASRUN_BINARY_DIR) / "test-tmp" / name) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

inline void spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Six architectures, two seeds, epochs 1, 2 and 4 of 4 recorded; the last architecture has no
// results (row -1) and seed 2 of the first is missing. Small, so that every byte can be cut.
inline bench::BenchmarkBuilder small_builder() {
  using bench::Metric;
  bench::BenchmarkBuilder b("nb201", {0, 1, 2, 100, 9930, 15624});
  auto& t = b.add_table("toy", "4", 4, {1, 2, 4}, {1, 2}, Metric::TestAcc);
  for (std::size_t a = 0; a < 5; ++a)
    for (int s = 0; s < 2; ++s) {
      if (a == 0 && s == 1) continue;
      for (int e : {1, 2, 4}) {
        t.set(Metric::TrainLoss, a, s, e, 1.0 / e + a);
        t.set(Metric::ValidAcc, a, s, e, 50.0 + e + a);
        t.set(Metric::TestAcc, a, s, e, 60.0 + a + s);
      }
      t.set_cost(bench::Cost::Params, a, 1000.0 * (a + 1));
    }
  return b;
}

// The FormatError of opening `path`, or "no error" / "other exception: ..." when there is none.
inline std::string open_error(const std::string& path) {
  try {
    bench::Benchmark::open(path);
  } catch (const bench::FormatError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("other exception: ") + e.what();
  }
  return "no error";
}

inline std::string bytes_error(const std::string& bytes, const std::string& what) {
  try {
    bench::Benchmark::from_bytes(common::own_bytes(bytes), what);
  } catch (const bench::FormatError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("other exception: ") + e.what();
  }
  return "no error";
}

// A benchmark file taken apart, for surgery on its header or data.
struct Parts {
  std::string preamble;
  nlohmann::json header;
  std::string data;
};

inline Parts split_file(const std::string& file) {
  std::uint64_t len;
  std::memcpy(&len, file.data() + 16, 8);
  return {file.substr(0, 24), nlohmann::json::parse(file.substr(24, len)),
          file.substr(bench::format::align_up(24 + len))};
}

// Reassembles a file with consistent lengths and checksums, so that only the change under test
// is wrong.
inline std::string join_file(const Parts& p, bool fix_data_fields = true) {
  auto header = p.header;
  if (fix_data_fields) {
    header["data_size"] = p.data.size();
    header["data_crc32"] = bench::format::crc32(p.data);
  }
  const auto text = header.dump();
  std::string b = p.preamble + text;
  const std::uint64_t n = text.size();
  const std::uint32_t crc = bench::format::crc32(text);
  std::memcpy(&b[12], &crc, 4);
  std::memcpy(&b[16], &n, 8);
  b.resize(bench::format::align_up(b.size()), '\0');
  return b + p.data;
}

inline std::uint64_t offset_of(const nlohmann::json& array) {
  return array["offset"].get<std::uint64_t>();
}

// A change to a benchmark file, and what the reader must then say (every piece of `expected`).
struct FileDamage {
  const char* name;
  std::function<void(Parts&)> change;
  std::vector<std::string> expected;
};

// Makes each change to `parts`, writes the file to `path`, and checks that opening it is a
// FormatError that starts with the path and says what was expected.
inline void check_damage(const Parts& parts, const std::string& path,
                         const std::vector<FileDamage>& cases) {
  for (const auto& c : cases) {
    Parts p = parts;
    c.change(p);
    spit(path, join_file(p));
    const auto msg = open_error(path);
    INFO(c.name << ": " << msg);
    CHECK(msg.rfind(path + ": ", 0) == 0);
    for (const auto& e : c.expected) CHECK_THAT(msg, Catch::Contains(e));
  }
}

// NAS-Bench-201 CSV tables: the two headers and two architectures.
inline const char* kFinalHeader =
    "index,arch,dataset,seed,valid_acc,test_acc,valtest_acc,train_time_s,params_m";
inline const char* kHp12Header = "index,arch,dataset,valid_acc,test_acc";
inline const char* kArch0 = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
inline const char* kArch1 = "|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|";

inline std::string row(const std::string& index, const std::string& arch, const std::string& rest) {
  return index + "," + arch + "," + rest + "\n";
}

inline spaces::SearchSpacePtr nb201() { return spaces::make_search_space("nb201"); }

// The FormatError of importing CSV files (name, text), with the files named by their names only.
// They are written to a temporary `folder` (test cases that run in parallel need their own).
inline std::string csv_error(const std::vector<std::pair<std::string, std::string>>& files,
                             const std::string& folder = "bad-csv") {
  TempDir dir(folder);
  std::vector<std::string> paths;
  for (const auto& [name, text] : files) {
    paths.push_back(dir.file(name));
    spit(paths.back(), text);
  }
  try {
    bench::import_nb201_csv(nb201(), paths);
  } catch (const bench::FormatError& e) {
    std::string msg = e.what();
    const auto at = msg.find(dir.path().string() + "/");
    if (at != std::string::npos) msg.erase(at, dir.path().string().size() + 1);
    return msg;
  } catch (const std::exception& e) {
    return std::string("other exception: ") + e.what();
  }
  return "no error";
}

// Every NB201 cell, one dataset "toy" with a 10-epoch schedule and two seeds (1, 2). For the
// architecture with code c and seed slot s, epoch t: train_loss = (c % 97 + 1) / t + s,
// valid_loss = 2 * train_loss, valid_acc = 50 + c % 41 + t, test_acc = 60 + c % 31 + s,
// train_time = 10 + t, eval_time = 1. Seed 2 of code 0 is missing, and so is every result of the
// codes from `archs_with_results` on (a tabulation stopped early).
inline bench::BenchmarkBuilder toy_builder(std::size_t archs_with_results = 15625) {
  std::vector<spaces::ArchCode> codes(15625);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i;
  bench::BenchmarkBuilder b("nb201", codes);
  std::vector<int> epochs;
  for (int t = 1; t <= 10; ++t) epochs.push_back(t);
  auto& t = b.add_table("toy", "10", 10, epochs, {1, 2}, bench::Metric::TestAcc);
  for (std::size_t c = 0; c < archs_with_results; ++c)
    for (int s = 0; s < 2; ++s) {
      if (c == 0 && s == 1) continue;
      for (int e = 1; e <= 10; ++e) {
        const double loss = static_cast<double>(c % 97 + 1) / e + s;
        t.set(bench::Metric::TrainLoss, c, s, e, loss);
        t.set(bench::Metric::ValidLoss, c, s, e, 2 * loss);
        t.set(bench::Metric::ValidAcc, c, s, e, 50.0 + static_cast<double>(c % 41) + e);
        t.set(bench::Metric::TestAcc, c, s, e, 60.0 + static_cast<double>(c % 31) + s);
        t.set(bench::Metric::TrainTime, c, s, e, 10.0 + e);
        t.set(bench::Metric::EvalTime, c, s, e, 1.0);
      }
    }
  return b;
}

// The tabular source of `dataset` in `benchmark`, default seed policies.
inline std::shared_ptr<evaluators::LearningCurveSource> tabular_source(
    std::shared_ptr<const bench::Benchmark> benchmark, const std::string& dataset) {
  evaluators::SourceOptions o;
  o.benchmark = std::move(benchmark);
  o.dataset = dataset;
  return evaluators::make_curve_source("tabular", o);
}

// The tabular curve source over toy_builder()'s table "toy".
inline std::shared_ptr<evaluators::LearningCurveSource> toy_source() {
  return tabular_source(std::make_shared<bench::Benchmark>(toy_builder().build()), "toy");
}

// Every NB201 cell in one table of `dataset`: a 4-epoch schedule, one seed (0), truth `truth`;
// `fill(table, code, epoch)` sets the values of each cell and epoch.
inline bench::BenchmarkBuilder every_cell(
    const std::string& dataset, bench::Metric truth,
    const std::function<void(bench::BenchmarkBuilder::TableData&, std::size_t, int)>& fill) {
  std::vector<spaces::ArchCode> codes(15625);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i;
  bench::BenchmarkBuilder b("nb201", codes);
  auto& t = b.add_table(dataset, "4", 4, {1, 2, 3, 4}, {0}, truth);
  for (std::size_t c = 0; c < codes.size(); ++c)
    for (int e = 1; e <= 4; ++e) fill(t, c, e);
  return b;
}

// Runs one of the project's programs (from the build tree) with shell-quoted `args`, and
// `env` (e.g. "NAME=value ") before it.
struct ProgramResult {
  int status;          // exit status; -1 when it did not exit normally
  std::string output;  // stdout and stderr together
};

inline ProgramResult run_program(const std::string& program, const std::string& args,
                                 const std::string& env = "") {
  const std::string cmd =
      env + std::string(NASRUN_BINARY_DIR) + "/" + program + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The message of what `f` throws, or "no error".
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

// bzip2-compressed bytes, for hand-made NATS-Bench files.
inline std::string bz2_compress(const std::string& raw) {
  std::string out(raw.size() + raw.size() / 100 + 1024, '\0');
  auto len = static_cast<unsigned>(out.size());
  if (BZ2_bzBuffToBuffCompress(out.data(), &len, const_cast<char*>(raw.data()),
                               static_cast<unsigned>(raw.size()), 9, 0, 0) != BZ_OK)
    throw std::runtime_error("bzip2 compression failed");
  out.resize(len);
  return out;
}

// SHORT_BINUNICODE of a string, for hand-made pickles.
inline std::string pstr(const std::string& s) {
  return "\x8c" + std::string(1, static_cast<char>(s.size())) + s;
}

}  // namespace nasrun::testing
