// Multi-fidelity runs: evaluations that continue a trial charge only the epochs they add and
// read the same training; the runner's rules for trials, idle workers and the incumbent; and
// the summary's intervals and times to a target.
#include <catch2/catch.hpp>
#include <cmath>
#include <deque>

#include "evaluators/curve_source.hpp"
#include "run/search_run.hpp"
#include "study/summary.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::experiment;

namespace {

// The toy benchmark of test_support.hpp: train loss (c % 97 + 1) / epoch + seed, training time
// 10 + epoch, validation time 1 per epoch; seeds 0 and 1 (architecture 0 has seed 0 only).
struct Toy {
  std::shared_ptr<evaluators::LearningCurveSource> source = testing::tabular_source(
      std::make_shared<bench::Benchmark>(testing::toy_builder().build()), "toy");
  std::unique_ptr<evaluators::Evaluator> evaluator(const std::string& name) const {
    // The estimator of single-fidelity evaluations scores at the schedule's end; rungs at theirs.
    evaluators::EstimatorOptions options;
    options.T = 10;
    return std::make_unique<evaluators::Evaluator>(
        evaluators::make_estimator(name, options), source, evaluators::CostModel{},
        evaluators::estimator_at_epochs(name, options, source->schedule_epochs()));
  }
};

// Hands out a fixed list of jobs, dropping the trials listed after each tell; records what it
// was told.
class ScriptedStrategy : public search::MultiFidelityStrategy {
 public:
  explicit ScriptedStrategy(std::deque<search::Job> jobs,
                            std::vector<std::uint64_t> drop_after_first_tell = {})
      : jobs_(std::move(jobs)), drops_(std::move(drop_after_first_tell)) {}
  std::optional<search::Job> ask() override {
    if (jobs_.empty()) return std::nullopt;
    auto job = jobs_.front();
    jobs_.pop_front();
    return job;
  }
  void tell(const search::Job& job, double score) override { told.emplace_back(job, score); }
  std::vector<std::uint64_t> take_dropped() override { return std::exchange(drops_, {}); }
  std::vector<std::pair<search::Job, double>> told;

 private:
  std::deque<search::Job> jobs_;
  std::vector<std::uint64_t> drops_;
};

RunBudget budget(double seconds, int workers = 1) {
  RunBudget b;
  b.budget_s = seconds;
  b.workers = workers;
  return b;
}

}  // namespace

TEST_CASE("A continued trial charges only the epochs it adds and reads the same training",
          "[multifidelity]") {
  Toy toy;
  auto evaluator = toy.evaluator("sotle");
  // Trials 0..5 start at epoch 1, then each continues to 3.
  std::deque<search::Job> jobs;
  for (std::uint64_t t = 0; t < 6; ++t) jobs.push_back({t, 100 + t, 1});
  for (std::uint64_t t = 0; t < 6; ++t) jobs.push_back({t, 100 + t, 3});
  ScriptedStrategy strategy(jobs);
  common::Rng rng(7);
  const auto trace = run_search(strategy, *evaluator, budget(1e9), rng);
  REQUIRE(trace.rows.size() == 12);
  int seeds_seen[2] = {0, 0};
  for (std::size_t t = 0; t < 6; ++t) {
    const auto& first = trace.rows[t];
    const auto& second = trace.rows[t + 6];
    CHECK(first.cost_s == 11);            // epoch 1 from scratch
    CHECK(second.cost_s == 12 + 13);      // epochs 2 and 3 only
    CHECK(first.epochs == 1);
    CHECK(second.epochs == 3);
    const double quality = static_cast<double>((100 + t) % 97 + 1);
    const double seed_at_first = first.score - quality;
    const double seed_at_second = second.score - quality / 3;
    CHECK(seed_at_second == Approx(seed_at_first).margin(1e-5));  // the same training seed at both rungs
    ++seeds_seen[seed_at_first > 0.5 ? 1 : 0];
  }
  // Not the same seed everywhere: the draw is per trial, as a fresh evaluation's.
  CHECK(seeds_seen[0] > 0);
  CHECK(seeds_seen[1] > 0);
}

TEST_CASE("A continued trial is charged each validation pass once", "[multifidelity]") {
  Toy toy;
  auto evaluator = toy.evaluator("sovl-e");  // E = 10, narrowed to the rung's epochs
  ScriptedStrategy strategy({{0, 5, 1}, {0, 5, 3}, {0, 5, 10}});
  common::Rng rng(1);
  const auto trace = run_search(strategy, *evaluator, budget(1e9), rng);
  REQUIRE(trace.rows.size() == 3);
  CHECK(trace.rows[0].cost_s == 11 + 1);             // epoch 1, its validation pass
  CHECK(trace.rows[1].cost_s == 12 + 13 + 2);        // epochs 2, 3 and their passes
  double rest = 0;
  for (int e = 4; e <= 10; ++e) rest += 10 + e + 1;
  CHECK(trace.rows[2].cost_s == rest);
}

TEST_CASE("The runner refuses a continuation of a dropped trial, and one that goes back",
          "[multifidelity][bad-input]") {
  Toy toy;
  auto evaluator = toy.evaluator("sotle");
  common::Rng rng(1);
  {
    ScriptedStrategy strategy({{0, 5, 1}, {0, 5, 3}}, {0});
    CHECK_THROWS_WITH(run_search(strategy, *evaluator, budget(1e9), rng),
                      Catch::Contains("continues trial 0") && Catch::Contains("which it dropped"));
  }
  {
    ScriptedStrategy strategy({{0, 5, 3}, {0, 5, 2}});
    CHECK_THROWS_WITH(run_search(strategy, *evaluator, budget(1e9), rng),
                      Catch::Contains("asks trial 0 for 2 epochs") &&
                          Catch::Contains("has trained 3"));
  }
  {
    ScriptedStrategy strategy({{0, 5, 1}, {0, 6, 3}});
    CHECK_THROWS_WITH(run_search(strategy, *evaluator, budget(1e9), rng),
                      Catch::Contains("with architecture 6") &&
                          Catch::Contains("trained architecture 5"));
  }
}

TEST_CASE("A rung evaluator refuses epochs beyond the schedule", "[multifidelity][bad-input]") {
  Toy toy;
  auto evaluator = toy.evaluator("sotle");
  evaluators::Trial trial;
  common::Rng rng(1);
  CHECK_THROWS_WITH(evaluator->evaluate_rung(5, 11, rng, trial),
                    Catch::Contains("epoch 11") && Catch::Contains("10-epoch schedule"));
}

TEST_CASE("Estimators that read the end of the schedule cannot score rungs", "[multifidelity]") {
  for (const char* name :
       {"sotle", "sotl", "sovl", "sovl-e", "sova-e", "val-early", "tse-ema", "tse-ema-naslib"})
    CHECK(evaluators::scores_any_epoch(name, 10));
  for (const char* name : {"val-final", "val-hp12"}) CHECK_FALSE(evaluators::scores_any_epoch(name, 10));
}

TEST_CASE("The incumbent is the best score at the highest fidelity reached so far",
          "[multifidelity]") {
  Toy toy;
  auto evaluator = toy.evaluator("sotle");
  // Architecture 1 scores best at epoch 1 (quality 2); architecture 50 is the only one at 3.
  ScriptedStrategy strategy({{0, 1, 1}, {1, 50, 1}, {1, 50, 3}, {2, 60, 1}});
  common::Rng rng(1);
  const auto trace = run_search(strategy, *evaluator, budget(1e9), rng);
  REQUIRE(trace.rows.size() == 4);
  CHECK(trace.rows[0].incumbent == 1);
  CHECK(trace.rows[1].incumbent == 1);   // better at the same fidelity
  CHECK(trace.rows[2].incumbent == 50);  // the first at epoch 3, though its score is worse
  CHECK(trace.rows[3].incumbent == 50);  // a lower fidelity never displaces it
}

TEST_CASE("A worker with no job waits for the next result, and the run ends when none is left",
          "[multifidelity]") {
  Toy toy;
  auto evaluator = toy.evaluator("sotle");
  // A strategy that answers one job at a time: the second worker gets work only after a tell.
  class OneAtATime : public search::MultiFidelityStrategy {
   public:
    std::optional<search::Job> ask() override {
      if (pending_ || next_ == 3) return std::nullopt;
      pending_ = true;
      return search::Job{next_, 10 + next_++, 2};
    }
    void tell(const search::Job&, double) override { pending_ = false; }

   private:
    bool pending_ = false;
    std::uint64_t next_ = 0;
  } strategy;
  common::Rng rng(1);
  const auto trace = run_search(strategy, *evaluator, budget(1e9, 4), rng);
  REQUIRE(trace.rows.size() == 3);
  // One after another: each job starts when the previous one ends (11 + 12 per job).
  CHECK(trace.rows[0].time_s == 23);
  CHECK(trace.rows[1].time_s == 46);
  CHECK(trace.rows[2].time_s == 69);
  CHECK(trace.cut_off == 0);
}

TEST_CASE("Bootstrap intervals are reproducible and cover the statistic", "[summary]") {
  std::vector<double> values;
  for (int i = 0; i < 40; ++i) values.push_back(5 + (i * 37 % 11) * 0.5);
  const auto a = bootstrap_interval(values, mean_of);
  const auto b = bootstrap_interval(values, mean_of);
  CHECK(a.low == b.low);
  CHECK(a.high == b.high);
  auto copy = values;
  const double mean = mean_of(copy);
  CHECK(a.low < mean);
  CHECK(mean < a.high);
  // About two standard errors either side.
  const auto se = mean_se(values).se;
  CHECK((a.high - a.low) / (2 * 1.96 * se) == Approx(1).margin(0.2));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(std::isnan(bootstrap_interval({nan}, mean_of).low));
  const auto single = bootstrap_interval({3.0}, mean_of);
  CHECK(single.low == 3.0);
  CHECK(single.high == 3.0);
}

TEST_CASE("Median and time to target count runs that never reach it", "[summary]") {
  std::vector<double> odd{3, 1, 2};
  CHECK(median_of(odd) == 2);
  std::vector<double> even{4, 1, 3, 2};
  CHECK(median_of(even) == 2.5);
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> half_never{1, 2, inf, inf};
  CHECK(std::isinf(median_of(half_never)));

  Trace trace;
  for (int i = 0; i < 3; ++i) {
    TraceRow row;
    row.time_s = 10.0 * (i + 1);
    row.incumbent_test_error = 9.0 - i;
    trace.rows.push_back(row);
  }
  CHECK(time_to_reach(trace, 8.0) == 20);
  CHECK(time_to_reach(trace, 9.5) == 10);
  CHECK(std::isinf(time_to_reach(trace, 5.0)));

  std::vector<RunResult> runs(4);
  for (int r = 0; r < 4; ++r) {
    runs[r].strategy = "s";
    runs[r].evaluator = "e";
    runs[r].trace = trace;
  }
  runs[3].trace.rows.resize(1);  // never below 9
  const auto summary = summarise(runs, 100, 10, 8.0);
  REQUIRE(summary.combos.size() == 1);
  const auto& t = summary.combos[0].time_to_target;
  REQUIRE(t);
  CHECK(t->reached == 0.75);
  CHECK(t->median_s == 20);
  CHECK(t->median_interval.low <= 20);
  CHECK(std::isinf(t->median_interval.high));  // a resample of mostly the slow run never gets there
  CHECK_FALSE(summarise(runs, 100, 10).combos[0].time_to_target);
}
