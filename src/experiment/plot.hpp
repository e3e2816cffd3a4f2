// The figure of a study: test error versus simulated time (log axis), mean over seeds with a
// standard-error band, one curve per (strategy, evaluator). Drawn by gnuplot.
#pragma once

#include <string>

#include "experiment/summary.hpp"

namespace nasrun::experiment {

enum class PlottedQuantity { BestSeen, Incumbent };

// Writes <stem>.png and <stem>.svg (and <stem>.dat / <stem>.gp, the data and script that
// regenerate them). Throws std::runtime_error when gnuplot is missing or fails.
void plot_study(const StudySummary& summary, const std::string& stem, const std::string& title,
                PlottedQuantity quantity = PlottedQuantity::BestSeen);

}  // namespace nasrun::experiment
