#include <catch2/catch.hpp>
#include <array>
#include <limits>
#include <cmath>
#include <filesystem>

#include "common/file_io.hpp"
#include "evaluators/curve_source.hpp"
#include "study/plot.hpp"
#include "study/study.hpp"
#include "study/study_output.hpp"
#include "study/summary.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::experiment;

namespace {

struct Toy {
  std::shared_ptr<bench::Benchmark> benchmark =
      std::make_shared<bench::Benchmark>(testing::toy_builder().build());
  std::shared_ptr<evaluators::LearningCurveSource> source =
      testing::tabular_source(benchmark, "toy");
  EvaluatorMaker maker() const {
    // Rungs (multi-fidelity strategies) are scored by the same estimator at their epochs.
    return [s = source](const std::string& name, const evaluators::EstimatorOptions& opts) {
      return std::make_unique<evaluators::Evaluator>(
          evaluators::make_estimator(name, opts), s, evaluators::CostModel{},
          evaluators::estimator_at_epochs(name, opts, s->schedule_epochs()));
    };
  }
};

StudyConfig small_config() {
  StudyConfig c;
  c.strategies = {"re", "rs", "tpe"};
  c.evaluators = {"sotle", "val-final"};
  c.seeds = 4;
  c.estimator.T = 3;
  c.budget.budget_s = 3000;
  return c;
}

bool same(const std::vector<RunResult>& a, const std::vector<RunResult>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto &x = a[i].trace.rows, &y = b[i].trace.rows;
    if (x.size() != y.size() || a[i].strategy != b[i].strategy) return false;
    for (std::size_t k = 0; k < x.size(); ++k)
      if (x[k].arch != y[k].arch || x[k].time_s != y[k].time_s || x[k].score != y[k].score)
        return false;
  }
  return true;
}

}  // namespace

TEST_CASE("A run charges each evaluation its cost and stops at the budget", "[experiment]") {
  Toy toy;
  auto config = small_config();
  config.strategies = {"rs"};
  config.evaluators = {"sotle"};
  config.seeds = 1;
  const auto r = run_one(config, toy.benchmark->space_ptr(), toy.maker(), "rs", "sotle", 0);
  // SoTL-E at T=3 trains epochs 1..3: 11 + 12 + 13 = 36 s each, no validation pass.
  const auto& rows = r.trace.rows;
  REQUIRE(rows.size() == 83);  // floor(3000 / 36)
  for (std::size_t i = 0; i < rows.size(); ++i) {
    REQUIRE(rows[i].cost_s == Approx(36));
    REQUIRE(rows[i].time_s == Approx(36.0 * (i + 1)));
    REQUIRE(rows[i].epochs == 3);
  }
  CHECK(r.trace.cut_off == 1);  // the 84th would end at 3024 s > 3000 s
  // Incumbent: the best score so far; best test error: the minimum so far.
  double best = INFINITY, best_err = INFINITY;
  for (const auto& row : rows) {
    if (row.score < best) best = row.score;
    best_err = std::min(best_err, row.test_error);
    REQUIRE(row.best_test_error == best_err);
  }
  CHECK(rows.back().incumbent_test_error >= rows.back().best_test_error);
}

TEST_CASE("W simulated workers complete more evaluations in the same budget", "[experiment]") {
  Toy toy;
  auto config = small_config();
  config.budget.workers = 4;
  const auto r = run_one(config, toy.benchmark->space_ptr(), toy.maker(), "re", "sotle", 0);
  CHECK(r.trace.rows.size() == 4 * 83);
  CHECK(r.trace.cut_off == 4);
  for (std::size_t i = 1; i < r.trace.rows.size(); ++i)
    REQUIRE(r.trace.rows[i].time_s >= r.trace.rows[i - 1].time_s);
}

TEST_CASE("Study results do not depend on the thread count", "[experiment]") {
  Toy toy;
  auto config = small_config();
  config.threads = 1;
  const auto one = run_study(config, toy.benchmark->space_ptr(), toy.maker());
  config.threads = 2;
  const auto two = run_study(config, toy.benchmark->space_ptr(), toy.maker());
  CHECK(one.size() == 3 * 2 * 4);
  CHECK(same(one, two));
  // A different base seed gives different runs.
  config.base_seed = 1;
  CHECK_FALSE(same(one, run_study(config, toy.benchmark->space_ptr(), toy.maker())));
}

TEST_CASE("Run i of every combination starts from the same initial design", "[experiment]") {
  Toy toy;
  auto config = small_config();
  const auto a = run_one(config, toy.benchmark->space_ptr(), toy.maker(), "re", "sotle", 2);
  const auto b = run_one(config, toy.benchmark->space_ptr(), toy.maker(), "tpe", "val-final", 2);
  for (std::size_t i = 0; i < config.n_init; ++i) REQUIRE(a.trace.rows[i].arch == b.trace.rows[i].arch);
  config.initial_designs = {{5, 6, 7}, {8, 9, 10}};
  config.n_init = 2;
  const auto c = run_one(config, toy.benchmark->space_ptr(), toy.maker(), "re", "sotle", 1);
  CHECK(c.trace.rows[0].arch == 8);
  CHECK(c.trace.rows[1].arch == 9);
  CHECK_THROWS_WITH(run_one(config, toy.benchmark->space_ptr(), toy.maker(), "re", "sotle", 2),
                    Catch::Contains("designs for 2 runs"));
}

TEST_CASE("Summary: mean and standard error over runs on the time grid", "[experiment]") {
  std::vector<RunResult> results(2);
  for (int i = 0; i < 2; ++i) {
    results[i].strategy = "rs";
    results[i].evaluator = "sotle";
    TraceRow r;
    r.time_s = 10;
    r.incumbent_test_error = r.best_test_error = 30 + 2 * i;  // 30 and 32
    results[i].trace.rows.push_back(r);
    r.time_s = 50;
    r.incumbent_test_error = r.best_test_error = 20 + 4 * i;  // 20 and 24
    results[i].trace.rows.push_back(r);
  }
  const auto s = summarise(results, 100, 3);
  REQUIRE(s.grid_s.size() == 3);
  CHECK(s.grid_s[0] == Approx(10));
  CHECK(s.grid_s[2] == Approx(100));
  const auto& c = s.combos.at(0);
  CHECK(c.incumbent_test_error[0].mean == Approx(31));
  CHECK(c.incumbent_test_error[0].se == Approx(1));  // sd sqrt(2) / sqrt(2)
  CHECK(c.final_best_test_error.mean == Approx(22));
  CHECK(c.final_best_test_error.se == Approx(2));
  CHECK(c.evaluations.mean == 2);
  CHECK(mean_se({1.0, NAN, 3.0}).n == 2);
}

TEST_CASE("A study that keeps only the rows its summary reads summarises the same", "[experiment]") {
  Toy toy;
  auto config = small_config();
  config.strategies = {"re", "asha", "sh"};
  config.evaluators = {"sotle", "val-early"};
  config.seeds = 3;
  config.budget.workers = 4;
  config.fidelity = {1, 10, 3, 0};
  const auto whole = run_study(config, toy.benchmark->space_ptr(), toy.maker());
  StudyHooks keeping;
  keeping.keep_summary_rows_only = true;
  const auto kept = run_study(config, toy.benchmark->space_ptr(), toy.maker(), keeping);
  REQUIRE(kept.size() == whole.size());
  std::size_t rows_whole = 0, rows_kept = 0;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    CHECK(kept[i].trace.evaluations() == whole[i].trace.rows.size());
    CHECK(kept[i].trace.rows.back().incumbent_test_error ==
          whole[i].trace.rows.back().incumbent_test_error);
    rows_whole += whole[i].trace.rows.size();
    rows_kept += kept[i].trace.rows.size();
  }
  CHECK(rows_kept * 5 < rows_whole);
  for (const std::optional<double> target : {std::optional<double>{}, std::optional<double>{25.0}})
    CHECK(summarise(kept, config.budget.budget_s, 50, target).to_json() ==
          summarise(whole, config.budget.budget_s, 50, target).to_json());
  // The rows that are gone cannot be written as if the trace were whole.
  const TraceIdentity id{"re", "sotle", 0, 1, "0000abcd"};
  CHECK_THROWS_AS(trace_csv(kept[0].trace, toy.benchmark->space(), id), std::logic_error);
}

TEST_CASE("keep_summary_rows keeps each change and treats unknown errors as one value",
          "[experiment]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // (time, incumbent, best): unknown errors first, repeated times, a change at a repeated time.
  const std::vector<std::array<double, 3>> given = {
      {1, nan, nan}, {2, nan, nan}, {3, 30, 30}, {3, 30, 30}, {4, 30, 25},
      {4, 28, 25},   {6, 28, 25},   {7, 28, 25}, {9, 28, 25}};
  Trace trace;
  for (const auto& [t, incumbent, best] : given) {
    TraceRow row;
    row.time_s = t;
    row.incumbent_test_error = incumbent;
    row.best_test_error = best;
    trace.rows.push_back(row);
  }
  const Trace whole = trace;
  keep_summary_rows(trace);
  std::vector<double> times;
  for (const auto& row : trace.rows) times.push_back(row.time_s);
  CHECK(times == std::vector<double>{1, 3, 4, 4, 9});
  CHECK(trace.evaluations() == 9);
  CHECK(time_to_reach(trace, 28) == time_to_reach(whole, 28));
  keep_summary_rows(trace);  // again: nothing more goes
  CHECK(trace.rows.size() == 5);
  CHECK(trace.evaluations() == 9);
}

TEST_CASE("Study output: traces round-trip and a rerun resumes", "[experiment]") {
  Toy toy;
  testing::TempDir dir("study-output");
  auto config = small_config();
  config.strategies = {"re"};
  config.evaluators = {"sotle"};
  const nlohmann::json cfg = {{"base_seed", 0}, {"what", "test"}};
  const auto& space = toy.benchmark->space();
  StudyOutput out(dir.path().string(), cfg, space);
  StudyHooks saving;
  saving.save = [&](const RunResult& r) { out.write_trace(r); };
  const auto results = run_study(config, toy.benchmark->space_ptr(), toy.maker(), saving);
  // Reloading gives the same traces, so a resumed study reproduces the uninterrupted one. A
  // trace cut short before its closing line (a crash of the machine before write-back) counts
  // as not run, and so does a missing one.
  std::filesystem::remove(out.trace_path("re", "sotle", 2));
  const auto cut_path = out.trace_path("re", "sotle", 1);
  const std::string whole = common::read_file(cut_path);
  common::write_file_atomically(cut_path, whole.substr(0, whole.size() / 2));
  std::size_t reused = 0, saved = 0;
  StudyHooks resuming;
  resuming.resume = [&](const std::string& s, const std::string& e, int run) {
    auto r = out.load(s, e, run);
    reused += r.has_value();
    return r;
  };
  resuming.save = [&](const RunResult& r) {
    ++saved;
    out.write_trace(r);
  };
  const auto resumed = run_study(config, toy.benchmark->space_ptr(), toy.maker(), resuming);
  CHECK(reused == 2);
  CHECK(saved == 2);
  CHECK(common::read_file(cut_path) == whole);
  // A whole trace that was changed is not taken for a cut one.
  std::string changed = whole;
  changed[changed.find('\n', changed.find('\n') + 1) + 1] = '7';
  common::write_file_atomically(cut_path, changed);
  CHECK_THROWS_WITH(out.load("re", "sotle", 1), Catch::Contains("was cut or changed"));
  common::write_file_atomically(cut_path, whole);
  CHECK(same(results, resumed));
  const TraceIdentity id{"re", "sotle", 0, 1, "0000abcd"};
  const auto again = parse_trace_csv(trace_csv(results[0].trace, space, id), space, "t", id);
  REQUIRE(again.rows.size() == results[0].trace.rows.size());
  CHECK(again.rows.back().incumbent_test_error == results[0].trace.rows.back().incumbent_test_error);
  CHECK_THROWS_WITH(parse_trace_csv("evaluation\n", space, "t.csv", id), Catch::Contains("t.csv:1"));
  // While a study holds the folder, nothing else may write there.
  CHECK_THROWS_WITH(StudyOutput(dir.path().string(), cfg, space),
                    Catch::Contains("is in use by another nas-run"));
}

TEST_CASE("Study output: another configuration in the folder of a study is refused", "[experiment]") {
  Toy toy;
  testing::TempDir dir("study-output-other");
  const nlohmann::json cfg = {{"base_seed", 0}, {"what", "test"}};
  const auto& space = toy.benchmark->space();
  {
    StudyOutput out(dir.path().string(), cfg, space);
    out.write_trace(RunResult{"re", "sotle", 0, run_seed(0, 0), {}});
  }
  CHECK_THROWS_WITH(StudyOutput(dir.path().string(), {{"base_seed", 1}}, space),
                    Catch::Contains("holds a study with another configuration"));
  CHECK_NOTHROW(StudyOutput(dir.path().string(), cfg, space));
}

TEST_CASE("The figure starts where every run has a value", "[experiment]") {
  // Before all runs have completed an evaluation, a mean covers only the fastest ones.
  StudySummary summary;
  summary.grid_s = {3600, 7200, 10800, 14400};
  ComboSummary c;
  c.strategy = "re";
  c.evaluator = "sotle";
  c.runs = 3;
  for (int n : {1, 2, 3, 3}) {
    c.incumbent_test_error.push_back({10.0 + n, 0.5, n});
    c.best_test_error.push_back({9.0 + n, 0.5, n});
  }
  summary.combos = {c};
  testing::TempDir dir("plot-start");
  plot_study(summary, dir.file("figure"), "t");
  const auto dat = common::read_file(dir.file("figure.dat"));
  CHECK(dat == "# re + sotle\n3 13 12.5 13.5\n4 13 12.5 13.5\n\n\n");
  CHECK(std::filesystem::exists(dir.file("figure.svg")));
}

TEST_CASE("results.csv names every column uniquely after what it holds", "[experiment]") {
  // Two columns once shared the name "se", and a reader that looked columns up by name took the
  // best-seen architecture's standard error for the incumbent's.
  StudySummary summary;
  ComboSummary c;
  c.strategy = "re";
  c.evaluator = "sotle";
  c.runs = 20;
  c.evaluations = {450.1, 3, 20};
  c.final_incumbent_test_error = {19.54, 0.19, 20};
  c.final_best_test_error = {18.52, 0.06, 20};
  c.final_incumbent_interval = {19.17, 19.91};
  summary.combos = {c};
  Toy toy;
  testing::TempDir dir("results-csv");
  StudyOutput(dir.path().string(), {{"what", "test"}}, toy.benchmark->space())
      .write_summary(summary, nlohmann::json::object());
  const auto csv = common::read_file(dir.file("results.csv"));
  const auto header = csv.substr(0, csv.find('\n'));
  CHECK(header ==
        "strategy,evaluator,runs,evaluations_per_run,final_incumbent_test_error,"
        "final_incumbent_test_error_se,final_incumbent_test_error_ci95_low,"
        "final_incumbent_test_error_ci95_high,final_best_test_error,final_best_test_error_se");
  std::vector<std::string> names;
  for (std::size_t begin = 0, end; begin <= header.size(); begin = end + 1) {
    end = std::min(header.find(',', begin), header.size());
    names.push_back(header.substr(begin, end - begin));
  }
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = i + 1; j < names.size(); ++j) CHECK(names[i] != names[j]);
  CHECK(csv.substr(header.size() + 1) ==
        "re,sotle,20,450.1000,19.5400,0.1900,19.1700,19.9100,18.5200,0.0600\n");
  // With a target error, the time to reach it follows in columns of its own.
  summary.combos[0].time_to_target = TimeToTarget{19.5, 3600, {1800, 7200}, 0.85};
  StudyOutput(dir.path().string(), {{"what", "test"}}, toy.benchmark->space())
      .write_summary(summary, nlohmann::json::object());
  const auto with_target = common::read_file(dir.file("results.csv"));
  CHECK_THAT(with_target,
             Catch::Contains(",final_best_test_error_se,target_test_error,time_to_target_median_s,"
                             "time_to_target_ci95_low_s,time_to_target_ci95_high_s,"
                             "target_reached_fraction\n") &&
                 Catch::EndsWith(",18.5200,0.0600,19.5000,3600.0000,1800.0000,7200.0000,0.8500\n"));
}
