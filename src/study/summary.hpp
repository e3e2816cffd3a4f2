// Mean and standard error over seeds of each (strategy, evaluator) on a common log-spaced grid of
// simulated time: the incumbent's test error (what the search would return, and what the
// paper's code base reports) and the best test error seen so far (an oracle: it picks by test
// data, so it serves as a diagnostic only).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "study/study.hpp"

namespace nasrun::experiment {

struct MeanSe {
  double mean = 0, se = 0;
  int n = 0;  // runs with a value (a run has none before its first completion)
};

struct ComboSummary {
  std::string strategy, evaluator;
  int runs = 0;
  std::vector<MeanSe> incumbent_test_error;  // on the grid
  std::vector<MeanSe> best_test_error;
  MeanSe final_incumbent_test_error, final_best_test_error, evaluations, cut_off;
};

struct StudySummary {
  std::vector<double> grid_s;
  std::vector<ComboSummary> combos;
  double budget_s = 0;
  nlohmann::json to_json() const;
};

MeanSe mean_se(const std::vector<double>& values);  // NaN values are left out
StudySummary summarise(const std::vector<RunResult>& results, double budget_s,
                       int grid_points = 100);

}  // namespace nasrun::experiment
