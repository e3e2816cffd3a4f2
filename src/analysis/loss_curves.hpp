// The paper's Fig. 9 (appendix B.3): how a per-epoch metric, the training loss, evolves across
// the architectures of a table: its mean and standard error at each epoch, and how many
// architectures are below a threshold (0.1, after Jiang et al.'s optimisation-based measures):
// the paper's explanation of why SoTL-E loses rank correlation late in training on CIFAR.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "bench/benchmark.hpp"

namespace nasrun::experiment {

struct CurveSummaryRow {
  int epoch = 0;
  std::size_t n = 0;              // architectures with a value at this epoch
  double mean = 0;                // mean of their values
  double standard_error = 0;      // sample standard deviation / sqrt(n); 0 for n = 1
  double lowest = 0;              // the smallest value
  std::size_t below = 0;          // architectures whose value is below the threshold
};

// One row per recorded epoch of `table` that has any value, over the architectures with results,
// those that share stored results (the isomorphic cells of a tabulated benchmark, which share
// their class's training) counted once, as in the rank study. Each architecture's value is read
// as `seeds` says (the mean over its seeds by default; a fixed seed skips architectures without
// it). Throws std::invalid_argument when the table lacks `metric` or `seeds` is random (a
// summary draws nothing).
std::vector<CurveSummaryRow> summarise_curves(const bench::Table& table, bench::Metric metric,
                                              double threshold,
                                              const bench::SeedPolicy& seeds = bench::SeedPolicy::mean());

std::string curve_summary_csv(const std::vector<CurveSummaryRow>& rows);
// Whether `path` starts with curve_summary_csv's header (an earlier output it may replace).
bool is_curve_summary_csv(const std::string& path);
// <stem>.png and .svg: the mean with standard-error bars (left), the count below the threshold
// (right); `what` names the metric and data in the title.
void plot_curve_summary(const std::vector<CurveSummaryRow>& rows, double threshold,
                        const std::string& what, const std::string& stem);

}  // namespace nasrun::experiment
