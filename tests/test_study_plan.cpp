// The study plan: each decision that turns nas-run's options into what will run, and each
// refusal with its message, without running a study.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "evaluators/curve_source.hpp"
#include "study/plan.hpp"
#include "plan_support.hpp"
#include "test_support.hpp"

using namespace nasrun;
using experiment::PlanError;
using experiment::StudyOptions;
using testing::plan_error;
using TableData = bench::BenchmarkBuilder::TableData;

namespace {

// A source that trains (as live training does) on an 8-epoch schedule, counting the sources
// made of each schedule: train loss 1 / t, valid accuracy 50 + t, 1 s per epoch, no record of
// times beforehand.
std::atomic<int> g_trainers_made{0};

class TrainerSource : public evaluators::LearningCurveSource {
 public:
  std::string describe() const override { return "plan test trainer"; }
  int schedule_epochs() const override { return 8; }
  evaluators::Curve observe(spaces::ArchCode, int epochs,
                            const std::vector<evaluators::CurveNeed>& needs,
                            common::Rng&) override {
    evaluators::Curve c;
    c.schedule_epochs = 8;
    c.epochs_trained = epochs;
    for (const auto& need : needs) {
      auto& s = c.series[static_cast<int>(need.metric)];
      for (int t = 1; t <= epochs; ++t)
        s.push_back(need.metric == bench::Metric::ValidAcc ? 50.0 + t : 1.0 / t);
    }
    c.train_time_s.assign(static_cast<std::size_t>(epochs), 1.0);
    c.eval_time_s.assign(static_cast<std::size_t>(epochs), 0.0);
    return c;
  }
  double final_test_error(spaces::ArchCode) override { return 10; }
};

const Registration<evaluators::curve_source_registry> kTrainer{
    "plan-test-trainer", "a synthetic source that trains (tests of the study plan)",
    [](const evaluators::SourceOptions&) -> std::shared_ptr<evaluators::LearningCurveSource> {
      ++g_trainers_made;
      return std::make_shared<TrainerSource>();
    }};

// The toy benchmark (every cell, 10 epochs, 11..20 s per epoch and 1 s per validation) as a
// file, written once per process (CTest runs the test cases in parallel processes).
const std::string& toy_file() {
  static testing::TempDir dir("study-plan-" + std::to_string(::getpid()));
  static const std::string path = [] {
    const auto p = dir.file("toy.nasbench");
    testing::toy_builder().write(p);
    return p;
  }();
  return path;
}

StudyOptions toy_options() {
  StudyOptions o;
  o.benchmark = toy_file();
  o.seeds = 2;
  return o;
}

StudyOptions trainer_options() {
  StudyOptions o;
  o.source = "plan-test-trainer";
  o.budget = "1h";
  o.seeds = 2;
  return o;
}


}  // namespace

TEST_CASE("Plan: T defaults to a quarter of the schedule and must lie in it", "[plan]") {
  auto o = toy_options();
  auto plan = experiment::plan_study(o);
  CHECK(plan.schedule_epochs == 10);
  CHECK(plan.config.estimator.T == 3);  // (10 + 2) / 4
  CHECK(plan.record["T"] == 3);
  o = trainer_options();
  CHECK(experiment::plan_study(o).config.estimator.T == 2);  // (8 + 2) / 4
  o = toy_options();
  o.T = 10;
  CHECK(experiment::plan_study(o).config.estimator.T == 10);
  o.T = 11;
  CHECK(plan_error(o) == "--T 11 is outside the schedule's 1..10 epochs");
  o.T = 0;
  CHECK(plan_error(o) == "--T must be at least 1, got 0");
}

TEST_CASE("Plan: a budget in full trainings is priced at the median architecture", "[plan]") {
  auto o = toy_options();
  auto plan = experiment::plan_study(o);
  // Every toy cell trains 10 epochs in 11..20 s and validates once in 1 s.
  REQUIRE(plan.full_trainings);
  CHECK(*plan.full_trainings == 150);
  CHECK(plan.full_training_s == 156);
  CHECK(plan.config.budget.budget_s == 150.0 * 156);
  CHECK(plan.record["budget"] == "150x");
  CHECK(plan.record["budget_s"] == 150.0 * 156);
  o.budget = "2x";
  o.train_time_only = true;
  CHECK(experiment::plan_study(o).config.budget.budget_s == 2.0 * 155);
  o.budget = "2h";
  plan = experiment::plan_study(o);
  CHECK_FALSE(plan.full_trainings);
  CHECK(plan.config.budget.budget_s == 7200);
  o.budget = "0x";
  CHECK_THAT(plan_error(o), Catch::StartsWith("--budget: invalid budget '0x'"));
  // Only a table's recorded times give a median; a source that trains needs a duration.
  o = trainer_options();
  o.budget = "150x";
  CHECK_THAT(plan_error(o), Catch::StartsWith("--budget 150x counts full trainings of the median "
                                              "architecture, which only a tabular benchmark's "
                                              "recorded times tell; with --source "
                                              "plan-test-trainer give a duration"));
}

TEST_CASE("Plan: a budget in full trainings needs every architecture's time", "[plan]") {
  testing::TempDir dir("study-plan-times");
  auto builder = testing::toy_builder();
  // Code 7 has no time of its own and no mean epoch time to fall back on.
  auto& t = builder.tables().front();
  for (int s = 0; s < 2; ++s)
    for (int e = 1; e <= 10; ++e) t.set(bench::Metric::TrainTime, 7, s, e, NAN);
  builder.write(dir.file("times.nasbench"));
  auto o = toy_options();
  o.benchmark = dir.file("times.nasbench");
  CHECK_THAT(plan_error(o),
             Catch::StartsWith("--budget 150x needs every architecture's training time, for the "
                               "median full training, but table toy@10 records no training time") &&
                 Catch::EndsWith("give a duration instead, such as --budget 2h"));
  o.budget = "1h";
  CHECK(experiment::plan_study(o).config.budget.budget_s == 3600);
}

TEST_CASE("Plan: a table must hold every architecture a search may propose", "[plan]") {
  testing::TempDir dir("study-plan-partial");
  testing::toy_builder(15000).write(dir.file("partial.nasbench"));
  auto o = toy_options();
  o.benchmark = dir.file("partial.nasbench");
  o.budget = "1h";
  CHECK(plan_error(o) ==
        "table toy@10 has results for 15000 of the space's 15625 architectures, and a search "
        "may propose any of them: finish its tabulation (docs/tabulation.md), or study what it "
        "has with nas-rank");
}

TEST_CASE("Plan: warns of an evaluator that reads the number it is judged by", "[plan]") {
  testing::TempDir dir("study-plan-truth");
  testing::every_cell("notest", bench::Metric::ValidAcc, [](TableData& t, std::size_t c, int e) {
    t.set(bench::Metric::TrainLoss, c, 0, e, 1.0);
    t.set(bench::Metric::ValidAcc, c, 0, e, 50.0 + static_cast<double>(c % 41));
    t.set(bench::Metric::TrainTime, c, 0, e, 1.0);
  }).write(dir.file("notest.nasbench"));
  StudyOptions o;
  o.benchmark = dir.file("notest.nasbench");
  o.evaluators = {"val-final", "val-early", "sotle"};
  const auto plan = experiment::plan_study(o);
  CHECK(plan.warnings ==
        std::vector<std::string>{"notest's truth is valid_acc (the table has no test split), "
                                 "which val-final reads too: its test errors partly measure "
                                 "what it searched on"});
  CHECK(experiment::plan_study(toy_options()).warnings.empty());
}

TEST_CASE("Plan: the benchmark is read by tabular studies only, the device by live ones",
          "[plan]") {
  auto o = trainer_options();
  o.benchmark = toy_file();
  CHECK(plan_error(o) == "--benchmark is read by tabular studies only; --source plan-test-trainer "
                         "trains its own curves (drop --benchmark, or use --source tabular)");
  o = trainer_options();
  const auto plan = experiment::plan_study(o);
  CHECK_FALSE(plan.benchmark);
  CHECK(plan.space->name() == "nb201");
  CHECK(plan.record["benchmark"] == "");
  CHECK(plan.inputs.empty());
  o = toy_options();
  o.device = "cpu";
  CHECK(plan_error(o) == "--device applies to live training (--source live)");
}

TEST_CASE("Plan: the embedded benchmark must be there and complete", "[plan]") {
  testing::TempDir dir("study-plan-embedded");
  StudyOptions o;
  o.embedded_benchmark = dir.file("fashion-mnist-nb201.nasbench");
  CHECK_THROWS_WITH(experiment::plan_study(o),
                    "the embedded benchmark " + o.embedded_benchmark +
                        " is missing; pass --benchmark FILE (make one with nas-bench import or "
                        "nas-bench tabulate)");
  auto builder = testing::toy_builder();
  builder.meta()["complete"] = false;
  builder.meta()["trainings"] = 5;
  builder.meta()["trainings_planned"] = 9;
  builder.write(o.embedded_benchmark);
  CHECK_THROWS_WITH(experiment::plan_study(o), Catch::Contains("is incomplete (5 of 9 trainings)"));
  builder.meta()["complete"] = true;
  builder.write(o.embedded_benchmark);
  const auto plan = experiment::plan_study(o);
  CHECK(plan.record["benchmark"] == o.embedded_benchmark);
  CHECK(plan.inputs == std::vector<std::pair<std::string, std::string>>{
                           {"--benchmark", o.embedded_benchmark}});
  CHECK(plan.dataset == "toy");
}

TEST_CASE("Plan: the dataset defaults to the benchmark's only one", "[plan]") {
  testing::TempDir dir("study-plan-datasets");
  auto two = testing::small_builder();
  two.add_table("other", "4", 4, {4}, {1}, bench::Metric::TestAcc);
  two.write(dir.file("two.nasbench"));
  auto o = toy_options();
  o.benchmark = dir.file("two.nasbench");
  CHECK(plan_error(o) ==
        "the benchmark has several datasets; choose one with --dataset (toy, other)");
  bench::BenchmarkBuilder("nb201", {0, 1}).write(dir.file("empty.nasbench"));
  o.benchmark = dir.file("empty.nasbench");
  CHECK_THAT(plan_error(o),
             Catch::StartsWith("the benchmark has no tables, so no dataset to choose"));
  o = toy_options();
  o.dataset = "cifar10";
  CHECK_THAT(plan_error(o), Catch::Contains("no table for dataset 'cifar10'"));
}

TEST_CASE("Plan: names, oracles, windows and values the study cannot take", "[plan]") {
  auto o = toy_options();
  o.strategies = {"re", "foo"};
  CHECK_THROWS_AS(experiment::plan_study(o), UnknownNameError);
  CHECK_THAT(testing::error_of([&] { experiment::plan_study(o); }),
             Catch::StartsWith("unknown strategy 'foo' (expected one of:"));
  o = toy_options();
  o.evaluators = {"bar"};
  // The evaluators offered are the estimators less the oracles.
  const auto message = testing::error_of([&] { experiment::plan_study(o); });
  // (in name order: the curve estimators among the zero-cost proxies)
  CHECK_THAT(message, Catch::StartsWith("unknown evaluator 'bar' (expected one of: fisher, flops,") &&
                          Catch::Contains(" sotl, sotle,") && Catch::Contains(" synflow,"));
  CHECK_THAT(message, !Catch::Contains("test-loss") && !Catch::Contains("test-acc"));
  for (const char* oracle : {"test-loss", "test-acc"}) {
    o.evaluators = {"sotle", oracle};
    CHECK(plan_error(o) == std::string("--evaluator ") + oracle +
                               " is an oracle: it reads the test split that the truth comes "
                               "from, which a search must never see (nas-rank shows it as a "
                               "reference)");
  }
  o = toy_options();
  o.source = "oracle";
  CHECK_THAT(testing::error_of([&] { experiment::plan_study(o); }),
             Catch::StartsWith("unknown curve source 'oracle'"));
  o = toy_options();
  o.evaluators = {"sotl", "val-final"};
  o.E = 3;
  CHECK(plan_error(o) == "--E sets the window of sotle and sovl-e, and none of the evaluators "
                         "(sotl,val-final) takes one");
  o.evaluators = {"sotle"};
  CHECK(experiment::plan_study(o).record["E"] == 3);
  // --mu is tse-ema's alone: given to evaluators that ignore it, it would change nothing.
  o = toy_options();
  o.evaluators = {"sotle", "tse-ema-naslib"};
  o.mu = 0.5;
  CHECK_THAT(plan_error(o), Catch::StartsWith("--mu sets the weight of tse-ema's moving average, "
                                              "and none of the evaluators (sotle,tse-ema-naslib) "
                                              "reads it"));
  o.evaluators = {"sotle", "tse-ema"};
  const auto with_mu = experiment::plan_study(o);
  CHECK(with_mu.record["mu"] == 0.5);
  CHECK(with_mu.config.estimator.ema_mu == 0.5);
  o.mu.reset();
  CHECK(experiment::plan_study(o).record["mu"] == 0.9);
  o = toy_options();
  o.seeds = 0;
  CHECK(plan_error(o) == "--seeds must be at least 1, got 0");
  o.seeds = 1000000000;
  CHECK_THAT(plan_error(o), Catch::Contains("makes 1000000000 runs; a study holds at most 100000"));
  o = toy_options();
  o.workers = 0;
  CHECK(plan_error(o) == "--workers must be at least 1, got 0");
  o = toy_options();
  o.threads = -1;
  CHECK(plan_error(o) == "--threads must be 0 (all cores) or more, got -1");
  o = toy_options();
  o.data_seed = "often";
  CHECK_THAT(testing::error_of([&] { experiment::plan_study(o); }),
             Catch::Contains("invalid seed policy 'often'"));
}

TEST_CASE("Plan: an evaluator the data cannot serve is named before the budget", "[plan]") {
  testing::TempDir dir("study-plan-serve");
  // No validation accuracy at all: val-early cannot be served, and 150x would need val-final.
  testing::every_cell("toy", bench::Metric::TestAcc, [](TableData& t, std::size_t c, int e) {
    t.set(bench::Metric::TrainLoss, c, 0, e, 1.0);
    t.set(bench::Metric::TestAcc, c, 0, e, 60.0);
    t.set(bench::Metric::TrainTime, c, 0, e, 10);
  }).write(dir.file("novalid.nasbench"));
  auto o = toy_options();
  o.benchmark = dir.file("novalid.nasbench");
  o.evaluators = {"val-early"};
  CHECK(testing::error_of([&] { experiment::plan_study(o); }) ==
        "table toy@4 has no metric valid_acc");
}

TEST_CASE("Plan: one curve source per schedule, shared by every evaluator and run", "[plan]") {
  auto o = trainer_options();
  o.evaluators = {"sotle", "val-early", "sovl"};
  const int before = g_trainers_made;
  const auto plan = experiment::plan_study(o);
  CHECK(g_trainers_made - before == 1);
  for (int run = 0; run < 10; ++run)
    for (const auto& e : o.evaluators) plan.make_evaluator(e, plan.config.estimator);
  CHECK(g_trainers_made - before == 1);
  CHECK(plan.sources->at("") == plan.sources->at(""));
  // val-hp12 reads another schedule: a second source.
  plan.make_evaluator("val-hp12", plan.config.estimator);
  CHECK(g_trainers_made - before == 2);
}

TEST_CASE("Plan: config.json records the options as given and as resolved", "[plan]") {
  testing::TempDir dir("study-plan-record");
  {
    std::ofstream tsv(dir.file("init.tsv"));
    tsv << "seed\tposition\tarch\n";
    for (int seed = 0; seed < 2; ++seed)
      tsv << seed << "\t0\t|none~0|+|none~0|none~1|+|none~0|none~1|none~2|\n";
  }
  auto o = toy_options();
  o.strategies = {"re", "rs"};
  o.evaluators = {"sotle", "val-final"};
  o.n_init = 1;
  o.init_file = dir.file("init.tsv");
  o.budget = "2h";
  o.T = 5;
  o.data_seed = "mean";
  o.truth_seed = "1";
  const auto plan = experiment::plan_study(o);
  const auto& r = plan.record;
  CHECK(r["strategies"] == std::vector<std::string>{"re", "rs"});
  CHECK(r["evaluators"] == std::vector<std::string>{"sotle", "val-final"});
  CHECK(r["seeds"] == 2);
  CHECK(r["n_init"] == 1);
  CHECK(r["init_file"] == o.init_file);
  CHECK(r["T"] == 5);
  CHECK(r["E"].is_null());
  CHECK(r["budget"] == "2h");
  CHECK(r["budget_s"] == 7200);
  CHECK(r["source"] == "tabular");
  CHECK(r["benchmark"] == toy_file());
  CHECK(r["dataset"] == "toy");
  CHECK(r["data_seed"] == "mean");
  CHECK(r["truth_seed"] == "1");
  CHECK(plan.config.initial_designs.size() == 2);
  CHECK(plan.inputs == std::vector<std::pair<std::string, std::string>>{
                           {"--benchmark", toy_file()}, {"--init-file", o.init_file}});
  // Too short a design for --n-init is the plan's refusal, before anything runs.
  o.n_init = 2;
  CHECK_THAT(plan_error(o), Catch::Contains("lists 1 architectures for run 0, fewer than the 2"));
}

TEST_CASE("plan_study: --space picks the space of a source that trains, not of a benchmark",
          "[study-plan][bad-input]") {
  StudyOptions o;
  o.source = "tabular";
  o.space = "nb201";
  o.benchmark = "unused.nasbench";
  CHECK_THAT(testing::error_of([&] { plan_study(o); }),
             Catch::Contains("--space applies to sources that train"));
  o = StudyOptions{};
  o.source = "live";
  o.space = "no-such-space";
  o.budget = "1m";
  CHECK_THAT(testing::error_of([&] { plan_study(o); }),
             Catch::Contains("unknown search space 'no-such-space'"));
}

TEST_CASE("Plan: fidelities of multi-fidelity strategies, and what they refuse",
          "[plan][multifidelity][bad-input]") {
  auto o = toy_options();
  o.strategies = {"re", "hyperband"};
  o.evaluators = {"sotle", "val-early"};
  auto plan = experiment::plan_study(o);
  // Defaults follow the schedule: 1 epoch to its 10, eta 3, every bracket.
  CHECK(plan.config.fidelity.min_epochs == 1);
  CHECK(plan.config.fidelity.max_epochs == 10);
  CHECK(plan.config.fidelity.eta == 3);
  CHECK(plan.config.fidelity.brackets == 0);
  CHECK(plan.record["fidelity"]["max_epochs"] == 10);
  // A study without a multi-fidelity strategy records no fidelities (its config.json, and the
  // checksum its traces carry, stay what they were).
  o.strategies = {"re"};
  CHECK_FALSE(experiment::plan_study(o).record.contains("fidelity"));
  o.eta = 2;
  CHECK_THAT(plan_error(o), Catch::StartsWith("--min-epochs, --max-epochs, --eta, --brackets and "
                                              "--proxy-rungs set the fidelities of "
                                              "multi-fidelity strategies") &&
                                Catch::EndsWith("and the study has none"));

  o = toy_options();
  o.strategies = {"hyperband"};
  o.eta = 1.5;
  CHECK_THAT(plan_error(o), Catch::StartsWith("--eta must be at least 2"));
  o = toy_options();
  o.strategies = {"hyperband"};
  o.min_epochs = 5;
  o.max_epochs = 4;
  CHECK(plan_error(o) == "--min-epochs 5 is above --max-epochs 4");
  o.min_epochs = 0;
  CHECK(plan_error(o) == "--min-epochs must be at least 1, got 0");
  o = toy_options();
  o.strategies = {"hyperband"};
  o.max_epochs = 11;
  CHECK(plan_error(o) == "--max-epochs 11 is beyond the schedule's 10 epochs");
  o = toy_options();
  o.strategies = {"re", "hyperband"};
  o.evaluators = {"sotle", "val-final"};
  CHECK_THAT(plan_error(o),
             Catch::StartsWith("--evaluator val-final scores an architecture only at the end of "
                               "its schedule, so it cannot score the rungs of hyperband; use one "
                               "that scores any epoch (") &&
                 Catch::Contains("sotle") && Catch::Contains("val-early") &&
                 !Catch::Contains("val-hp12"));
}

TEST_CASE("Plan: a rung metric the benchmark lacks at a rung's epoch is named before the study",
          "[plan][multifidelity][bad-input]") {
  testing::TempDir dir("study-plan-rungs");
  // A 4-epoch schedule that records epochs 3 and 4 only: SoTL-E at T = 3 is served, a rung at
  // epoch 1 is not.
  std::vector<spaces::ArchCode> codes(15625);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i;
  bench::BenchmarkBuilder late("nb201", codes);
  auto& table = late.add_table("toy", "4", 4, {3, 4}, {0}, bench::Metric::TestAcc);
  for (std::size_t c = 0; c < codes.size(); ++c)
    for (int e = 3; e <= 4; ++e) {
      table.set(bench::Metric::TrainLoss, c, 0, e, 1.0 / e);
      table.set(bench::Metric::ValidAcc, c, 0, e, 50.0 + e);
      table.set(bench::Metric::TestAcc, c, 0, e, 60.0);
      table.set(bench::Metric::TrainTime, c, 0, e, 10);
    }
  late.write(dir.file("late.nasbench"));
  auto o = toy_options();
  o.benchmark = dir.file("late.nasbench");
  o.budget = "2h";  // no time recorded for epochs 1 and 2: no median full training
  o.T = 3;
  o.evaluators = {"sotle"};
  CHECK_NOTHROW(experiment::plan_study(o));
  o.strategies = {"sh"};
  CHECK(testing::error_of([&] { experiment::plan_study(o); }) ==
        "table toy@4 records no train_loss at epoch 1 (it records 2 of its 4 epochs)");
  o.min_epochs = 3;
  CHECK_NOTHROW(experiment::plan_study(o));
}
