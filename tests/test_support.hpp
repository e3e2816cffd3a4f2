// Helpers shared by the tests: where the shared data lives, temporary folders, and a small
// hand-made benchmark whose curves are known exactly.
#pragma once

#include <bzlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "bench/benchmark_builder.hpp"

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

}  // namespace nasrun::testing
