// nas-bench tabulate: a tabulation killed in the middle and rerun equals an uninterrupted one;
// its journal is locked while in use, and a damaged one loses no valid record.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>

#include "bench/benchmark.hpp"
#include "common/file_io.hpp"
#include "tabulate/tabulation.hpp"
#include "test_support.hpp"
#include "sleeping_source.hpp"
#include "text_files.hpp"
#ifdef NASRUN_HAVE_LIVE
#include "live_fake_data.hpp"
#endif

using namespace nasrun;
namespace fs = std::filesystem;
using testing::listing;
using testing::read_lines;
using testing::write_lines;

namespace {

std::size_t lines(const std::string& path) { return read_lines(path).size(); }

// Equal in everything but the measured times (the proxies' values too, where there are any).
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
      for (auto p : bench::all_proxies()) {
        const double x = ta.proxy(p, i, {s}), y = tb.proxy(p, i, {s});
        REQUIRE(((std::isnan(x) && std::isnan(y)) || x == y));
      }
    }
}

// The proxies of small_table(): distinct per proxy, architecture and seed, some negative.
double small_table_proxy(bench::Proxy p, std::size_t arch, int seed) {
  return static_cast<double>(p) - 4 + 0.25 * static_cast<double>(arch) + 0.125 * seed;
}

// A benchmark to tabulate from without training (the tabular source): codes 0..19, 3 epochs,
// seeds 0 and 1, every metric a tabulation records, and every proxy.
std::shared_ptr<const bench::Benchmark> small_table() {
  std::vector<spaces::ArchCode> codes(20);
  std::iota(codes.begin(), codes.end(), spaces::ArchCode{0});
  bench::BenchmarkBuilder b("nb201", codes);
  auto& t = b.add_table("toy", "3", 3, {1, 2, 3}, {0, 1}, bench::Metric::TestAcc);
  for (std::size_t a = 0; a < codes.size(); ++a) {
    for (int s = 0; s < 2; ++s)
      for (int e = 1; e <= 3; ++e) {
        const double x = static_cast<double>(a) + s;
        t.set(bench::Metric::TrainLoss, a, s, e, 1 + x / e);
        t.set(bench::Metric::TrainAcc, a, s, e, 10 + x + e);
        t.set(bench::Metric::ValidLoss, a, s, e, 2 + x / e);
        t.set(bench::Metric::ValidAcc, a, s, e, 5 + x + e);
        t.set(bench::Metric::TestLoss, a, s, e, 3 + x / e);
        t.set(bench::Metric::TestAcc, a, s, e, 4 + x + e);
        t.set(bench::Metric::TrainTime, a, s, e, 1.0 + e);
        t.set(bench::Metric::EvalTime, a, s, e, 0.5);
      }
    t.set_cost(bench::Cost::Params, a, 1000.0 + static_cast<double>(a));
    for (int s = 0; s < 2; ++s)
      for (auto p : bench::all_proxies())
        t.set_proxy(p, a, s, small_table_proxy(p, a, s), 0.01);
  }
  return std::make_shared<const bench::Benchmark>(b.build());
}

// Architectures 0..9 with seed 0, three of them also with seed 1: 13 trainings, read from
// small_table() in a blink.
experiment::TabulationConfig tabular_config(const std::string& out) {
  experiment::TabulationConfig c;
  c.source = "tabular";
  c.source_options.space = spaces::make_search_space("nb201");
  c.source_options.dataset = "toy";
  c.source_options.benchmark = small_table();
  c.archs = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  c.seeds = {0};
  c.extra_seeds = {1};
  c.extra_fraction = 0.3;
  c.workers = 1;
  c.out = out;
  return c;
}

// Trainings that throw: the next flaky_tries[a] tries of architecture a throw. The proxies
// never do; proxies_computed[a] counts the times architecture a's were computed.
std::mutex flaky_mutex;
std::map<spaces::ArchCode, int> flaky_tries, proxies_computed;

class FlakySource : public testing::SleepingSource {
 public:
  using SleepingSource::SleepingSource;
  evaluators::ProxyValues observe_proxies(spaces::ArchCode arch,
                                          const std::vector<bench::Proxy>& proxies,
                                          common::Rng& rng) override {
    {
      std::lock_guard<std::mutex> lock(flaky_mutex);
      ++proxies_computed[arch];
    }
    return SleepingSource::observe_proxies(arch, proxies, rng);
  }
};

const Registration<evaluators::curve_source_registry> kFlakySource{
    "test-flaky-tabular", "test only: the tabular source, whose trainings throw as told",
    [](const evaluators::SourceOptions& o) {
      return std::make_shared<FlakySource>(
          evaluators::make_curve_source("tabular", o), [](spaces::ArchCode) { return 0.0; },
          [](spaces::ArchCode a) {
            std::lock_guard<std::mutex> lock(flaky_mutex);
            const auto it = flaky_tries.find(a);
            if (it == flaky_tries.end() || it->second == 0) return false;
            --it->second;
            return true;
          });
    }};

// The records of a journal (by default the trainings'), in (arch, seed) order.
std::vector<std::string> sorted_records(const std::string& out,
                                        const std::string& journal = ".journal") {
  auto records = read_lines(out + journal);
  records.erase(records.begin());  // the settings
  std::sort(records.begin(), records.end());
  return records;
}

}  // namespace

TEST_CASE("A training that throws is tried again with its seed, and when every try throws the "
          "tabulation stops naming it and a rerun continues", "[tabulate]") {
  testing::TempDir dir("tabulate-retries");
  auto c = tabular_config(dir.file("untroubled.nasbench"));
  c.source = "test-flaky-tabular";
  c.workers = 2;
  experiment::tabulate(c);
  const auto untroubled = sorted_records(c.out);
  REQUIRE(untroubled.size() == 13);

  // Two tries of architecture 3 and one of 5 throw: two retries save both.
  c.out = dir.file("retried.nasbench");
  flaky_tries = {{3, 2}, {5, 1}};
  auto r = experiment::tabulate(c);
  CHECK(r.complete);
  CHECK(flaky_tries == std::map<spaces::ArchCode, int>{{3, 0}, {5, 0}});
  CHECK(sorted_records(c.out) == untroubled);

  // An architecture trained with seed 0 only throws three times: one retry is not enough.
  spaces::ArchCode failing = 0;
  while (std::any_of(untroubled.begin(), untroubled.end(), [&](const std::string& line) {
    const auto j = nlohmann::json::parse(line);
    return j["arch"] == failing && j["seed"] == 1;
  }))
    ++failing;
  const auto name = std::to_string(failing);
  c.out = dir.file("failed.nasbench");
  c.retries = 1;
  flaky_tries = {{failing, 3}};
  CHECK_THAT(testing::error_of([&] { experiment::tabulate(c); }),
             Catch::Contains("architecture " + name + " (") &&
                 Catch::Contains(") with seed 0 failed 2 tries: training of architecture " +
                                 name + " failed") &&
                 Catch::Contains("trainings are in the journal; rerun to continue"));
  CHECK_FALSE(fs::exists(c.out));
  const auto journaled = lines(c.out + ".journal");
  CHECK(journaled < 14);
  CHECK_FALSE(fs::exists(c.out + ".lock"));
  // The third try would have passed: the rerun trains what has no record, and only that.
  r = experiment::tabulate(c);
  CHECK(r.complete);
  CHECK(r.resumed == journaled - 1);
  CHECK(sorted_records(c.out) == untroubled);
  flaky_tries.clear();
}

TEST_CASE("A training that fails keeps the proxies computed before it, and a rerun trains it "
          "without computing them again", "[tabulate][proxies]") {
  testing::TempDir dir("tabulate-retries-proxies");
  auto c = tabular_config(dir.file("untroubled.nasbench"));
  c.source = "test-flaky-tabular";
  c.proxies = true;
  experiment::tabulate(c);
  const auto untroubled = sorted_records(c.out, ".proxies.journal");
  REQUIRE(untroubled.size() == 13);

  // Architecture 4 with seed 0 throws on each of its two tries; the proxies come first.
  c.out = dir.file("failed.nasbench");
  c.retries = 1;
  flaky_tries = {{4, 2}};
  proxies_computed.clear();
  CHECK_THAT(testing::error_of([&] { experiment::tabulate(c); }),
             Catch::Contains("architecture 4 (") && Catch::Contains("failed 2 tries"));
  const auto proxied = sorted_records(c.out, ".proxies.journal");
  CHECK(std::any_of(proxied.begin(), proxied.end(), [](const std::string& line) {
    const auto j = nlohmann::json::parse(line);
    return j["arch"] == 4 && j["seed"] == 0;
  }));
  CHECK(proxies_computed[4] == 1);  // not again for the retry
  CHECK(lines(c.out + ".journal") < 14);
  // The rerun trains what has no record, and computes the proxies of what has none.
  CHECK(experiment::tabulate(c).complete);
  CHECK(sorted_records(c.out, ".proxies.journal") == untroubled);
  std::size_t computed = 0;
  for (const auto& [arch, times] : proxies_computed) {
    CHECK(times <= 2);  // two seeds at most, each once
    computed += static_cast<std::size_t>(times);
  }
  CHECK(computed == 13);
  flaky_tries.clear();
}

TEST_CASE("A tabulation hands its work list to the pool it is given, a training per free slot",
          "[tabulate]") {
  struct Counts {
    std::size_t started = 0, most_running = 0;
  };
  // Three slots; each training runs when it starts and is reported in the reverse order of the
  // starts, as if the later ones were quicker.
  struct Pool : experiment::TrainingPool {
    const experiment::Trainer& trainer;
    Counts& counts;
    std::vector<experiment::Trained> running;
    Pool(const experiment::Trainer& t, Counts& c) : trainer(t), counts(c) {}
    int slots() const override { return 3; }
    void start(const experiment::Training& t) override {
      running.push_back(trainer.train(t));
      ++counts.started;
      counts.most_running = std::max(counts.most_running, running.size());
    }
    experiment::Trained wait() override {
      auto t = running.back();
      running.pop_back();
      return t;
    }
  };
  testing::TempDir dir("tabulate-pool");
  auto c = tabular_config(dir.file("threads.nasbench"));
  c.proxies = true;  // they travel with the trainings
  experiment::tabulate(c);
  Counts counts;
  c.out = dir.file("pool.nasbench");
  const auto r = experiment::tabulate(c, {}, [&](const experiment::Trainer& trainer) {
    return std::make_unique<Pool>(trainer, counts);
  });
  CHECK(r.complete);
  CHECK(counts.started == 13);
  CHECK(counts.most_running == 3);
  CHECK(sorted_records(c.out) == sorted_records(dir.file("threads.nasbench")));
  CHECK(sorted_records(c.out, ".proxies.journal") ==
        sorted_records(dir.file("threads.nasbench"), ".proxies.journal"));
}

TEST_CASE("tabulate() refuses seeds or architectures given twice, naming them", "[tabulate]") {
  testing::TempDir dir("tabulate-twice");
  auto c = tabular_config(dir.file("t.nasbench"));
  c.seeds = {0, 0};
  c.extra_seeds = {};
  CHECK_THAT(testing::error_of([&] { experiment::tabulate(c); }),
             Catch::Contains("seed 0 is given twice in --seeds"));
  c.seeds = {0};
  c.extra_seeds = {1, 1};
  CHECK_THAT(testing::error_of([&] { experiment::tabulate(c); }),
             Catch::Contains("seed 1 is given twice in --extra-seeds"));
  c.extra_seeds = {0};
  CHECK_THAT(testing::error_of([&] { experiment::tabulate(c); }),
             Catch::Contains("seed 0 is in both --seeds and --extra-seeds"));
  c.extra_seeds = {1};
  c.archs = {3, 4, 3};
  CHECK_THAT(testing::error_of([&] { experiment::tabulate(c); }),
             Catch::Contains("architecture 3 is given twice"));
  c.archs = {3, 15625};
  CHECK_THAT(testing::error_of([&] { experiment::tabulate(c); }),
             Catch::Contains("architecture 15625 is outside the space (expected 0..15624)"));
  CHECK(listing(dir.path()).empty());  // nothing trained, nothing written
}

TEST_CASE("tabulate() checks where it writes before the first training", "[tabulate]") {
  testing::TempDir dir("tabulate-outputs");
  fs::create_directories(dir.path() / "folder");
  std::ofstream(dir.file("plain")) << "x";
  const auto before = listing(dir.path());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {dir.file("folder"), "--out " + dir.file("folder") + " is a folder"},
      {dir.file("folder") + "/", "is a folder"},
      {dir.file("missing/t.nasbench"), "folder " + dir.file("missing") + " does not exist"},
      {dir.file("plain/t.nasbench"), dir.file("plain") + " is not a folder"},
      {"", "tabulation needs --out"},
  };
  for (const auto& [out, expected] : cases) {
    INFO(out);
    CHECK_THAT(testing::error_of([&] { experiment::tabulate(tabular_config(out)); }),
               Catch::Contains(expected));
    CHECK(listing(dir.path()) == before);  // no journal, no lock file, nothing trained
  }
  // The journal's name taken by a folder.
  fs::create_directories(dir.path() / "t.nasbench.journal");
  CHECK_THAT(testing::error_of([&] { experiment::tabulate(tabular_config(dir.file("t.nasbench"))); }),
             Catch::Contains(dir.file("t.nasbench.journal") + " is not a regular file"));
  CHECK_FALSE(fs::exists(dir.file("t.nasbench")));
}

TEST_CASE("FileLock: one holder at a time, across processes, a killed holder leaves no lock",
          "[tabulate][file-lock]") {
  testing::TempDir dir("file-lock");
  const auto path = dir.file("x.lock");
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  const pid_t holder = fork();
  REQUIRE(holder >= 0);
  if (holder == 0) {  // never back into Catch: the child only holds the lock until killed
    try {
      common::FileLock lock(path);
      char c = 'x';
      if (write(ready[1], &c, 1) == 1) pause();
    } catch (...) {
    }
    _exit(1);
  }
  char c;
  REQUIRE(read(ready[0], &c, 1) == 1);  // the child holds it now
  try {
    common::FileLock second(path);
    FAIL("a second lock was granted");
  } catch (const common::FileLockedError& e) {
    CHECK(e.holder_pid() == holder);
    CHECK_THAT(e.what(), Catch::Contains("'" + path + "' is locked by another process (pid " +
                                         std::to_string(holder) + ")"));
  }
  kill(holder, SIGKILL);
  waitpid(holder, nullptr, 0);
  CHECK(fs::exists(path));  // left behind by the killed holder, but not locked
  {
    common::FileLock mine(path);
    // Within one process too.
    CHECK_THROWS_AS(common::FileLock(path), common::FileLockedError);
  }
  CHECK_FALSE(fs::exists(path));  // removed on release
  CHECK_THROWS_WITH(common::FileLock(dir.file("missing/x.lock")),
                    Catch::Contains("cannot create the lock file '" + dir.file("missing/x.lock")));
  close(ready[0]);
  close(ready[1]);
}

TEST_CASE("A tabulation is refused while another holds its --out", "[tabulate][file-lock]") {
  testing::TempDir dir("tabulate-busy");
  const auto out = dir.file("t.nasbench");
  {
    common::FileLock other(out + ".lock");
    CHECK_THAT(testing::error_of([&] { experiment::tabulate(tabular_config(out)); }),
               Catch::Contains(out + ".journal is in use by another tabulation (pid " +
                               std::to_string(getpid()) + ")"));
    CHECK_FALSE(fs::exists(out + ".journal"));
  }
  const auto r = experiment::tabulate(tabular_config(out));
  CHECK(r.complete);
  CHECK(r.trained == 13);
  CHECK_FALSE(fs::exists(out + ".lock"));
}

TEST_CASE("A journal with bad lines in the middle resumes with every valid record", "[tabulate]") {
  testing::TempDir dir("tabulate-damaged");
  const auto whole = dir.file("whole.nasbench"), damaged = dir.file("damaged.nasbench");
  const auto first = experiment::tabulate(tabular_config(whole));
  REQUIRE(first.complete);
  const auto journal = read_lines(whole + ".journal");
  REQUIRE(journal.size() == 14);  // the settings and 13 records
  auto with = [&](std::size_t i, const std::function<void(nlohmann::json&)>& change) {
    auto r = nlohmann::json::parse(journal[i]);
    change(r);
    return r.dump();
  };
  const auto arch4 = nlohmann::json::parse(journal[4])["arch"].get<int>();
  const auto seed4 = nlohmann::json::parse(journal[4])["seed"].get<int>();
  std::vector<std::string> text = {
      journal[0],  // 1
      journal[1],
      "garbage",
      journal[2].substr(0, 40) + journal[3],  // two writers interleaved: both records lost
      with(4, [](auto& r) { r["arch"] = 15, r["seed"] = 0; }),  // 5: in the space, not planned
      with(4, [](auto& r) { r["seed"] = 7; }),
      with(4, [](auto& r) { r["arch"] = 15625; }),
      with(4, [](auto& r) { r["series"]["valid_acc"][1] = 140; }),
      with(4, [](auto& r) { r["series"]["train_loss"][0] = -1; }),
      with(4, [](auto& r) { r["series"]["train_time"][2] = 0; }),  // 10
      with(4, [](auto& r) { r["params"] = -3; }),
      with(4, [](auto& r) { r["series"]["valid_loss"].erase(1); }),
      with(4, [](auto& r) { r["series"]["test_acc"][2] = "x"; }),
      with(4, [](auto& r) { r["epochs"] = 5; }),
      with(4, [](auto& r) { r["series"].erase("train_loss"); }),  // 15
      with(4, [](auto& r) { r.erase("seed"); }),
      journal[4],
      journal[4],  // 18: a second record of the same training
  };
  for (std::size_t i = 5; i < journal.size(); ++i) text.push_back(journal[i]);
  write_lines(damaged + ".journal", text);

  experiment::TabulationResult r;
  REQUIRE_NOTHROW(r = experiment::tabulate(tabular_config(damaged)));
  CHECK(r.resumed == 11);
  CHECK(r.trained == 2);  // the two records the interleaving destroyed
  CHECK(r.complete);      // the record outside the plan does not count
  const auto j = damaged + ".journal:";
  const std::vector<std::string> expected = {
      j + "3: not a JSON line",
      j + "4: not a JSON line",
      j + "5: architecture 15 (" + tabular_config("").source_options.space->to_string(15) +
          ") with seed 0 is not in this tabulation's plan",
      j + "6: seed 7 is not one of this tabulation's seeds (0, 1)",
      j + "7: architecture 15625 is outside the space (expected 0..15624)",
      j + "8: valid_acc at epoch 2 is 140 (expected a number in [0, 100] or null)",
      j + "9: train_loss at epoch 1 is -1 (expected a number >= 0 or null)",
      j + "10: train_time at epoch 3 is 0 (expected a number > 0 or null)",
      j + "11: params is -3 (expected a number > 0 or null)",
      j + "12: valid_loss has 2 values (expected 3, one per epoch trained)",
      j + "13: test_acc at epoch 3 is \"x\" (expected a number in [0, 100] or null)",
      j + "14: epochs is 5 (expected 3, or 1..3 for a diverged training)",
      j + "15: no train_loss series",
      j + "16: expected a record with arch, seed, epochs, diverged, params and series",
      j + "18: a second record of architecture " + std::to_string(arch4) + " with seed " +
          std::to_string(seed4) + " (the first is line 17)",
  };
  REQUIRE(r.rejected.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    CHECK_THAT(r.rejected[i], Catch::StartsWith(expected[i]));
  // The bad lines, moved aside as they were; the journal holds the settings and every training.
  std::vector<std::string> bad;
  for (std::size_t line : {3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18})
    bad.push_back(text[line - 1]);
  CHECK(read_lines(damaged + ".journal.rejected") == bad);
  CHECK(lines(damaged + ".journal") == 14);
  require_same_results(bench::Benchmark::open(whole), bench::Benchmark::open(damaged));

  // Clean now: a rerun sets nothing aside and trains nothing; the rejected lines stay.
  r = experiment::tabulate(tabular_config(damaged));
  CHECK(r.rejected.empty());
  CHECK(r.trained == 0);
  CHECK(r.resumed == 13);
  CHECK(read_lines(damaged + ".journal.rejected") == bad);
}

TEST_CASE("A diverged training's record, shorter than the schedule, is kept", "[tabulate]") {
  testing::TempDir dir("tabulate-diverged");
  const auto out = dir.file("t.nasbench");
  REQUIRE(experiment::tabulate(tabular_config(out)).complete);
  auto journal = read_lines(out + ".journal");
  // As the live source records one: stopped in epoch 2 of 3 by a non-finite loss (null).
  auto r = nlohmann::json::parse(journal[5]);
  r["diverged"] = true;
  r["epochs"] = 2;
  for (auto& [name, values] : r["series"].items()) values.erase(2);
  r["series"]["train_loss"][1] = nullptr;
  journal[5] = r.dump();
  write_lines(out + ".journal", journal);
  const auto resumed = experiment::tabulate(tabular_config(out));
  CHECK(resumed.rejected.empty());
  CHECK(resumed.trained == 0);
  CHECK(resumed.complete);
  CHECK(bench::Benchmark::open(out).meta()["diverged"] == 1);
}

TEST_CASE("A journal of other settings, or with no settings line, is refused as such",
          "[tabulate]") {
  testing::TempDir dir("tabulate-header");
  const auto out = dir.file("t.nasbench");
  REQUIRE(experiment::tabulate(tabular_config(out)).complete);
  auto journal = read_lines(out + ".journal");

  write_lines(out + ".journal", {journal.begin() + 1, journal.end()});
  CHECK_THAT(testing::error_of([&] { experiment::tabulate(tabular_config(out)); }),
             Catch::Contains(out + ".journal has no settings header line (its line 1 is a "
                                   "training record)"));
  write_lines(out + ".journal", {"garbage"});
  CHECK_THAT(testing::error_of([&] { experiment::tabulate(tabular_config(out)); }),
             Catch::Contains(out + ".journal has no settings header line"));

  write_lines(out + ".journal", journal);
  auto other = tabular_config(out);
  other.extra_seeds = {};
  CHECK_THAT(testing::error_of([&] { experiment::tabulate(other); }),
             Catch::Contains(out + ".journal belongs to a tabulation with other settings") &&
                 Catch::Contains("extra_seeds") && Catch::Contains("items"));
  CHECK(read_lines(out + ".journal") == journal);  // left as it was
}

TEST_CASE("A time limit that stops the tabulation is reported as such", "[tabulate]") {
  testing::TempDir dir("tabulate-time-limit");
  auto c = tabular_config(dir.file("t.nasbench"));
  c.time_limit_s = 1e-9;  // over before the first training starts
  auto r = experiment::tabulate(c);
  CHECK_FALSE(r.complete);
  CHECK(r.stopped_by_time_limit);
  CHECK(r.trained == 0);
  c.time_limit_s = 0;
  r = experiment::tabulate(c);
  CHECK(r.complete);
  CHECK_FALSE(r.stopped_by_time_limit);
}

#ifdef NASRUN_HAVE_LIVE

namespace {

std::vector<std::string> tabulate_args(const std::string& data, const std::string& out) {
  return {"tabulate", "--out", out, "--dataset", "cifar10", "--archs", "sample:10",
          "--extra-seeds", "1", "--extra-fraction", "0.3", "--workers", "2",
          "--source-option", "data_dir=" + data, "--source-option", "epochs=2",
          "--source-option", "channels=4", "--source-option", "cells=1",
          "--source-option", "image_size=16", "--source-option", "train_subset=128",
          "--source-option", "valid_subset=64", "--source-option", "test_subset=64",
          "--source-option", "batch=64", "--source-option", "augment=false", "--proxies"};
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

// Waits (at most two minutes) until the journal has at least `n` lines; returns how many it has.
std::size_t wait_for_lines(const std::string& journal, std::size_t n) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (lines(journal) < n && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return lines(journal);
}

}  // namespace

TEST_CASE("Two nas-bench tabulations on one --out: the second is refused, the first unharmed",
          "[live][tabulate][file-lock]") {
  testing::TempDir dir("tabulate-two");
  const auto data = testing::make_fake_cifar("tabulate-two", 64, 64);
  const auto out = dir.file("x.nasbench");
  const pid_t first = spawn(tabulate_args(data, out));
  // Its journal exists once it holds the lock; stopped there, it holds it for certain.
  REQUIRE(wait_for_lines(out + ".journal", 1) >= 1);
  kill(first, SIGSTOP);
  int status = 0;
  REQUIRE(waitpid(first, &status, WNOHANG) == 0);
  std::string args;
  for (const auto& a : tabulate_args(data, out)) args += " '" + a + "'";
  const auto second = testing::run_program("nas-bench", args);
  INFO(second.output);
  CHECK(second.status != 0);
  CHECK_THAT(second.output, Catch::Contains(out + ".journal is in use by another tabulation (pid " +
                                            std::to_string(first) + ")"));
  kill(first, SIGCONT);
  REQUIRE(wait_for(first) == 0);
  // Every training once: 10 + 3 records and the settings.
  const auto journal = read_lines(out + ".journal");
  CHECK(journal.size() == 14);
  CHECK(std::set<std::string>(journal.begin(), journal.end()).size() == 14);
  CHECK_FALSE(fs::exists(out + ".lock"));
  std::filesystem::remove_all(data);
}

TEST_CASE("nas-bench tabulate says the time limit stopped it only when one did",
          "[live][tabulate]") {
  testing::TempDir dir("tabulate-limit");
  const auto data = testing::make_fake_cifar("tabulate-limit", 64, 64);
  std::string args;
  for (const auto& a : tabulate_args(data, dir.file("x.nasbench"))) args += " '" + a + "'";
  auto r = testing::run_program("nas-bench", args + " --time-limit 0.001s");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("(stopped by the time limit with ") &&
                           Catch::Contains(" trainings left: rerun to continue)"));
  r = testing::run_program("nas-bench", args);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("13 planned\n") && !Catch::Contains("time limit"));
  std::filesystem::remove_all(data);
}

TEST_CASE("A proxy of -inf is journaled as \"-inf\" and stored as the worst value",
          "[live][tabulate][proxies]") {
  testing::TempDir dir("tabulate-all-none");
  const auto data = testing::make_fake_cifar("tabulate-all-none", 64, 64);
  // The cell of none but `none` edges: a network whose output ignores its input.
  const std::string all_none = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";
  std::ofstream(dir.file("archs.txt")) << all_none << "\n";
  auto args = tabulate_args(data, dir.file("none.nasbench"));
  args[6] = dir.file("archs.txt");  // --archs
  args.erase(args.begin() + 7, args.begin() + 11);  // no extra seeds
  REQUIRE(wait_for(spawn(args)) == 0);
  const auto journal = read_lines(dir.file("none.nasbench") + ".proxies.journal");
  REQUIRE(journal.size() == 2);
  CHECK(nlohmann::json::parse(journal[1])["proxies"]["jacov"][0] == "-inf");
  const auto bm = bench::Benchmark::open(dir.file("none.nasbench"));
  const auto arch = spaces::make_search_space("nb201")->parse(all_none);
  const auto& t = bm.tables().at(0);
  CHECK(t.proxy(bench::Proxy::Jacov, arch, {0}) == -std::numeric_limits<double>::infinity());
  CHECK(std::isfinite(t.proxy(bench::Proxy::Params, arch, {0})));
  std::filesystem::remove_all(data);
}

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
  CHECK(std::filesystem::exists(killed + ".lock"));  // left by the killed holder, but not locked

  REQUIRE(wait_for(spawn(tabulate_args(data, killed))) == 0);
  CHECK(lines(killed + ".journal") == 14);  // nothing trained twice
  CHECK_FALSE(std::filesystem::exists(killed + ".lock"));
  const auto a = bench::Benchmark::open(whole), b = bench::Benchmark::open(killed);
  require_same_results(a, b);
  CHECK(a.meta()["trainings"] == 13);
  CHECK(a.meta()["complete"] == true);
  // The proxies of every training, computed again after the kill, bit for bit.
  CHECK(a.meta()["proxies"]["records"] == 13);
  CHECK(a.tables().at(0).has_proxy(bench::Proxy::Synflow));
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

TEST_CASE("tabulate() replaces only its own output: a benchmark without its journal needs force",
          "[tabulate][bad-input]") {
  testing::TempDir dir("tabulate-own-output");
  const auto out = dir.file("t.nasbench");
  // A finished tabulation whose journal is gone, or an imported benchmark, at --out.
  testing::toy_builder().write(out);
  const auto before = common::read_file(out);
  CHECK_THAT(testing::error_of([&] { experiment::tabulate(tabular_config(out)); }),
             Catch::Contains("--out '" + out + "' exists and is not an earlier output of "
                             "nas-bench tabulate") && Catch::Contains("--force"));
  CHECK(common::read_file(out) == before);
  CHECK_FALSE(std::filesystem::exists(out + ".journal"));
  // With its journal beside it, the file is the tabulation's own: it resumes and replaces it.
  REQUIRE(experiment::tabulate(tabular_config(dir.file("u.nasbench"))).complete);
  REQUIRE(experiment::tabulate(tabular_config(dir.file("u.nasbench"))).resumed == 13);
  auto forced = tabular_config(out);
  forced.force = true;
  CHECK(experiment::tabulate(forced).complete);
  CHECK(common::read_file(out) != before);
  // An input is never replaced, not even with force.
  auto onto_input = tabular_config(dir.file("archs.txt"));
  onto_input.inputs = {{"--archs", dir.file("archs.txt")}};
  onto_input.force = true;
  std::ofstream(dir.file("archs.txt")) << "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|\n";
  CHECK_THAT(testing::error_of([&] { experiment::tabulate(onto_input); }),
             Catch::Contains("is the same file as the input --archs"));
}

TEST_CASE("tabulate --proxies journals the proxies and adds them to a finished tabulation "
          "without training again",
          "[proxies][tabulate]") {
  testing::TempDir dir("tabulate-proxies");
  auto c = tabular_config(dir.file("t.nasbench"));

  // First without proxies: the file has none, and there is no proxies' journal.
  REQUIRE(experiment::tabulate(c).complete);
  const auto trainings = read_lines(c.out + ".journal");
  CHECK_FALSE(fs::exists(c.out + ".proxies.journal"));
  CHECK_FALSE(bench::Benchmark::open(c.out).tables().at(0).has_proxy(bench::Proxy::Zen));

  // Then with them: only the proxies are computed; the trainings' journal is unchanged.
  c.proxies = true;
  const auto r = experiment::tabulate(c);
  CHECK(r.complete);
  CHECK(r.trained == 13);  // the items with something left to do: their proxies
  CHECK(read_lines(c.out + ".journal") == trainings);
  CHECK(lines(c.out + ".proxies.journal") == 14);  // settings + 13
  const auto bm = bench::Benchmark::open(c.out);
  const auto& t = bm.tables().at(0);
  std::size_t with_seed_1 = 0;
  for (std::size_t a = 0; a < 10; ++a)
    for (int s = 0; s < 2; ++s) {
      if (!t.seed_present(a, s)) continue;
      with_seed_1 += s;
      for (auto p : bench::all_proxies()) {
        CHECK(t.proxy(p, a, {s}) == small_table_proxy(p, a, s));
        CHECK(t.proxy_time(p, a, {s}) == 0.01);
      }
    }
  CHECK(with_seed_1 == 3);
  CHECK(bm.meta()["proxies"]["records"] == 13);

  // Rerun: nothing left to do, the same data.
  const auto data = testing::split_file(common::read_file(c.out)).data;
  CHECK(experiment::tabulate(c).trained == 0);
  CHECK(testing::split_file(common::read_file(c.out)).data == data);

  // A damaged line of the proxies' journal is set aside and its proxies computed again.
  auto journal = read_lines(c.out + ".proxies.journal");
  journal[2] = R"({"arch":1,"seed":0,"proxies":{"params":["many",1]}})";
  write_lines(c.out + ".proxies.journal", journal);
  const auto resumed = experiment::tabulate(c);
  CHECK(resumed.trained == 1);
  REQUIRE(resumed.rejected.size() == 1);
  CHECK_THAT(resumed.rejected[0], Catch::Contains(".proxies.journal:3: "));
  CHECK(testing::split_file(common::read_file(c.out)).data == data);
}
