#include <catch2/catch.hpp>

#include "experiment/budget_tracker.hpp"

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

TEST_CASE("W workers run asynchronously; the first to finish goes next", "[budget]") {
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
  CHECK(parse_duration("150h") == 150 * 3600);
  CHECK(parse_duration("90m") == 5400);
  CHECK(parse_duration("12.5s") == 12.5);
  CHECK(parse_duration("7") == 7);
  for (const char* bad : {"", "h", "-3h", "0", "5d", "abc", "1e999"})
    CHECK_THROWS_WITH(parse_duration(bad), Catch::Contains("expected a positive duration"));
}
