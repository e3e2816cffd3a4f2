// The command-line programs as a user runs them: output, exit status, files left behind.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/file_io.hpp"
#include "live_fake_data.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;

namespace {

nasrun::testing::ProgramResult run(const std::string& program, const std::string& args) {
  return nasrun::testing::run_program(program, args);
}

std::string toy_benchmark(const nasrun::testing::TempDir& dir) {
  const auto path = dir.file("toy.nasbench");
  nasrun::testing::toy_builder().write(path);
  return path;
}

}  // namespace

TEST_CASE("nas-bench: help, info and query", "[cli]") {
  nasrun::testing::TempDir dir("cli-bench");
  const auto bench = toy_benchmark(dir);
  auto r = run("nas-bench", "--help");
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("nas-bench import"));
  r = run("nas-bench", "info " + bench + " --json");
  REQUIRE(r.status == 0);
  const auto info = nlohmann::json::parse(r.output);
  CHECK(info["architectures"] == 15625);
  CHECK(info["classes"] == 6466);
  CHECK(info["tables"][0]["metrics"]["train_loss"]["missing"] == 0);
  CHECK(info["tables"][0]["training_runs"] == 2 * 15625 - 1);
  CHECK(info["tables"][0]["stored_results"] == 15625);
  CHECK(info["tables"][0]["classes_with_results"] == 6466);
  r = run("nas-bench", "query " + bench + " --index 96 --dataset toy --seed 2 --json");
  REQUIRE(r.status == 0);
  const auto q = nlohmann::json::parse(r.output);
  CHECK(q["curves"]["train_loss"][3].get<double>() == Approx(97.0 / 4 + 1));
  CHECK(q["final"]["test_acc"].get<double>() == Approx(60 + 96 % 31 + 1));
  r = run("nas-bench", "query " + bench + " --arch '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|' --dataset toy");
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("index 0"));
}

TEST_CASE("nas-bench: bad input is a clear error and a non-zero exit", "[cli]") {
  nasrun::testing::TempDir dir("cli-bench-bad");
  const auto bench = toy_benchmark(dir);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"frobnicate", "unknown command 'frobnicate'"},
      {"", "no command given"},
      {"info " + dir.file("absent.nasbench"), "cannot open"},
      {"query " + bench + " --index 99999 --dataset toy", "--index 99999 is out of range"},
      {"query " + bench + " --index 1 --dataset cifar10", "no table for dataset 'cifar10'"},
      {"query " + bench + " --arch '|bad|' --dataset toy", "invalid NAS-Bench-201 architecture string"},
      {"query " + bench + " --index 1 --dataset ''", "query needs --dataset"},
      {"query " + bench + " --index 0 --dataset toy --seed 2", "has no run of seed 2"},
      {"query " + bench + " --index 1 --dataset toy --seed 5", "no training seed 5"},
      {"query " + bench + " --index x --dataset toy", "index"},
      {"import --out " + dir.file("x.nasbench"), "exactly one of --nats-dir"},
      {"import --nb201-csv " + dir.file("absent.csv") + " --out " + dir.file("x.nasbench"), "cannot open"},
      {"import --nats-dir " + dir.path().string() + " --out " + dir.file("x.nasbench"), "meta.pickle.pbz2: missing"},
  };
  for (const auto& [args, message] : cases) {
    INFO(args);
    const auto r = run("nas-bench", args);
    CHECK(r.status != 0);
    CHECK_THAT(r.output, Catch::Contains(message));
  }
  CHECK_FALSE(fs::exists(dir.file("x.nasbench")));
}

TEST_CASE("nas-run: a study on a benchmark, its files, and a resumed rerun", "[cli]") {
  nasrun::testing::TempDir dir("cli-run");
  const auto bench = toy_benchmark(dir);
  const auto out = dir.file("study");
  const std::string args = "--benchmark " + bench + " --strategy re,rs --evaluator sotle,val-final --T 3 --seeds 3 --budget 2h --out " + out;
  auto r = run("nas-run", args + " --plot");
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("[12/12 runs]"));
  CHECK_THAT(r.output, Catch::Contains("final incumbent err"));
  for (const char* f : {"config.json", "summary.json", "results.csv", "figure.png", "figure.svg", "traces/re__sotle__run000.csv"})
    CHECK(fs::exists(fs::path(out) / f));
  // The figure shows what a search returns, the incumbent's test error, unless asked otherwise.
  CHECK_THAT(nasrun::common::read_file(out + "/figure.gp"), Catch::Contains("incumbent's test error"));
  const auto summary = nlohmann::json::parse(nasrun::common::read_file(out + "/summary.json"));
  CHECK(summary["combinations"].size() == 4);
  CHECK(summary["combinations"][0]["runs"] == 3);
  // A rerun reuses the traces on disk and gives the same summary.
  const auto before = summary["combinations"].dump();
  const auto results_before = nasrun::common::read_file(out + "/results.csv");
  CHECK_THAT(results_before, Catch::StartsWith("strategy,evaluator,runs,evaluations_per_run,"));
  fs::remove(fs::path(out) / "traces/rs__val-final__run001.csv");
  r = run("nas-run", args + " --threads 1");
  REQUIRE(r.status == 0);
  CHECK(nlohmann::json::parse(nasrun::common::read_file(out + "/summary.json"))["combinations"].dump() == before);
  CHECK(nasrun::common::read_file(out + "/results.csv") == results_before);
  // Another configuration in the same folder is refused.
  r = run("nas-run", args + " --seed 5");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("another configuration"));
}

TEST_CASE("nas-run: T and the budget default to the benchmark's schedule and costs", "[cli]") {
  nasrun::testing::TempDir dir("cli-run-defaults");
  const auto bench = toy_benchmark(dir);
  const auto out = dir.file("study");
  // The toy's 10 epochs train in 11..20 s and validate in 1 s: a full training costs 156 s for
  // every cell. T defaults to a quarter of the schedule (3 of 10; 50 of 200 for NAS-Bench-201),
  // the budget to 150 median full trainings.
  const auto r = run("nas-run", "--benchmark " + bench + " --seeds 1 --out " + out);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("budget: 150 full trainings of 156 s"));
  CHECK_THAT(r.output, Catch::Contains("T = 3 of 10 epochs"));
  const auto config = nlohmann::json::parse(nasrun::common::read_file(out + "/config.json"));
  CHECK(config["T"] == 3);
  CHECK(config["budget"] == "150x");
  CHECK(config["budget_s"] == 150.0 * 156);
  // The paper's accounting charges training only: 155 s per full training.
  const auto r2 = run("nas-run", "--benchmark " + bench + " --seeds 1 --budget 2x --T 5 "
                      "--train-time-only --plot --plot-curve best-seen --out " + dir.file("study2"));
  REQUIRE(r2.status == 0);
  CHECK_THAT(nasrun::common::read_file(dir.file("study2") + "/figure.gp"), Catch::Contains("best test error seen"));
  const auto config2 = nlohmann::json::parse(nasrun::common::read_file(dir.file("study2") + "/config.json"));
  CHECK(config2["T"] == 5);
  CHECK(config2["budget_s"] == 2.0 * 155);
}

TEST_CASE("nas-run: bad options name the option and what was expected", "[cli]") {
  nasrun::testing::TempDir dir("cli-run-bad");
  const auto bench = toy_benchmark(dir);
  const std::string base = "--benchmark " + bench + " --out " + dir.file("o") + " ";
  {
    // Run 0 has three initial architectures, run 1 only two.
    std::ofstream tsv(dir.file("short.tsv"));
    const char* ops[] = {"none", "skip_connect", "nor_conv_1x1"};
    tsv << "seed\tposition\tarch\n";
    for (int seed = 0; seed < 2; ++seed)
      for (int p = 0; p < 3 - seed; ++p)
        tsv << seed << '\t' << p << "\t|" << ops[p] << "~0|+|none~0|none~1|+|none~0|none~1|none~2|\n";
  }
  std::vector<std::pair<std::string, std::string>> cases = {
      {"--strategy foo", "unknown strategy 'foo' (expected one of:"},
      {"--evaluator bar", "unknown evaluator 'bar' (expected one of:"},
      {"--source oracle", "unknown curve source 'oracle'"},
      {"--strategy re,,rs", "has an empty item"},
      {"--seeds 0", "--seeds must be at least 1"},
      {"--seeds -3", "--seeds must be at least 1"},
      {"--workers 0", "--workers must be at least 1"},
      {"--threads -1", "--threads must be 0"},
      {"--budget 0h", "--budget: invalid duration '0h'"},
      {"--budget soon", "--budget: invalid duration 'soon'"},
      {"--budget 0x", "--budget: invalid budget '0x'"},
      {"--plot-curve best", "--plot-curve must be incumbent or best-seen, got 'best'"},
      {"--T 0", "--T must be at least 1"},
      {"--T 11", "--T 11 is outside the schedule's 1..10 epochs"},
      {"--E 0", "E must be at least 1"},
      {"--evaluator sotl,val-final --E 3", "--E sets the window of sotle and sovl-e, and none of the evaluators (sotl,val-final) takes one"},
      {"--seeds 2 --n-init 3 --init-file " + dir.file("short.tsv"), "lists 2 architectures for run 1, fewer than the 3"},
      {"--dataset cifar10", "no table for dataset 'cifar10'"},
      {"--data-seed often", "invalid seed policy 'often'"},
      {"--truth-seed random", "truth policy must be 'mean' or a fixed seed"},
      {"--init-file " + dir.file("absent.tsv"), "cannot open"},
      {"--source-option x", "is not of the form key=value"},
      {"--seeds", "seeds"},
      {"--no-such-option", "unrecognised option"},
  };
  // Live training records no times beforehand to take a median of (checked without loading it).
  cases.emplace_back("--source live", "--budget 150x counts full trainings of the median architecture");
  for (const auto& [args, message] : cases) {
    INFO(args);
    const auto r = run("nas-run", base + args);
    CHECK(r.status != 0);
    CHECK_THAT(r.output, Catch::Contains(message));
  }
  CHECK_FALSE(fs::exists(dir.file("o") + "/summary.json"));
  const auto r = run("nas-run", "--benchmark " + dir.file("absent.nasbench"));
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("absent.nasbench"));
  const auto help = run("nas-run", "--help");
  CHECK(help.status == 0);
  for (const char* name : {"--strategy", "--evaluator", "--budget", "--init-file", "--workers", "tpe", "sotle", "val-hp12", "tabular"})
    CHECK_THAT(help.output, Catch::Contains(name));
}

#ifdef NASRUN_HAVE_LIVE
TEST_CASE("nas-run with live training and a tiny budget runs end to end", "[cli][live]") {
  nasrun::testing::TempDir dir("cli-live");
  const auto data = nasrun::testing::make_fake_cifar("cli", 64, 64);
  const std::string opts =
      " --source-option data_dir=" + data +
      " --source-option channels=4 --source-option cells=1 --source-option image_size=16"
      " --source-option epochs=3 --source-option train_subset=128 --source-option valid_subset=64"
      " --source-option test_subset=64 --source-option batch=64 --source-option augment=false";
  const auto r = run("nas-run", "--source live --dataset cifar10 --strategy re --evaluator sotle,val-final"
                                " --T 1 --seeds 2 --budget 2s --n-init 2 --out " + dir.file("study") + opts);
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto summary = nlohmann::json::parse(nasrun::common::read_file(dir.file("study") + "/summary.json"));
  REQUIRE(summary["combinations"].size() == 2);
  for (const auto& c : summary["combinations"]) {
    CHECK(c["evaluations_per_run"]["mean"].get<double>() >= 1);
    // Real test errors of real trainings: a percentage.
    const double err = c["final_incumbent_test_error"]["mean"].get<double>();
    CHECK(err >= 0);
    CHECK(err <= 100);
  }
  std::filesystem::remove_all(data);
}
#endif

TEST_CASE("nas-run: the default benchmark comes from the data folder and must be complete", "[cli]") {
  nasrun::testing::TempDir dir("cli-default-benchmark");
  auto builder = nasrun::testing::toy_builder();
  builder.meta()["complete"] = false;
  builder.meta()["trainings"] = 5;
  builder.meta()["trainings_planned"] = 9;
  builder.write(dir.file("fashion-mnist-nb201.nasbench"));
  const std::string env = "NASRUN_DATA_DIR=" + dir.path().string() + " ";
  const std::string args = "--T 3 --seeds 1 --out " + dir.file("o");
  auto r = nasrun::testing::run_program("nas-run", args, env);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("is incomplete (5 of 9 trainings)"));
  // Complete, it is what nas-run searches when no --benchmark is given.
  builder.meta()["complete"] = true;
  builder.write(dir.file("fashion-mnist-nb201.nasbench"));
  r = nasrun::testing::run_program("nas-run", args, env);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("re       sotle"));
}

TEST_CASE("nas-run refuses a table that lacks architectures before it writes anything", "[cli]") {
  // A search may propose any cell, so a tabulation stopped early (or one of a sample) would end
  // the study at the first cell it lacks; a duration budget does not need the median cost.
  nasrun::testing::TempDir dir("cli-partial");
  nasrun::testing::toy_builder(15000).write(dir.file("partial.nasbench"));
  const auto r = run("nas-run", "--benchmark " + dir.file("partial.nasbench") +
                                    " --budget 1h --seeds 1 --out " + dir.file("o"));
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("table toy@10 has results for 15000 of the space's 15625 "
                                       "architectures, and a search may propose any of them"));
  CHECK_FALSE(fs::exists(dir.file("o")));
}

TEST_CASE("nas-run warns when an evaluator reads the number it is judged by", "[cli]") {
  // A table without a test split: its truth is the final validation accuracy, which val-final
  // reads too; val-early (epoch T) and sotle (training loss) read other numbers.
  nasrun::testing::TempDir dir("cli-truth");
  std::vector<nasrun::spaces::ArchCode> codes(15625);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i;
  nasrun::bench::BenchmarkBuilder builder("nb201", codes);
  auto& table = builder.add_table("notest", "4", 4, {1, 2, 3, 4}, {0}, nasrun::bench::Metric::ValidAcc);
  for (std::size_t c = 0; c < codes.size(); ++c)
    for (int e = 1; e <= 4; ++e) {
      table.set(nasrun::bench::Metric::TrainLoss, c, 0, e, 1.0 + static_cast<double>(c % 13) / e);
      table.set(nasrun::bench::Metric::ValidAcc, c, 0, e, 50.0 + static_cast<double>(c % 41) + e);
      table.set(nasrun::bench::Metric::TrainTime, c, 0, e, 1.0);
    }
  builder.write(dir.file("notest.nasbench"));
  const auto r = run("nas-run", "--benchmark " + dir.file("notest.nasbench") +
                                    " --evaluator val-final,val-early,sotle --T 2 --seeds 1 --out " +
                                    dir.file("o"));
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("warning: notest's truth is valid_acc (the table has no test "
                                       "split), which val-final reads too"));
  CHECK_THAT(r.output, !Catch::Contains("which val-early") && !Catch::Contains("which sotle"));
}

TEST_CASE("nas-run: multi-fidelity strategies beside single-fidelity ones, thread-independent",
          "[cli][multifidelity]") {
  nasrun::testing::TempDir dir("cli-run-multifidelity");
  const auto bench = toy_benchmark(dir);
  const std::string args = "--benchmark " + bench +
                           " --strategy re,sh,hyperband,asha,asha-stop,bohb,one-epoch-topk"
                           " --evaluator sotle --T 3 --seeds 3 --budget 2h --workers 4"
                           " --target-error 30";
  auto r = run("nas-run", args + " --threads 2 --out " + dir.file("a"));
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto config = nlohmann::json::parse(nasrun::common::read_file(dir.file("a/config.json")));
  CHECK(config["fidelity"]["max_epochs"] == 10);
  // Rungs reach more than one fidelity, and continued rows cost less than a fresh training to
  // their epochs would (11 + ... + (10 + epochs) seconds).
  const auto trace = nasrun::common::read_file(dir.file("a/traces/hyperband__sotle__run000.csv"));
  CHECK_THAT(trace, Catch::Contains(",10,"));
  const auto results = nasrun::common::read_file(dir.file("a/results.csv"));
  CHECK_THAT(results, Catch::Contains("final_incumbent_test_error_ci95_low"));
  CHECK_THAT(results, Catch::Contains("time_to_target_median_s"));
  r = run("nas-run", args + " --threads 1 --out " + dir.file("b"));
  REQUIRE(r.status == 0);
  CHECK(nasrun::common::read_file(dir.file("b/results.csv")) == results);
  for (const char* strategy : {"sh", "hyperband", "asha", "asha-stop", "bohb", "one-epoch-topk"})
    CHECK(nasrun::common::read_file(dir.file(std::string("b/traces/") + strategy +
                                             "__sotle__run002.csv")) ==
          nasrun::common::read_file(dir.file(std::string("a/traces/") + strategy +
                                             "__sotle__run002.csv")));
}
