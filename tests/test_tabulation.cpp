// nas-bench tabulate: a tabulation killed in the middle and rerun equals an uninterrupted one.
#ifdef NASRUN_HAVE_LIVE
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "bench/benchmark.hpp"
#include "live_fake_data.hpp"
#include "test_support.hpp"

using namespace nasrun;

namespace {

std::vector<std::string> tabulate_args(const std::string& data, const std::string& out) {
  return {"tabulate", "--out", out, "--dataset", "cifar10", "--archs", "sample:10",
          "--extra-seeds", "1", "--extra-fraction", "0.3", "--workers", "2",
          "--source-option", "data_dir=" + data, "--source-option", "epochs=2",
          "--source-option", "channels=4", "--source-option", "cells=1",
          "--source-option", "image_size=16", "--source-option", "train_subset=128",
          "--source-option", "valid_subset=64", "--source-option", "test_subset=64",
          "--source-option", "batch=64", "--source-option", "augment=false"};
}

pid_t spawn(const std::vector<std::string>& args) {
  const std::string program = std::string(NASRUN_BINARY_DIR) + "/nas-bench";
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    std::vector<char*> argv{const_cast<char*>(program.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    freopen("/dev/null", "w", stderr);
    freopen("/dev/null", "w", stdout);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::size_t lines(const std::string& path) {
  std::ifstream in(path);
  std::size_t n = 0;
  for (std::string l; std::getline(in, l);) ++n;
  return n;
}

// Waits (at most two minutes) until the journal has at least `n` lines; returns how many it has.
std::size_t wait_for_lines(const std::string& journal, std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (lines(journal) < n && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return lines(journal);
}

// Equal in everything but the measured times.
void require_same_results(const bench::Benchmark& a, const bench::Benchmark& b) {
  const auto& ta = a.tables().at(0);
  const auto& tb = b.tables().at(0);
  REQUIRE(ta.seeds() == tb.seeds());
  for (std::size_t i = 0; i < a.num_archs(); ++i)
    for (int s = 0; s < static_cast<int>(ta.seeds().size()); ++s) {
      REQUIRE(ta.seed_present(i, s) == tb.seed_present(i, s));
      if (!ta.seed_present(i, s)) continue;
      for (auto m : bench::all_metrics()) {
        if (m == bench::Metric::TrainTime || m == bench::Metric::EvalTime) continue;
        for (int e = 1; e <= ta.epochs(); ++e) {
          const double x = ta.value(m, i, {s}, e), y = tb.value(m, i, {s}, e);
          REQUIRE(((std::isnan(x) && std::isnan(y)) || x == y));
        }
      }
      REQUIRE(ta.cost(bench::Cost::Params, i) == tb.cost(bench::Cost::Params, i));
    }
}

}  // namespace

TEST_CASE("A tabulation killed in the middle and rerun equals an uninterrupted one", "[live][tabulate]") {
  testing::TempDir dir("tabulate-kill");
  const auto data = testing::make_fake_cifar("tabulate", 64, 64);
  const auto whole = dir.file("whole.nasbench"), killed = dir.file("killed.nasbench");

  REQUIRE(wait_for(spawn(tabulate_args(data, whole))) == 0);

  const pid_t pid = spawn(tabulate_args(data, killed));
  // Kill it once a few trainings are in the journal (header + 3 records), before the end.
  wait_for_lines(killed + ".journal", 4);
  kill(pid, SIGKILL);
  wait_for(pid);
  const auto journaled = lines(killed + ".journal");
  CHECK(journaled >= 4);
  CHECK(journaled < 14);  // 10 + 3 trainings + header: it was stopped before the end
  CHECK_FALSE(std::filesystem::exists(killed));  // no output file, let alone a corrupt one

  REQUIRE(wait_for(spawn(tabulate_args(data, killed))) == 0);
  CHECK(lines(killed + ".journal") == 14);  // nothing trained twice
  const auto a = bench::Benchmark::open(whole), b = bench::Benchmark::open(killed);
  require_same_results(a, b);
  CHECK(a.meta()["trainings"] == 13);
  CHECK(a.meta()["complete"] == true);
  // The file records how to retrain any of its cells.
  CHECK(a.meta()["curve_source"] == "live");
  CHECK(a.meta()["source_options"]["train_subset"] == "128");
  CHECK(a.meta()["source_options"]["data_dir"] == data);
  // Every cell of a trained class shares its results.
  const auto& t = a.tables().at(0);
  std::size_t with_results = 0;
  for (std::size_t i = 0; i < a.num_archs(); ++i) with_results += t.num_seeds_present(i) > 0;
  CHECK(with_results > 10);
  // nas-bench info counts the 10 trained results and 13 trainings once, not once per cell.
  const auto r = testing::run_program("nas-bench", "info " + whole + " --json");
  REQUIRE(r.status == 0);
  const auto info = nlohmann::json::parse(r.output)["tables"][0];
  CHECK(info["architectures_with_results"] == with_results);
  CHECK(info["stored_results"] == 10);
  CHECK(info["training_runs"] == 13);
  CHECK(info["metrics"]["test_acc"]["missing_at_last_epoch"] == 0);
  CHECK(info["metrics"]["test_acc"]["missing"] == 13);  // recorded at the last of 2 epochs

  // One worker trains in the seeded random order: not in (arch, seed) order, so that a
  // tabulation stopped early holds a random sample.
  auto serial = tabulate_args(data, dir.file("serial.nasbench"));
  serial[12] = "1";  // --workers
  REQUIRE(wait_for(spawn(serial)) == 0);
  std::vector<std::pair<std::uint64_t, std::int64_t>> order;
  {
    std::ifstream journal(dir.file("serial.nasbench") + ".journal");
    std::string line;
    std::getline(journal, line);  // the settings
    while (std::getline(journal, line)) {
      const auto r = nlohmann::json::parse(line);
      order.emplace_back(r["arch"].get<std::uint64_t>(), r["seed"].get<std::int64_t>());
    }
  }
  REQUIRE(order.size() == 13);
  CHECK_FALSE(std::is_sorted(order.begin(), order.end()));
  require_same_results(a, bench::Benchmark::open(dir.file("serial.nasbench")));

  // A journal replaced while the tabulation runs (git checkout or stash rename a new file into
  // place) is written again from memory: no record ends up in the unlinked file.
  {
    const auto replaced = dir.file("replaced.nasbench");
    const pid_t running = spawn(tabulate_args(data, replaced));
    CHECK(wait_for_lines(replaced + ".journal", 3) >= 3);
    std::string header;
    std::getline(std::ifstream(replaced + ".journal"), header);
    std::ofstream(dir.file("older.journal")) << header << "\n";
    std::filesystem::rename(dir.file("older.journal"), replaced + ".journal");
    int status = 0;
    REQUIRE(waitpid(running, &status, WNOHANG) == 0);  // replaced while it still ran
    REQUIRE(wait_for(running) == 0);
    CHECK(lines(replaced + ".journal") == 14);
    require_same_results(a, bench::Benchmark::open(replaced));
    // And it resumes: a rerun finds nothing left to train.
    REQUIRE(wait_for(spawn(tabulate_args(data, replaced))) == 0);
    CHECK(lines(replaced + ".journal") == 14);
  }

  // A journal of other settings is refused.
  auto other = tabulate_args(data, killed);
  other[6] = "sample:11";
  CHECK(wait_for(spawn(other)) != 0);
  std::filesystem::remove_all(data);
}
#endif
