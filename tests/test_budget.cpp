#include <catch2/catch.hpp>

#include "common/numbers.hpp"
#include "evaluators/curve_source.hpp"
#include "run/budget_tracker.hpp"
#include "run/training_cost.hpp"
#include "test_support.hpp"

using namespace nasrun::experiment;

TEST_CASE("One worker: completions in order, the crossing evaluation is cut off", "[budget]") {
  BudgetTracker clock(10.0, 1);
  clock.start(0, 4);
  REQUIRE(clock.advance() == 0);
  CHECK(clock.now() == 4);
  clock.start(0, 6);  // ends exactly at the budget: counts
  REQUIRE(clock.advance() == 0);
  CHECK(clock.now() == 10);
  CHECK_FALSE(clock.budget_left());

  BudgetTracker c2(10.0, 1);
  c2.start(0, 7);
  REQUIRE(c2.advance() == 0);
  c2.start(0, 3.5);  // would end at 10.5: cut off
  CHECK_FALSE(c2.advance().has_value());
  CHECK(c2.now() == 10);
}

TEST_CASE("W workers run asynchronously, the first to finish goes next", "[budget]") {
  BudgetTracker clock(100.0, 3);
  clock.start(0, 30);
  clock.start(1, 10);
  clock.start(2, 20);
  REQUIRE(clock.advance() == 1);
  CHECK(clock.now() == 10);
  clock.start(1, 15);  // ends at 25
  REQUIRE(clock.advance() == 2);
  CHECK(clock.now() == 20);
  REQUIRE(clock.advance() == 1);
  CHECK(clock.now() == 25);
  REQUIRE(clock.advance() == 0);
  CHECK(clock.now() == 30);
  CHECK_FALSE(clock.advance().has_value());  // nothing running
  // Ties go to the lower worker.
  BudgetTracker tie(100.0, 2);
  tie.start(1, 5);
  tie.start(0, 5);
  CHECK(tie.advance() == 0);
  CHECK(tie.advance() == 1);
}

TEST_CASE("Budget tracker rejects bad input", "[budget]") {
  CHECK_THROWS_WITH(BudgetTracker(0, 1), Catch::Contains("positive number of seconds"));
  CHECK_THROWS_WITH(BudgetTracker(10, 0), Catch::Contains("at least 1"));
  BudgetTracker clock(10, 1);
  CHECK_THROWS_WITH(clock.start(0, -1), Catch::Contains("finite number of seconds >= 0"));
  clock.start(0, 1);
  CHECK_THROWS_WITH(clock.start(0, 1), Catch::Contains("already busy"));
}

TEST_CASE("Durations parse with units", "[budget]") {
  CHECK(nasrun::common::parse_duration("150h") == 150 * 3600);
  CHECK(nasrun::common::parse_duration("90m") == 5400);
  CHECK(nasrun::common::parse_duration("12.5s") == 12.5);
  CHECK(nasrun::common::parse_duration("7") == 7);
  for (const char* bad : {"", "h", "-3h", "0", "5d", "abc", "1e999"})
    CHECK_THROWS_WITH(nasrun::common::parse_duration(bad), Catch::Contains("expected a positive duration"));
}

TEST_CASE("Budgets are durations or numbers of full trainings", "[budget]") {
  const auto hours = parse_budget("150h");
  CHECK_FALSE(hours.in_full_trainings);
  CHECK(hours.amount == 150 * 3600);
  const auto trainings = parse_budget("150x");
  CHECK(trainings.in_full_trainings);
  CHECK(trainings.amount == 150);
  CHECK(parse_budget("2.5x").amount == 2.5);
  for (const char* bad : {"x", "0x", "-1x", "1e999x", "5xx"})
    CHECK_THROWS_WITH(parse_budget(bad), Catch::Contains("expected a positive number of full trainings"));
  for (const char* bad : {"5d", "x5"})
    CHECK_THROWS_WITH(parse_budget(bad), Catch::Contains("expected a positive duration"));
}

TEST_CASE("A full training's cost is the median over every architecture, not the mean", "[budget]") {
  // Architecture c trains each of its 10 epochs in 1 + (c % 4)^2 seconds and validates in 1:
  // full trainings of 11, 21, 51 and 101 s, the first for 3,907 of the 15,625 cells and the
  // others for 3,906 each, so the median is 21 s (the mean would be 46).
  auto builder = nasrun::testing::toy_builder();
  auto& table = builder.add_table("timed", "10", 10, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, {0},
                                  nasrun::bench::Metric::TestAcc);
  for (nasrun::spaces::ArchCode c = 0; c < 15625; ++c)
    for (int e = 1; e <= 10; ++e) {
      table.set(nasrun::bench::Metric::ValidAcc, c, 0, e, 50);
      table.set(nasrun::bench::Metric::TestAcc, c, 0, e, 60);
      table.set(nasrun::bench::Metric::TrainTime, c, 0, e, 1.0 + (c % 4) * (c % 4));
      table.set(nasrun::bench::Metric::EvalTime, c, 0, e, 1.0);
    }
  nasrun::evaluators::SourceOptions options;
  options.benchmark = std::make_shared<nasrun::bench::Benchmark>(builder.build());
  options.dataset = "timed";
  const auto source = nasrun::evaluators::make_curve_source("tabular", options);
  nasrun::evaluators::Evaluator full(nasrun::evaluators::make_estimator("val-final", {}), source);
  CHECK(median_evaluation_cost(full, options.benchmark->space()) == 21);
  nasrun::evaluators::Evaluator train_only(nasrun::evaluators::make_estimator("val-final", {}), source,
                                           nasrun::evaluators::CostModel{true});
  CHECK(median_evaluation_cost(train_only, options.benchmark->space()) == 20);
}
