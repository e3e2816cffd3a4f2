// The figure of a study: test error versus simulated time (log axis), mean over seeds with a
// standard-error band, one curve per (strategy, evaluator). Drawn by gnuplot.
#pragma once

#include <string>

#include "study/summary.hpp"

namespace nasrun::experiment {

// Incumbent: the test error of the architecture the search would return (best score so far),
// which is what automl/nas_benchmarks, the paper's code base, reports. BestSeen: the lowest test
// error among all evaluated so far, an oracle that picks by test data (a diagnostic only).
enum class PlottedQuantity { Incumbent, BestSeen };

// Writes <stem>.png and <stem>.svg (and <stem>.dat / <stem>.gp, the data and script that
// regenerate them). Throws std::runtime_error when gnuplot is missing or fails.
void plot_study(const StudySummary& summary, const std::string& stem, const std::string& title,
                PlottedQuantity quantity = PlottedQuantity::Incumbent);

}  // namespace nasrun::experiment
