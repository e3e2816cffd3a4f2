// Mean and standard error over seeds of each (strategy, evaluator) on a common log-spaced grid of
// simulated time: the incumbent's test error (what the search would return, and what the
// paper's code base reports) and the best test error seen so far (an oracle: it picks by test
// data, so it serves as a diagnostic only). At the end of the budget, the incumbent's mean has a
// bootstrap 95% interval; given a target error, so has the median time to reach it.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/median.hpp"
#include "study/study.hpp"

namespace nasrun::experiment {

struct MeanSe {
  double mean = 0, se = 0;
  int n = 0;  // runs with a value (a run has none before its first completion)
};

// A 95% interval: the percentile bootstrap (2,000 resamples of the runs, from a fixed seed, so a
// summary is reproducible); NaN when no run has a value.
struct Interval {
  double low = 0, high = 0;
};

// When runs first reached a target test error: the median over runs (a run that never reached
// it counts as never, so the median is infinite when half the runs or more never did), its
// bootstrap interval, and the share of runs that reached it.
struct TimeToTarget {
  double target = 0;  // percent test error of the incumbent
  double median_s = 0;
  Interval median_interval;
  double reached = 0;  // fraction of runs
};

struct ComboSummary {
  std::string strategy, evaluator;
  int runs = 0;
  std::vector<MeanSe> incumbent_test_error;  // on the grid
  std::vector<MeanSe> best_test_error;
  MeanSe final_incumbent_test_error, final_best_test_error, evaluations, cut_off;
  Interval final_incumbent_interval;  // of the mean
  std::optional<TimeToTarget> time_to_target;
};

struct StudySummary {
  std::vector<double> grid_s;
  std::vector<ComboSummary> combos;
  double budget_s = 0;
  nlohmann::json to_json() const;
};

// Drops the rows of `trace` that summarise() does not read, once its trace file is written: a
// study then holds a few rows a run rather than every evaluation until its summary. Kept: the
// first row, the last, and each row whose incumbent or best test error differs from the row
// before it (both are constant in between, and rows are in time order, so the value at any time
// and the first time a target is reached stay the same). Trace::evaluations() still counts
// every row.
void keep_summary_rows(Trace& trace);

MeanSe mean_se(const std::vector<double>& values);  // NaN values are left out
// The percentile bootstrap 95% interval of `statistic` over `values` (NaN values left out).
Interval bootstrap_interval(const std::vector<double>& values,
                            const std::function<double(std::vector<double>&)>& statistic);
double mean_of(std::vector<double>& values);
using common::median_of;  // reorders `values`
// The simulated time at which the run's incumbent first had a test error at or below `target`;
// infinity when it never did.
double time_to_reach(const Trace& trace, double target);
// `target_error`: also summarise when each combination's incumbents reached it.
StudySummary summarise(const std::vector<RunResult>& results, double budget_s,
                       int grid_points = 100, std::optional<double> target_error = {});

}  // namespace nasrun::experiment
