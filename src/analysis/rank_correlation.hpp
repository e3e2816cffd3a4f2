// Rank correlations between two samples: Spearman's rho (ties get their average rank), which
// the paper's rank-correlation study (§5.2-5.3) reports, and Kendall's tau-b (ties in either
// sample corrected for), the other common rank statistic, reported beside it. A pair in which
// either value is NaN is left out; infinities are ordinary (extreme) values.
#pragma once

#include <cstddef>
#include <vector>

namespace nasrun::experiment {

// 1-based ranks, ascending; a group of tied values each gets the mean of the ranks it spans
// (e.g. {10, 20, 20, 30} -> {1, 2.5, 2.5, 4}). NaN values get rank NaN and are not counted.
std::vector<double> average_ranks(const std::vector<double>& values);

struct RankCorrelation {
  double spearman = 0;  // NaN when undefined (fewer than 2 pairs, or a sample is constant)
  double kendall = 0;   // tau-b; NaN when undefined
  std::size_t n = 0;    // pairs used (neither value NaN)
};

// Both throw std::invalid_argument when the vectors differ in length.
// Spearman's rho: Pearson's correlation of the average ranks. O(n log n).
double spearman(const std::vector<double>& x, const std::vector<double>& y);
// Kendall's tau-b = (concordant - discordant) / sqrt((n0 - n1)(n0 - n2)), with n0 = n(n-1)/2 and
// n1, n2 the pairs tied in x, in y. Knight's O(n log n) algorithm (sort, then count the
// exchanges of a merge sort), so n = 15,625 architectures take milliseconds.
double kendall_tau_b(const std::vector<double>& x, const std::vector<double>& y);
RankCorrelation rank_correlation(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace nasrun::experiment
