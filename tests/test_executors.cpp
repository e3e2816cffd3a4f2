// Executors: the local workers train for real behind the same runner as the simulated clock;
// their results do not depend on which job finishes first, two workers do twice the work of one
// in the same real time, the charged clock matches the simulated one, a real run's recorded
// durations replay it on the simulated clock (parity), and traces carry the real times.
#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <catch2/catch.hpp>
#include <cmath>

#include "evaluators/curve_source.hpp"
#include "run/local_executor.hpp"
#include "run/run_journal.hpp"
#include "run/search_run.hpp"
#include "study/plan.hpp"
#include "study/study_output.hpp"
#include "sleeping_source.hpp"
#include "plan_support.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::experiment;

namespace {

struct Toy {
  std::shared_ptr<evaluators::LearningCurveSource> table = testing::toy_source();
  // SoTL-E at T = 3 (charged 11 + 12 + 13 s of training and nothing else).
  std::unique_ptr<evaluators::Evaluator> evaluator(
      std::shared_ptr<evaluators::LearningCurveSource> source = {}) const {
    evaluators::EstimatorOptions options;
    options.T = 3;
    return std::make_unique<evaluators::Evaluator>(evaluators::make_estimator("sotle", options),
                                                   source ? source : table);
  }
  // `name` at every rung of a multi-fidelity search.
  std::unique_ptr<evaluators::Evaluator> rung_evaluator(
      const std::string& name, std::shared_ptr<evaluators::LearningCurveSource> source = {}) const {
    evaluators::EstimatorOptions options;
    options.T = 10;
    return std::make_unique<evaluators::Evaluator>(
        evaluators::make_estimator(name, options), source ? source : table,
        evaluators::CostModel{},
        evaluators::estimator_at_epochs(name, options, table->schedule_epochs()));
  }
};

std::unique_ptr<search::MultiFidelityStrategy> strategy(const std::string& name) {
  search::StrategyContext ctx;
  ctx.space = testing::nb201();
  ctx.seed = 11;
  ctx.n_init = 4;
  return search::make_job_strategy(name, ctx);
}

// Random Search on `workers` local workers over `source` (the table when empty), data seed
// `seed`, for at most `jobs` jobs (0: no limit).
Trace local_random_search(const Toy& toy, std::shared_ptr<evaluators::LearningCurveSource> source,
                          int workers, double budget_s, BudgetClock clock, std::size_t jobs,
                          std::uint64_t seed = 5, int retries = 0) {
  auto evaluator = toy.evaluator(std::move(source));
  auto rs = strategy("rs");
  LocalExecutor executor(*evaluator, budget_s, workers, clock, retries);
  common::Rng data_rng(seed);
  return run_search(*rs, executor, jobs, data_rng);
}

// Milliseconds of fake training that vary with the architecture, 2..20.
double fake_seconds(spaces::ArchCode arch) { return (2.0 + static_cast<double>(arch % 10) * 2) / 1000; }

// The rows of a real run by launch order.
std::vector<TraceRow> by_launch(const Trace& trace) {
  auto rows = trace.rows;
  std::sort(rows.begin(), rows.end(),
            [](const TraceRow& a, const TraceRow& b) { return a.real->job < b.real->job; });
  return rows;
}

}  // namespace

TEST_CASE("Local workers: a job's result depends on its launch order, not on who finishes first",
          "[executors]") {
  Toy toy;
  auto source = std::make_shared<testing::SleepingSource>(toy.table, fake_seconds);
  std::vector<std::vector<TraceRow>> runs;
  for (int workers : {1, 3}) {
    const auto trace = local_random_search(toy, source, workers, 1e9, BudgetClock::charged, 12);
    REQUIRE(trace.real_times);
    REQUIRE(trace.rows.size() == 12);
    for (const auto& r : trace.rows) {
      REQUIRE(r.real);
      CHECK(r.real->times.duration_s >= fake_seconds(r.arch));
      CHECK(r.real->worker < workers);
    }
    runs.push_back(by_launch(trace));
  }
  for (std::size_t i = 0; i < 12; ++i) {
    CHECK(runs[0][i].arch == runs[1][i].arch);
    CHECK(runs[0][i].score == runs[1][i].score);
    CHECK(runs[0][i].cost_s == runs[1][i].cost_s);
  }
}

TEST_CASE("Two local workers complete about twice the evaluations of one in the same real time",
          "[executors]") {
  Toy toy;
  // 40 ms a training, 0.6 s of real time: 15 in a row at most.
  auto source = std::make_shared<testing::SleepingSource>(toy.table, [](spaces::ArchCode) { return 0.04; });
  std::vector<std::size_t> completed;
  for (int workers : {1, 2}) {
    const auto trace = local_random_search(toy, source, workers, 0.6, BudgetClock::real, 0);
    for (const auto& r : trace.rows) {
      CHECK(r.time_s == r.real->times.time_s);
      CHECK(r.time_s <= 0.6);
    }
    // The jobs running at the real budget are cut off.
    CHECK(trace.cut_off == static_cast<std::size_t>(workers));
    completed.push_back(trace.rows.size());
  }
  CHECK(completed[0] <= 15);
  CHECK(completed[0] >= 10);
  CHECK(static_cast<double>(completed[1]) >= 1.6 * static_cast<double>(completed[0]));
}

TEST_CASE("Local workers on the charged clock keep the simulated clock's times and budget rule",
          "[executors]") {
  Toy toy;
  // Random Search proposes the same architectures whatever it is told, and the toy's costs do
  // not depend on the training seed read: one worker charges exactly what the simulation does.
  const double budget = 36 * 10 + 20;  // ten evaluations of 36 s, and one cut off
  auto simulated_evaluator = toy.evaluator();
  auto rs = strategy("rs");
  common::Rng rng_a(5);
  RunBudget b;
  b.budget_s = budget;
  const auto simulated = run_search(*rs, *simulated_evaluator, b, rng_a);

  const auto real = local_random_search(toy, {}, 1, budget, BudgetClock::charged, 0);
  REQUIRE(simulated.rows.size() == 10);
  REQUIRE(real.rows.size() == simulated.rows.size());
  CHECK(real.cut_off == simulated.cut_off);
  for (std::size_t i = 0; i < real.rows.size(); ++i) {
    CHECK(real.rows[i].arch == simulated.rows[i].arch);
    CHECK(real.rows[i].time_s == simulated.rows[i].time_s);
    CHECK(real.rows[i].real->times.charged_time_s == simulated.rows[i].time_s);
  }
}

TEST_CASE("Parity: the simulated clock fed a real run's durations reproduces its trace",
          "[executors]") {
  Toy toy;
  auto source = std::make_shared<testing::SleepingSource>(toy.table, fake_seconds);
  // Regularised Evolution mutates what it was told of, in the order it was told: the order of
  // completions decides what it proposes.
  auto evaluator = toy.evaluator(source);
  auto re = strategy("re");
  LocalExecutor executor(*evaluator, 1e9, 3, BudgetClock::charged);
  common::Rng rng_real(9);
  const auto real = run_search(*re, executor, 30, rng_real);
  REQUIRE(real.rows.size() == 30);

  std::vector<double> durations;
  for (const auto& r : by_launch(real)) durations.push_back(r.real->times.duration_s);
  auto replay_evaluator = toy.evaluator();
  auto replay_re = strategy("re");
  SimulatedExecutor replay(*replay_evaluator, 1e9, 3);
  replay.replay_durations(durations);
  common::Rng rng_replay(9);
  const auto replayed = run_search(*replay_re, replay, 30, rng_replay);
  REQUIRE(replayed.rows.size() == real.rows.size());
  for (std::size_t i = 0; i < real.rows.size(); ++i) {
    const auto &a = real.rows[i], &b = replayed.rows[i];
    CHECK(a.arch == b.arch);
    CHECK(a.score == b.score);
    CHECK(a.incumbent == b.incumbent);
    CHECK(a.incumbent_test_error == b.incumbent_test_error);
    CHECK(b.time_s == Approx(a.real->times.time_s).epsilon(1e-12));
  }
}

TEST_CASE("A continued trial rebuilt on another rank scores and charges as if it had stayed",
          "[executors]") {
  Toy toy;
  for (const std::string name : {"sotle", "val-early"})
    for (std::uint64_t first_seed = 0; first_seed < 8; ++first_seed) {
      auto here_evaluator = toy.rung_evaluator(name), there_evaluator = toy.rung_evaluator(name);
      JobEvaluator here(*here_evaluator), there(*there_evaluator);
      common::Rng first(first_seed), later(99);
      here.evaluate({7, 1234, 1}, first);
      here.evaluate({7, 1234, 3}, later);
      const auto stayed = here.evaluate({7, 1234, 9}, later);
      there.rebuild({7, 1234, 9}, first_seed, {1, 3});
      const auto moved = there.evaluate({7, 1234, 9}, later);
      CHECK(moved.score == stayed.score);
      CHECK(moved.cost_s == stayed.cost_s);
      CHECK(moved.epochs == 9);
    }
}

TEST_CASE("A real run's trace file carries the real and charged times, a simulated one does not",
          "[executors]") {
  Toy toy;
  const auto trace = local_random_search(toy, {}, 2, 1e9, BudgetClock::charged, 5, 3);
  const auto space = testing::nb201();
  const TraceIdentity id{"rs", "sotle", 0, 1, "00000000"};
  const auto text = trace_csv(trace, *space, id);
  CHECK(text.find("best_test_error,job,worker,attempts,failed,real_s,real_time_s,charged_time_s\n") !=
        std::string::npos);
  const auto back = parse_trace_csv(text, *space, "trace", id);
  REQUIRE(back.real_times);
  REQUIRE(back.rows.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(back.rows[i].real->job == trace.rows[i].real->job);
    CHECK(back.rows[i].real->worker == trace.rows[i].real->worker);
    CHECK(back.rows[i].real->times.duration_s == trace.rows[i].real->times.duration_s);
    CHECK(back.rows[i].real->times.charged_time_s == trace.rows[i].real->times.charged_time_s);
  }

  auto simulated_evaluator = toy.evaluator();
  auto rs_simulated = strategy("rs");
  RunBudget b;
  b.budget_s = 1e9;
  b.max_evaluations = 5;
  common::Rng rng_simulated(3);
  const auto simulated = run_search(*rs_simulated, *simulated_evaluator, b, rng_simulated);
  const auto simulated_text = trace_csv(simulated, *space, id);
  CHECK(simulated_text.find("best_test_error\n") != std::string::npos);
  CHECK(simulated_text.find("real_s") == std::string::npos);
  // A row without its last real column is refused.
  const auto first_row = text.find("charged_time_s\n") + 15;
  const auto row_end = text.find('\n', first_row);
  const auto last_comma = text.rfind(',', row_end);
  auto cut = text;
  cut.erase(last_comma, row_end - last_comma);
  CHECK_THROWS_WITH(parse_trace_csv(cut, *space, "trace", id),
                    Catch::Contains("expected 18 fields, found 17"));
}

namespace {

// Fails the observations of each architecture whose index (0 for its first) `fails` names
// (thread-safe).
std::function<bool(spaces::ArchCode)> failing_calls(std::function<bool(int)> fails) {
  auto seen = std::make_shared<std::map<spaces::ArchCode, int>>();
  auto mutex = std::make_shared<std::mutex>();
  return [seen, mutex, fails](spaces::ArchCode arch) {
    std::lock_guard<std::mutex> lock(*mutex);
    return fails((*seen)[arch]++);
  };
}

// Fails the first `failures` observations of each architecture, then succeeds.
std::function<bool(spaces::ArchCode)> failing_first(int failures) {
  return failing_calls([failures](int call) { return call < failures; });
}

}  // namespace

TEST_CASE("Fault policy: a job that throws is tried again with its seed, then recorded as failed",
          "[executors]") {
  Toy toy;
  auto run = [&](std::function<bool(spaces::ArchCode)> fails, int retries) {
    auto source = std::make_shared<testing::SleepingSource>(
        toy.table, [](spaces::ArchCode) { return 0.0; }, std::move(fails));
    return local_random_search(toy, source, 2, 1e9, BudgetClock::charged, 12, 3, retries);
  };
  const auto clean = by_launch(run({}, 2));
  // Every training fails once: the second try, with the same seed, gives the clean result.
  const auto retried = by_launch(run(failing_first(1), 2));
  REQUIRE(retried.size() == clean.size());
  for (std::size_t i = 0; i < clean.size(); ++i) {
    CHECK(retried[i].real->attempts == 2);
    CHECK_FALSE(retried[i].real->failed);
    CHECK(retried[i].score == clean[i].score);
    CHECK(retried[i].cost_s == clean[i].cost_s);
  }
  // Failing more often than the retries allow: recorded as failed, the run goes on.
  const auto trace = run(failing_first(2), 1);
  REQUIRE(trace.rows.size() == 12);
  CHECK(trace.failures.size() == 12);
  CHECK_THAT(trace.failures.front(), Catch::Contains("failed"));
  for (const auto& r : trace.rows) {
    CHECK(r.real->attempts == 2);
    CHECK(r.real->failed);
    CHECK(std::isinf(r.score));
    CHECK(r.cost_s == 0);
    CHECK(std::isnan(r.test_error));
  }
  // A failed job is never the incumbent: the first that succeeds is.
  const auto mixed = run([](spaces::ArchCode arch) { return arch % 2 == 0; }, 0);
  bool seen_success = false;
  for (const auto& r : mixed.rows) {
    CHECK(r.real->attempts == 1);
    CHECK(r.real->failed == (r.arch % 2 == 0));
    if (!r.real->failed) seen_success = true;
    if (seen_success) CHECK(r.incumbent % 2 == 1);
  }
}

TEST_CASE("Fault policy: a failed continuation of a trial is not tried again", "[executors]") {
  Toy toy;
  // Each architecture's first observation trains; every later one throws.
  auto source = std::make_shared<testing::SleepingSource>(
      toy.table, [](spaces::ArchCode) { return 0.0; }, failing_calls([](int call) { return call > 0; }));
  auto evaluator = toy.rung_evaluator("sotle", source);
  JobEvaluator jobs(*evaluator);
  const auto first = jobs.evaluate_retrying({7, 1234, 1}, 5, 3);
  CHECK(first.failure.empty());
  CHECK(first.attempts == 1);
  const auto continued = jobs.evaluate_retrying({7, 1234, 3}, 6, 3);
  CHECK(continued.attempts == 1);
  CHECK_THAT(continued.failure, Catch::Contains("training of architecture 1234 failed"));
  // A new trial of it starts a training, which is tried again.
  const auto fresh = jobs.evaluate_retrying({8, 1234, 1}, 7, 3);
  CHECK(fresh.attempts == 4);
  CHECK_FALSE(fresh.failure.empty());
}

TEST_CASE("Executor options: bad values are refused, a real executor is recorded",
          "[executors]") {
  StudyOptions o;
  o.benchmark = std::string(NASRUN_SOURCE_DIR) + "/data/fashion-mnist-nb201.nasbench";
  o.seeds = 1;
  o.budget = "2x";
  using testing::plan_error;
  auto bad = o;
  bad.executor = "cluster";
  CHECK(plan_error(bad) == "--executor must be simulated, local or mpi, got 'cluster'");
  bad = o;
  bad.budget_clock = "wall";
  CHECK(plan_error(bad) == "--budget-clock must be charged or real, got 'wall'");
  bad = o;
  bad.budget_clock = "real";
  CHECK(plan_error(bad) == "--budget-clock real needs a real executor (--executor local or mpi): "
                           "the simulated clock has charged time only");
  bad = o;
  bad.executor = "local";
  bad.workers = kMaxLocalWorkers + 1;
  CHECK(plan_error(bad) == "--workers 1025 with --executor local starts a thread per worker; at "
                           "most 1024");
  bad = o;
  bad.executor = "local";
  bad.retries = -1;
  CHECK(plan_error(bad) == "--retries must be 0 or more, got -1");
  bad = o;
  bad.executor = "mpi";
  bad.threads = 2;
  CHECK(plan_error(bad) == "--threads 2 with --executor mpi: the ranks serve one run at a time "
                           "(--threads 1)");

  const auto simulated = plan_study(o);
  CHECK_FALSE(simulated.record.contains("executor"));
  CHECK_FALSE(simulated.config.make_executor);
  auto local = o;
  local.executor = "local";
  local.workers = 2;
  local.budget_clock = "real";
  const auto plan = plan_study(local);
  CHECK(plan.record["executor"] == "local");
  CHECK(plan.record["budget_clock"] == "real");
  CHECK(plan.record["retries"] == 2);
  CHECK(plan.config.threads == 1);
  REQUIRE(plan.config.make_executor);
  auto evaluator = plan.make_evaluator("sotle", plan.config.estimator);
  CHECK(plan.config.make_executor(*evaluator, "sotle", plan.config.estimator,
                                  plan.config.budget)->workers() == 2);
}

namespace {

// A strategy whose master dies: it throws when told its `fatal`-th completion (1-based), after
// the runner has heard of it (and journaled it).
class DyingStrategy : public search::MultiFidelityStrategy {
 public:
  DyingStrategy(std::unique_ptr<search::MultiFidelityStrategy> inner, std::size_t fatal)
      : inner_(std::move(inner)), fatal_(fatal) {}
  std::optional<search::Job> ask() override { return inner_->ask(); }
  void tell(const search::Job& job, double score) override {
    if (++told_ == fatal_) throw std::runtime_error("the master died");
    inner_->tell(job, score);
  }
  std::vector<std::uint64_t> take_dropped() override { return inner_->take_dropped(); }

 private:
  std::unique_ptr<search::MultiFidelityStrategy> inner_;
  std::size_t fatal_, told_ = 0;
};

std::unique_ptr<search::MultiFidelityStrategy> rung_strategy(const std::string& name) {
  search::StrategyContext ctx;
  ctx.space = testing::nb201();
  ctx.seed = 11;
  ctx.n_init = 4;
  ctx.fidelity = {1, 9, 3, 0};  // rungs at 1, 3, 9 epochs
  return search::make_job_strategy(name, ctx);
}

// `workers` local workers over evaluators that `make` makes: each worker with its own (one
// worker per device) when `per_worker`, else all sharing one.
struct LocalWorkers {
  std::unique_ptr<evaluators::Evaluator> shared;
  std::unique_ptr<LocalExecutor> executor;

  LocalWorkers(const std::function<std::unique_ptr<evaluators::Evaluator>()>& make, int workers,
               bool per_worker) {
    if (!per_worker) {
      shared = make();
      executor = std::make_unique<LocalExecutor>(*shared, 1e9, workers, BudgetClock::charged);
      return;
    }
    std::vector<std::unique_ptr<evaluators::Evaluator>> own;
    for (int w = 0; w < workers; ++w) own.push_back(make());
    executor = std::make_unique<LocalExecutor>(std::move(own), 1e9, BudgetClock::charged);
  }
};

// One journaled run on three local workers (each with its own evaluator when `per_worker`): `make_strategy` (wrapped to die at its `fatal`-th
// completion when fatal > 0), at most `jobs` jobs, each training counted in `trainings`.
struct JournaledRun {
  const Toy& toy;
  std::function<std::unique_ptr<search::MultiFidelityStrategy>()> make_strategy;
  bool rungs = false;
  std::size_t jobs = 0;
  bool per_worker = false;

  Trace operator()(RunJournal& journal, std::atomic<int>& trainings, std::size_t fatal = 0) const {
    auto source = std::make_shared<testing::SleepingSource>(
        toy.table, fake_seconds, [&trainings](spaces::ArchCode) {
          ++trainings;
          return false;
        });
    LocalWorkers local(
        [&] { return rungs ? toy.rung_evaluator("sotle", source) : toy.evaluator(source); }, 3,
        per_worker);
    auto strategy = make_strategy();
    if (fatal > 0) strategy = std::make_unique<DyingStrategy>(std::move(strategy), fatal);
    JournaledExecutor executor(*local.executor, journal);
    common::Rng data_rng(9);
    return run_search(*strategy, executor, jobs, data_rng);
  }
};

const std::string kJournalHeader = "# nas-run journal: test";

// Kills `run` at its `fatal`-th completion, resumes it from its journal (whose last line is
// first torn when `torn`), and checks the resumed run: every job once, the journaled ones
// never trained again, the same trace as the simulated clock fed its recorded durations.
// `folder`: the test case's own (test cases run in parallel).
void check_resumed(const std::string& folder, const JournaledRun& run, std::size_t fatal,
                   bool torn,
                   const std::function<std::unique_ptr<evaluators::Evaluator>()>& make_replay) {
  testing::TempDir dir(folder);
  const auto path = dir.file("run.journal");
  std::atomic<int> first_trainings{0}, resumed_trainings{0}, uninterrupted_trainings{0};
  {
    RunJournal journal(path, kJournalHeader);
    CHECK_THROWS_WITH(run(journal, first_trainings, fatal), "the master died");
  }
  std::size_t journaled = 0;
  {
    const RunJournal journal(path, kJournalHeader);
    journaled = journal.entries().size();
  }
  REQUIRE(journaled == fatal);
  if (torn) {
    std::ofstream(path, std::ios::app) << "{\"job\":99,\"trial\":";
    const RunJournal journal(path, kJournalHeader);
    CHECK(journal.entries().size() == journaled);
  }
  RunJournal journal(path, kJournalHeader);
  const auto resumed = run(journal, resumed_trainings);
  testing::TempDir other_dir(folder + "-uninterrupted");
  RunJournal fresh(other_dir.file("run.journal"), kJournalHeader);
  const auto uninterrupted = run(fresh, uninterrupted_trainings);

  // Every job once, and the journal holds each of them.
  REQUIRE(resumed.rows.size() == uninterrupted.rows.size());
  std::set<std::size_t> jobs;
  for (const auto& r : resumed.rows) jobs.insert(r.real->job);
  CHECK(jobs.size() == resumed.rows.size());
  CHECK(*jobs.rbegin() == resumed.rows.size());
  CHECK(RunJournal(path, kJournalHeader).entries().size() == resumed.rows.size());
  // The journaled jobs were not trained again: the resumed run trained what the uninterrupted
  // one trained less one training per journaled job; with rungs, plus the rebuilding of the
  // trials it continued, which trains the journaled rungs of those trials again, unrecorded.
  // (With one evaluator per worker both runs also rebuild the trials that move: no comparison.)
  if (run.rungs) {
    if (!run.per_worker) CHECK(resumed_trainings < uninterrupted_trainings);
  } else {
    CHECK(resumed_trainings == uninterrupted_trainings - static_cast<int>(journaled));
  }
  // One run, as the simulated clock fed its durations places it.
  std::vector<double> durations(resumed.rows.size());
  for (const auto& r : resumed.rows) durations[r.real->job - 1] = r.real->times.duration_s;
  auto replay_evaluator = make_replay();
  auto replay_strategy = run.make_strategy();
  SimulatedExecutor replay(*replay_evaluator, 1e9, 3);
  replay.replay_durations(durations);
  common::Rng rng_replay(9);
  const auto replayed = run_search(*replay_strategy, replay, run.jobs, rng_replay);
  REQUIRE(replayed.rows.size() == resumed.rows.size());
  for (std::size_t i = 0; i < resumed.rows.size(); ++i) {
    const auto &a = resumed.rows[i], &b = replayed.rows[i];
    INFO("row " << i << ", job " << a.real->job << ", epochs " << a.epochs);
    CHECK(a.arch == b.arch);
    CHECK(a.score == b.score);
    CHECK(a.cost_s == b.cost_s);
    CHECK(a.epochs == b.epochs);
    CHECK(a.incumbent == b.incumbent);
    CHECK(b.time_s == Approx(a.real->times.time_s).epsilon(1e-9));
  }
}

}  // namespace

TEST_CASE("Journal: a killed master's run resumes mid-run without training finished jobs again",
          "[executors][journal]") {
  Toy toy;
  // Regularised Evolution: what it proposes depends on the order of the completions.
  const JournaledRun re{toy, [] { return strategy("re"); }, false, 24};
  for (std::size_t fatal : {1, 7, 23})
    for (bool torn : {false, true}) {
      INFO("killed at completion " << fatal << (torn ? ", last line torn" : ""));
      check_resumed("run-journal-re", re, fatal, torn, [&] { return toy.evaluator(); });
    }
}

TEST_CASE("Journal: a resumed multi-fidelity run rebuilds the trials it continues",
          "[executors][journal]") {
  Toy toy;
  // Successive halving continues trials at 3 and 9 epochs: a continuation of a journaled rung
  // rebuilds the trial's training first, charged as if it had stayed.
  const JournaledRun sh{toy, [] { return rung_strategy("sh"); }, true, 40};
  for (std::size_t fatal : {5, 12, 30}) {
    INFO("killed at completion " << fatal);
    // Over the same kind of source (the sleeping one continues a trial as every source does by
    // default, which the table does its own way), without the sleep.
    check_resumed("run-journal-sh", sh, fatal, false, [&] {
      return toy.rung_evaluator(
          "sotle", std::make_shared<testing::SleepingSource>(toy.table, [](spaces::ArchCode) {
            return 0.0;
          }));
    });
  }
}

TEST_CASE("Journal: a resumed run on one worker per device rebuilds the trials it continues",
          "[executors][journal][devices]") {
  Toy toy;
  const JournaledRun sh{toy, [] { return rung_strategy("sh"); }, true, 40, true};
  for (std::size_t fatal : {5, 12, 30}) {
    INFO("killed at completion " << fatal);
    check_resumed("run-journal-sh-devices", sh, fatal, false, [&] {
      return toy.rung_evaluator(
          "sotle", std::make_shared<testing::SleepingSource>(toy.table, [](spaces::ArchCode) {
            return 0.0;
          }));
    });
  }
}

TEST_CASE("Journal: another run's journal is refused, naming it", "[executors][journal]") {
  Toy toy;
  testing::TempDir dir("run-journal-refused");
  const auto path = dir.file("run.journal");
  std::atomic<int> trainings{0};
  {
    RunJournal journal(path, kJournalHeader);
    const JournaledRun re{toy, [] { return strategy("re"); }, false, 10};
    CHECK_THROWS(re(journal, trainings, 6));
  }
  CHECK_THROWS_WITH(RunJournal(path, "# nas-run journal: another"),
                    Catch::Contains(path + ":1: the journal belongs to another run or study"));
  // The same header, but another strategy asks other jobs.
  RunJournal journal(path, kJournalHeader);
  const JournaledRun rs{toy, [] { return strategy("rs"); }, false, 10};
  CHECK_THROWS_WITH(rs(journal, trainings),
                    Catch::Contains("the run's journal " + path + " does not match the run: job 5 is journaled as"));
  // A line that is complete but not a journaled job.
  testing::spit(path, kJournalHeader + "\n{\"job\":1}\n");
  CHECK_THROWS_WITH(RunJournal(path, kJournalHeader),
                    Catch::Contains(path + ":2: not a journaled job"));
  // The simulated clock keeps no journal.
  auto evaluator = toy.evaluator();
  SimulatedExecutor simulated(*evaluator, 1e9, 1);
  CHECK_THROWS_AS(JournaledExecutor(simulated, journal), std::invalid_argument);
}

TEST_CASE("One worker per device: a continuation whose holder is busy is rebuilt on another "
          "worker, with the result it would have had",
          "[executors][devices]") {
  Toy toy;
  std::atomic<int> observations{0};
  auto source = std::make_shared<testing::SleepingSource>(
      toy.table, [](spaces::ArchCode) { return 0.0; }, [&observations](spaces::ArchCode) {
        ++observations;
        return false;
      });
  struct Outcome {
    evaluators::Evaluation first;
    std::map<int, evaluators::Evaluation> by_worker;  // the runner's worker
    int observations = 0;
  };
  // Trial 1 runs a rung of 1 epoch, then (`holder_busy`: after a new trial took the first free
  // worker, which holds trial 1) continues to 3 epochs on the runner's worker 1.
  auto run = [&](bool per_worker, bool holder_busy) {
    observations = 0;
    LocalWorkers workers([&] { return toy.rung_evaluator("sotle", source); }, 2, per_worker);
    auto& executor = *workers.executor;
    common::Rng data_rng(5);
    Outcome out;
    executor.submit(0, {1, 1234, 1}, data_rng);
    out.first = executor.wait()->eval;
    if (holder_busy) executor.submit(0, {2, 4321, 1}, data_rng);
    executor.submit(1, {1, 1234, 3}, data_rng);
    for (int jobs = holder_busy ? 2 : 1; jobs > 0; --jobs) {
      const auto c = executor.wait();
      REQUIRE(c);
      out.by_worker[c->worker] = c->eval;
    }
    out.observations = observations;
    return out;
  };
  for (bool holder_busy : {false, true}) {
    INFO((holder_busy ? "holder busy" : "holder free"));
    const auto shared = run(false, holder_busy), own = run(true, holder_busy);
    REQUIRE(own.by_worker.size() == shared.by_worker.size());
    for (const auto& [worker, eval] : shared.by_worker) {
      const auto& other = own.by_worker.at(worker);
      CHECK(other.score == eval.score);
      CHECK(other.cost_s == eval.cost_s);
      CHECK(other.epochs == eval.epochs);
    }
    // The continuation is charged its 2 new epochs only (12 + 13 s), moved or not.
    CHECK(own.by_worker.at(1).cost_s == 25);
    // A moved trial's first rung is trained again where it moved; a trial that stayed is not.
    CHECK(own.observations == shared.observations + (holder_busy ? 1 : 0));
  }
}

TEST_CASE("One worker per device: successive halving gives the shared workers' results job "
          "for job",
          "[executors][devices]") {
  Toy toy;
  auto source = std::make_shared<testing::SleepingSource>(toy.table, fake_seconds);
  std::vector<std::vector<TraceRow>> runs;
  for (bool per_worker : {false, true}) {
    LocalWorkers workers([&] { return toy.rung_evaluator("sotle", source); }, 3, per_worker);
    auto sh = rung_strategy("sh");
    common::Rng data_rng(9);
    runs.push_back(by_launch(run_search(*sh, *workers.executor, 60, data_rng)));
  }
  REQUIRE(runs[0].size() == 60);
  REQUIRE(runs[1].size() == runs[0].size());
  int continuations = 0;
  for (std::size_t i = 0; i < runs[0].size(); ++i) {
    const auto &a = runs[0][i], &b = runs[1][i];
    INFO("job " << i + 1);
    CHECK(a.arch == b.arch);
    CHECK(a.epochs == b.epochs);
    CHECK(a.score == b.score);
    CHECK(a.cost_s == b.cost_s);
    continuations += a.epochs > 1;
  }
  CHECK(continuations > 0);
}
