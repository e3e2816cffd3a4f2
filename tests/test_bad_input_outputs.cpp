// Bad input that used to lose data or give wrong results without a word (issue 21): outputs
// that replace inputs, stray and loosely parsed arguments, repeated list items, resumed traces
// that belong elsewhere, output that was not written, unbounded counts, leftovers of failed or
// killed runs. Each case reproduces what a user met, through the programs where a user meets it.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "common/file_io.hpp"
#include "common/numbers.hpp"
#include "evaluators/curve_source.hpp"
#include "evaluators/evaluator.hpp"
#include "run/budget_tracker.hpp"
#include "run/search_run.hpp"
#include "search/strategy.hpp"
#include "study/plot.hpp"
#include "study/study_output.hpp"
#include "test_support.hpp"

using namespace nasrun;
namespace fs = std::filesystem;

namespace {

void spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string slurp(const std::string& path) { return common::read_file(path); }

testing::ProgramResult run(const std::string& program, const std::string& args) {
  return testing::run_program(program, args);
}

// A shell command line's status and its standard error (standard output goes where `args`
// sends it).
testing::ProgramResult run_shell(const std::string& line) {
  FILE* p = popen(("bash -c '" + line + "' 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::string program(const std::string& name) { return std::string(NASRUN_BINARY_DIR) + "/" + name; }

const char* kCsvHeader =
    "index,arch,dataset,seed,valid_acc,test_acc,valtest_acc,train_time_s,params_m\n";
const char* kCsvRow =
    "0,|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,cifar100,777,50,51,52,100,0.1\n";

// Every NB201 cell, 4 epochs of training losses, test accuracies and times, and no validation
// accuracy: the metric absent, or present with every value missing.
void write_without_validation(const std::string& path, bool with_empty_valid_acc) {
  std::vector<spaces::ArchCode> codes(15625);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i;
  bench::BenchmarkBuilder b("nb201", codes);
  auto& t = b.add_table("toy", "4", 4, {1, 2, 3, 4}, {0}, bench::Metric::TestAcc);
  for (std::size_t c = 0; c < codes.size(); ++c)
    for (int e = 1; e <= 4; ++e) {
      t.set(bench::Metric::TrainLoss, c, 0, e, 1.0 + static_cast<double>(c % 7) / e);
      if (with_empty_valid_acc) t.set(bench::Metric::ValidAcc, c, 0, e, NAN);
      t.set(bench::Metric::TestAcc, c, 0, e, 60.0 + static_cast<double>(c % 13));
      t.set(bench::Metric::TrainTime, c, 0, e, 10);
    }
  b.write(path);
}

std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// 2. An output never replaces an input, nor a file that is not the command's own earlier output

TEST_CASE("nas-rank --out naming its own --benchmark, by any path, is refused", "[bad-input][cli]") {
  testing::TempDir dir("out-is-input-rank");
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  fs::create_symlink(bench, dir.file("link.csv"));
  const auto before = slurp(bench);
  for (const auto& out : {bench, dir.file("link.csv"), dir.path().string() + "/./toy.nasbench"}) {
    const auto r = run("nas-rank", "--benchmark " + bench + " --out " + out + " --T 2");
    INFO(r.output);
    CHECK(r.status != 0);
    CHECK_THAT(r.output, Catch::Contains("is the same file as the input --benchmark"));
    // Not even --force replaces an input.
    CHECK(run("nas-rank", "--benchmark " + bench + " --out " + out + " --T 2 --force").status != 0);
  }
  CHECK(slurp(bench) == before);
  // Its --plot files may not be the input either.
  fs::copy_file(bench, dir.file("fig.png"));
  const auto r = run("nas-rank", "--benchmark " + dir.file("fig.png") + " --out " +
                                     dir.file("fig.csv") + " --T 2 --plot");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("--plot '" + dir.file("fig.png") + "' is the same file"));
}

TEST_CASE("nas-rank replaces its own earlier CSV, and nothing else without --force", "[bad-input][cli]") {
  testing::TempDir dir("out-earlier-rank");
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  const auto out = dir.file("rank.csv");
  const std::string args = "--benchmark " + bench + " --out " + out + " --T 2 --estimators sotle";
  REQUIRE(run("nas-rank", args).status == 0);
  const auto first = slurp(out);
  CHECK(run("nas-rank", args).status == 0);  // a rerun replaces its own output
  CHECK(slurp(out) == first);
  spit(out, "notes I keep here\n");
  const auto r = run("nas-rank", args);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("exists and is not an earlier output of nas-rank") &&
                           Catch::Contains("--force"));
  CHECK(slurp(out) == "notes I keep here\n");
  CHECK(run("nas-rank", args + " --force").status == 0);
  CHECK(slurp(out) == first);
}

TEST_CASE("nas-bench import --out naming its input CSV, or a file it did not write", "[bad-input][cli]") {
  testing::TempDir dir("out-is-input-import");
  const auto csv = dir.file("table.csv");
  spit(csv, std::string(kCsvHeader) + kCsvRow);
  auto r = run("nas-bench", "import --nb201-csv " + csv + " --out " + csv);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("--out '" + csv + "' is the same file as the input --nb201-csv"));
  fs::create_hard_link(csv, dir.file("hard.nasbench"));
  r = run("nas-bench", "import --nb201-csv " + csv + " --out " + dir.file("hard.nasbench") + " --force");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("is the same file as the input"));
  CHECK(slurp(csv) == std::string(kCsvHeader) + kCsvRow);

  // A tabulated benchmark is not an import's earlier output: kept unless --force.
  const auto tabulated = dir.file("tabulated.nasbench");
  auto builder = testing::toy_builder();
  builder.meta()["source"] = "nas-bench tabulate";
  builder.write(tabulated);
  const auto before = slurp(tabulated);
  r = run("nas-bench", "import --nb201-csv " + csv + " --out " + tabulated);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("exists and is not an earlier output of nas-bench import"));
  CHECK(slurp(tabulated) == before);
  // An earlier import is replaced by a rerun.
  const auto imported = dir.file("imported.nasbench");
  REQUIRE(run("nas-bench", "import --nb201-csv " + csv + " --out " + imported).status == 0);
  CHECK(run("nas-bench", "import --nb201-csv " + csv + " --out " + imported).status == 0);
  CHECK(run("nas-bench", "import --nb201-csv " + csv + " --out " + tabulated + " --force").status == 0);
  // A folder, or a file in a folder that does not exist.
  r = run("nas-bench", "import --nb201-csv " + csv + " --out " + dir.path().string());
  CHECK_THAT(r.output, Catch::Contains("is a folder (expected the path of a file)"));
  r = run("nas-bench", "import --nb201-csv " + csv + " --out " + dir.file("no/such.nasbench"));
  CHECK_THAT(r.output, Catch::Contains("does not exist"));
}

TEST_CASE("nas-run --out: a file, a folder of other files, a folder holding its inputs", "[bad-input][cli]") {
  testing::TempDir dir("out-run");
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  const std::string study = "--benchmark " + bench + " --seeds 1 --budget 1h --T 2 --strategy rs ";
  auto r = run("nas-run", study + "--out " + bench);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("is not a folder"));
  fs::create_directories(dir.path() / "papers");
  spit(dir.file("papers/results.csv"), "mine\n");
  r = run("nas-run", study + "--out " + dir.file("papers"));
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("holds files but no nas-run study") && Catch::Contains("--force"));
  CHECK(slurp(dir.file("papers/results.csv")) == "mine\n");
  CHECK(listing(dir.path() / "papers") == std::vector<std::string>{"results.csv"});
  // The benchmark under an output's name in the folder.
  fs::create_directories(dir.path() / "study");
  fs::copy_file(bench, dir.file("study/summary.json"));
  r = run("nas-run", study.substr(study.find(" --seeds")) + " --benchmark " +
                         dir.file("study/summary.json") + " --out " + dir.file("study") + " --force");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("is the same file as the input --benchmark"));
  r = run("nas-run", study + "--out " + dir.file("papers") + " --force");
  INFO(r.output);
  CHECK(r.status == 0);
}

// ---------------------------------------------------------------------------------------------
// 3, 4, 5. Stray arguments, numbers as documented, lists without repeats

TEST_CASE("Stray positional arguments are refused by every program", "[bad-input][cli]") {
  testing::TempDir dir("stray");
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  const std::string b = "--benchmark " + bench + " --out " + dir.file("out") + " ";
  auto r = run("nas-run", b + "--seeds 1 --T 2 --budget 150 h");
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Catch::Contains("unexpected argument 'h' after '--budget 150'"));
  CHECK_FALSE(fs::exists(dir.file("out")));
  r = run("nas-run", "stray " + b);
  CHECK_THAT(r.output, Catch::Contains("unexpected argument 'stray'"));
  r = run("nas-rank", "--benchmark " + bench + " --out " + dir.file("r.csv") + " --T 2 3");
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Catch::Contains("unexpected argument '3' after '--T 2'"));
  r = run("nas-bench", "import --nb201-csv " + bench + " --out " + dir.file("x.nasbench") + " --force yes");
  CHECK_THAT(r.output, Catch::Contains("unexpected argument 'yes'"));
  r = run("nas-bench", "info " + bench + " " + bench);
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Catch::Contains("unexpected argument '" + bench + "'"));
  r = run("nas-bench", "query " + bench + " --index 1 toy");
  CHECK_THAT(r.output, Catch::Contains("unexpected argument 'toy'"));
  // The file as the one positional argument still works.
  CHECK(run("nas-bench", "info " + bench).status == 0);
}

TEST_CASE("Numbers are decimal as documented: no hexadecimal, inf, nan, spaces or signs", "[bad-input]") {
  using common::parse_decimal_integer;
  using common::parse_decimal_real;
  for (const std::string bad : {"0x10", "0X1p4", "inf", "-inf", "nan", " 5", "5 ", "+5", "", "-",
                                ".", "1e", "1e+", "5h", "1,5", "1e999", "0x"}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(parse_decimal_real(bad));
  }
  for (const std::string bad : {"0x10", " 5", "+5", "5.0", "1e3", "", "-", "99999999999999999999"}) {
    INFO("'" << bad << "'");
    CHECK_FALSE(parse_decimal_integer(bad));
  }
  CHECK(*parse_decimal_real("150") == 150);
  CHECK(*parse_decimal_real("1.5e2") == 150);
  CHECK(*parse_decimal_real(".5") == 0.5);
  CHECK(*parse_decimal_real("5.") == 5);
  CHECK(*parse_decimal_real("-2E-1") == -0.2);
  CHECK(*parse_decimal_integer("-42") == -42);
  CHECK(*parse_decimal_integer("007") == 7);
  CHECK(common::parse_duration("1.5h") == 5400);
  CHECK_THROWS_WITH(common::parse_duration("0x10"), Catch::Contains("invalid duration '0x10'"));
  CHECK_THROWS_WITH(experiment::parse_budget("0x10x"), Catch::Contains("invalid budget '0x10x'"));

  testing::TempDir dir("hex");
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  const std::string b = "--benchmark " + bench + " --out " + dir.file("out") + " --T 2 ";
  for (const std::string budget : {"0x10", "0x10h", "0x1p4", "' 5h'", "+5h"}) {
    const auto r = run("nas-run", b + "--budget " + budget);
    INFO(r.output);
    CHECK(r.status == 2);
    CHECK_THAT(r.output, Catch::Contains("--budget: invalid duration"));
  }
  auto r = run("nas-bench", "tabulate --out " + dir.file("t.nasbench") + " --seeds 0x1");
  CHECK_THAT(r.output, Catch::Contains("--seeds '0x1': '0x1' is not an integer >= 0"));
}

TEST_CASE("Lists that name an item twice are refused", "[bad-input][cli]") {
  testing::TempDir dir("dup-lists");
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  const std::string b = "--benchmark " + bench + " --out " + dir.file("out") + " --T 2 --seeds 2 ";
  auto r = run("nas-run", b + "--strategy re,re");
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Catch::Contains("--strategy 're,re' names 're' twice"));
  r = run("nas-run", b + "--evaluator sotle,val-final,sotle");
  CHECK_THAT(r.output, Catch::Contains("--evaluator 'sotle,val-final,sotle' names 'sotle' twice"));
  CHECK_FALSE(fs::exists(dir.file("out")));
  r = run("nas-rank", "--benchmark " + bench + " --out " + dir.file("r.csv") + " --T 3,3");
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Catch::Contains("--T '3,3' names '3' twice"));
  r = run("nas-rank", "--benchmark " + bench + " --out " + dir.file("r.csv") + " --T 3,03");
  CHECK_THAT(r.output, Catch::Contains("--T '3,03' gives 3 twice"));
  r = run("nas-rank", "--benchmark " + bench + " --out " + dir.file("r.csv") + " --E-grid 1,1 --T 3");
  CHECK_THAT(r.output, Catch::Contains("--E-grid '1,1' names '1' twice"));
  CHECK_FALSE(fs::exists(dir.file("r.csv")));
}

// ---------------------------------------------------------------------------------------------
// 6. A resumed trace proves it belongs to this run and is complete

TEST_CASE("Resuming refuses traces that are swapped, cut, or from another study", "[bad-input][cli]") {
  testing::TempDir dir("resume-proof");
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  const auto out = dir.file("out");
  const std::string study = "--benchmark " + bench + " --out " + out +
                            " --strategy re,rs --seeds 3 --budget 2h --T 2 --threads 1";
  REQUIRE(run("nas-run", study).status == 0);
  const auto results = slurp(out + "/results.csv");
  const auto trace = [&](const std::string& s, int run) {
    return out + "/traces/" + s + "__sotle__run00" + std::to_string(run) + ".csv";
  };
  const auto re1 = slurp(trace("re", 1));

  SECTION("a trace of another run of the same study") {
    fs::copy_file(trace("re", 2), trace("re", 1), fs::copy_options::overwrite_existing);
    const auto r = run("nas-run", study);
    CHECK(r.status != 0);
    CHECK_THAT(r.output, Catch::Contains("re__sotle__run001.csv:1: the trace belongs to another "
                                         "run or study") &&
                             Catch::Contains("run=2") && Catch::Contains("run=1"));
    fs::copy_file(trace("rs", 1), trace("re", 1), fs::copy_options::overwrite_existing);
    CHECK_THAT(run("nas-run", study).output, Catch::Contains("strategy=rs"));
  }
  SECTION("a trace reduced to its completion marker, or cut in its rows") {
    const auto nl = re1.find('\n', re1.find('\n') + 1);
    spit(trace("re", 1), re1.substr(0, nl + 1) + re1.substr(re1.rfind("# complete")));
    auto r = run("nas-run", study);
    CHECK(r.status != 0);
    CHECK_THAT(r.output, Catch::Contains("does not match the 0 rows above it"));
    const auto last_row = re1.rfind('\n', re1.rfind("# complete") - 2);
    spit(trace("re", 1), re1.substr(0, last_row + 1) + re1.substr(re1.rfind("# complete")));
    r = run("nas-run", study);
    CHECK_THAT(r.output, Catch::Contains("the trace was cut or changed"));
  }
  SECTION("config.json deleted, then another command in the same folder") {
    fs::remove(out + "/config.json");
    const std::string other = "--benchmark " + bench + " --out " + out +
                              " --strategy re,rs --seeds 3 --budget 3h --T 2 --threads 1";
    auto r = run("nas-run", other);
    CHECK(r.status != 0);
    CHECK_THAT(r.output, Catch::Contains("holds files but no nas-run study"));
    r = run("nas-run", other + " --force");
    CHECK(r.status != 0);
    CHECK_THAT(r.output, Catch::Contains("the trace belongs to another run or study"));
    // The same command as before proves the traces its own again.
    r = run("nas-run", study + " --force");
    INFO(r.output);
    CHECK(r.status == 0);
    CHECK(slurp(out + "/results.csv") == results);
  }
  CHECK(slurp(out + "/results.csv") == results);
}

// ---------------------------------------------------------------------------------------------
// 7, 8. Output that could not be written is an error

TEST_CASE("Writing standard output to a full disk fails the program", "[bad-input][cli]") {
  testing::TempDir dir("full-stdout");
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  for (const std::string& args : {"query " + bench + " --dataset toy --index 3 --json",
                                  "info " + bench + " --json", "info " + bench}) {
    const auto r = run_shell(program("nas-bench") + " " + args + " >/dev/full");
    INFO(args << " -> " << r.output);
    CHECK(r.status == 1);
    CHECK_THAT(r.output, Catch::Contains("cannot write standard output: No space left on device"));
  }
  const auto r = run_shell(program("nas-run") + " --help >/dev/full");
  CHECK(r.status == 1);
  CHECK(run_shell(program("nas-bench") + " info " + bench + " >/dev/null").status == 0);
}

TEST_CASE("A figure on a full disk is an error and leaves no figure", "[bad-input]") {
  experiment::StudySummary summary;
  summary.grid_s = {3600, 7200};
  experiment::ComboSummary c;
  c.strategy = "re";
  c.evaluator = "sotle";
  c.runs = 1;
  c.incumbent_test_error = {{10, 0.5, 1}, {9, 0.5, 1}};
  c.best_test_error = c.incumbent_test_error;
  summary.combos = {c};
  testing::TempDir dir("full-plot");
  const auto stem = dir.file("figure");
  // The child may write files of at most 4 KiB, enough for the data and script but not the
  // images: as on a full disk, gnuplot's writes fail partway (EFBIG rather than ENOSPC).
  const pid_t child = fork();
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit {4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    try {
      experiment::plot_study(summary, stem, "t", experiment::PlottedQuantity::Incumbent);
    } catch (const std::runtime_error& e) {
      _exit(std::string(e.what()).find("incomplete") != std::string::npos ? 3 : 4);
    }
    _exit(0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 3);
  for (const char* ext : {".png", ".svg", ".png.tmp", ".svg.tmp"}) {
    INFO(ext);
    CHECK_FALSE(fs::exists(stem + ext));
  }
  // Where no gnuplot can be found, the message says what to install, and nothing is drawn.
  const pid_t without_gnuplot = fork();
  if (without_gnuplot == 0) {
    ::setenv("PATH", dir.file("no-programs-here").c_str(), 1);
    try {
      experiment::plot_study(summary, stem, "t", experiment::PlottedQuantity::Incumbent);
    } catch (const std::runtime_error& e) {
      _exit(std::string(e.what()).find("gnuplot-nox installed") != std::string::npos ? 3 : 4);
    }
    _exit(0);
  }
  ::waitpid(without_gnuplot, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 3);
  for (const char* ext : {".png", ".svg", ".png.tmp", ".svg.tmp"}) CHECK_FALSE(fs::exists(stem + ext));
  // Without the limit the same figure is drawn.
  experiment::plot_study(summary, stem, "t", experiment::PlottedQuantity::Incumbent);
  CHECK(fs::file_size(stem + ".png") > 4096);
  CHECK(fs::file_size(stem + ".svg") > 4096);
}

// ---------------------------------------------------------------------------------------------
// 11, 12, 13. Bounded counts; a failed start leaves nothing; leftovers of killed runs

TEST_CASE("Counts that size memory are bounded before anything is allocated", "[bad-input][cli]") {
  testing::TempDir dir("bounds");
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  const std::string b = "--benchmark " + bench + " --out " + dir.file("out") + " --T 2 ";
  auto r = run("nas-run", b + "--seeds 1000000000");
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Catch::Contains("makes 1000000000 runs; a study holds at most 100000"));
  r = run("nas-run", b + "--seeds 40000 --strategy re,rs,tpe");
  CHECK_THAT(r.output, Catch::Contains("--seeds 40000 with 3 strategy x evaluator combination(s) "
                                       "makes 120000 runs"));
  r = run("nas-run", b + "--n-init 1000000000000");
  CHECK_THAT(r.output, Catch::Contains("--n-init 1000000000000 is more than a run can hold"));
  r = run("nas-run", b + "--workers 2000000000");
  CHECK_THAT(r.output, Catch::Contains("--workers 2000000000 is more than a run can simulate"));
  CHECK_FALSE(fs::exists(dir.file("out")));
}

TEST_CASE("A study that fails to start leaves nothing, the corrected command then runs", "[bad-input][cli]") {
  testing::TempDir dir("failed-start");
  // Validation accuracies missing for every architecture: val-final fails at its first
  // evaluation, sotle (training losses) works.
  const auto bench = dir.file("novalid.nasbench");
  write_without_validation(bench, /*with_empty_valid_acc=*/true);
  const auto out = dir.file("out");
  const std::string base = "--benchmark " + bench + " --out " + out + " --seeds 2 --budget 1h --T 2 ";
  auto r = run("nas-run", base + "--evaluator val-final");
  INFO(r.output);
  CHECK(r.status != 0);
  CHECK_FALSE(fs::exists(out));
  r = run("nas-run", base + "--evaluator sotle");
  INFO(r.output);
  CHECK(r.status == 0);
}

TEST_CASE("Temporaries of killed runs are removed on resume, SIGTERM stops a study cleanly", "[bad-input][cli]") {
  testing::TempDir dir("signals");
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  const auto out = dir.file("out");
  const std::string study = "--benchmark " + bench + " --out " + out +
                            " --strategy rs --seeds 4000 --budget 10h --T 2 --threads 1";
  // Stopped at its first progress line (5% of the runs) by SIGTERM.
  const auto r = run_shell(program("nas-run") + " " + study + " >" + dir.file("log") +
                           " 2>&1 & pid=$!; for i in $(seq 600); do grep -q \"runs\\]\" " +
                           dir.file("log") + " && break; sleep 0.05; done; kill -TERM $pid; "
                           "wait $pid; echo exit=$?; cat " + dir.file("log"));
  INFO(r.output);
  CHECK_THAT(r.output, Catch::Contains("exit=143"));
  CHECK_THAT(r.output, Catch::Contains("stopping after the work in progress is saved"));
  CHECK_THAT(r.output, Catch::Contains("stopped by signal 15:") &&
                           Catch::Contains("runs are saved in " + out));
  const auto saved = listing(fs::path(out) / "traces").size();
  CHECK(saved >= 200);
  CHECK(saved < 4000);
  for (const auto& name : listing(out)) CHECK(name.find(".tmp.") == std::string::npos);

  // What a SIGKILL leaves: temporaries of a dead process, beside one of a live process.
  const pid_t dead = fork();
  if (dead == 0) _exit(0);
  ::waitpid(dead, nullptr, 0);
  const std::string stale = out + "/traces/rs__sotle__run3999.csv.tmp." + std::to_string(dead) + ".0";
  const std::string stale_old = out + "/summary.json.tmp." + std::to_string(dead);
  const std::string live = out + "/traces/x.csv.tmp." + std::to_string(::getpid()) + ".7";
  for (const auto& f : {stale, stale_old, live}) spit(f, "partial");
  const auto resumed = run("nas-run", study);
  INFO(resumed.output);
  CHECK(resumed.status == 0);
  CHECK_FALSE(fs::exists(stale));
  CHECK_FALSE(fs::exists(stale_old));
  CHECK(fs::exists(live));
  CHECK(listing(fs::path(out) / "traces").size() == 4001);  // 4000 traces and the live temporary
}

// ---------------------------------------------------------------------------------------------
// 15, 17. The real reason first; values that make no sense for the study

TEST_CASE("An evaluator the data cannot serve is reported before the budget", "[bad-input][cli]") {
  testing::TempDir dir("real-reason");
  const auto bench = dir.file("novalid.nasbench");
  write_without_validation(bench, /*with_empty_valid_acc=*/false);
  const auto r = run("nas-run", "--benchmark " + bench + " --out " + dir.file("out") +
                                    " --evaluator val-early --T 2");
  INFO(r.output);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("valid_acc"));
  CHECK_THAT(r.output, !Catch::Contains("--budget 2h"));
}

TEST_CASE("nas-run --T beyond the schedule or --benchmark with live training, a long --out", "[bad-input][cli]") {
  testing::TempDir dir("t-live-long");
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  auto r = run("nas-run", "--benchmark " + bench + " --out " + dir.file("o") +
                              " --evaluator val-final --T 300");
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Catch::Contains("--T 300 is outside the schedule's 1..10 epochs"));
  r = run("nas-run", "--benchmark " + bench + " --out " + dir.file("o") + " --source live --budget 1m");
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Catch::Contains("--benchmark is read by tabular studies only"));
  CHECK_FALSE(fs::exists(dir.file("o")));
  // A name of 250 characters is valid; its temporary must be too.
  const auto long_out = dir.file(std::string(241, 'r') + ".csv");
  REQUIRE(fs::path(long_out).filename().string().size() == 245);
  r = run("nas-rank", "--benchmark " + bench + " --out " + long_out + " --T 2 --estimators sotle");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(fs::exists(long_out));
  const auto long_bench = dir.file(std::string(246, 'b') + ".nasbench");
  spit(dir.file("t.csv"), std::string(kCsvHeader) + kCsvRow);
  r = run("nas-bench", "import --nb201-csv " + dir.file("t.csv") + " --out " + long_bench);
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK(fs::path(common::temporary_name(long_bench)).filename().string().size() <= 255);
}

namespace {

// The toy table's curves, with no ground truth (as live training with truth=none).
class NoTruthSource : public evaluators::LearningCurveSource {
 public:
  explicit NoTruthSource(std::shared_ptr<evaluators::LearningCurveSource> inner)
      : inner_(std::move(inner)) {}
  std::string describe() const override { return "no truth"; }
  int schedule_epochs() const override { return inner_->schedule_epochs(); }
  evaluators::Curve observe(spaces::ArchCode arch, int epochs,
                            const std::vector<evaluators::CurveNeed>& needs,
                            common::Rng& rng) override {
    return inner_->observe(arch, epochs, needs, rng);
  }
  double final_test_error(spaces::ArchCode) override { return NAN; }

 private:
  std::shared_ptr<evaluators::LearningCurveSource> inner_;
};

}  // namespace

TEST_CASE("Without a ground truth the best test error seen is NaN, not inf", "[bad-input]") {
  evaluators::SourceOptions o;
  o.benchmark = std::make_shared<bench::Benchmark>(testing::toy_builder().build());
  o.dataset = "toy";
  auto source = std::make_shared<NoTruthSource>(evaluators::make_curve_source("tabular", o));
  evaluators::Evaluator evaluator(evaluators::make_estimator("sotle", {2, std::nullopt, 0.9}),
                                  source);
  search::StrategyContext ctx;
  ctx.space = o.benchmark->space_ptr();
  ctx.seed = 1;
  auto strategy = search::make_strategy("rs", ctx);
  common::Rng rng(3);
  const auto trace = experiment::run_search(*strategy, evaluator, {600, 1, 0}, rng);
  REQUIRE(!trace.rows.empty());
  for (const auto& row : trace.rows) {
    CHECK(std::isnan(row.test_error));
    CHECK(std::isnan(row.best_test_error));
  }
}

TEST_CASE("Two nas-runs on one output folder: the second is refused, the first unharmed", "[bad-input][cli]") {
  testing::TempDir dir("two-runs");
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  const auto out = dir.file("out");
  const std::string study = "--benchmark " + bench + " --out " + out +
                            " --strategy rs --seeds 3000 --budget 10h --T 2 --threads 1";
  // The first is paused (SIGSTOP) once it has written a run, so it holds the folder; the second,
  // the same study or another, is refused naming it; the first then finishes.
  const auto r = run_shell(
      program("nas-run") + " " + study + " >" + dir.file("log") + " 2>&1 & pid=$!; " +
      "for i in $(seq 600); do grep -q \"runs\\]\" " + dir.file("log") +
      " && break; sleep 0.05; done; kill -STOP $pid; " + program("nas-run") + " " + study +
      "; echo second=$?; " + program("nas-run") + " " + study + " --seed 9; echo third=$?; " +
      "kill -CONT $pid; wait $pid; echo first=$?");
  INFO(r.output);
  CHECK_THAT(r.output, Catch::Contains("output folder '" + out + "' is in use by another nas-run (pid"));
  CHECK_THAT(r.output, Catch::Contains("second=1"));
  CHECK_THAT(r.output, Catch::Contains("third=1"));
  CHECK_THAT(r.output, Catch::Contains("first=0"));
  CHECK(listing(fs::path(out) / "traces").size() == 3000);
  CHECK_FALSE(fs::exists(out + "/.nas-run.lock"));
}
