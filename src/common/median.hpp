// The median of a list of numbers, for every room that needs one (a budget's unit, summaries).
#pragma once

#include <algorithm>
#include <vector>

namespace nasrun::common {

// The middle value, or the mean of the two middle ones for an even count; reorders `values`,
// which must not be empty.
inline double median_of(std::vector<double>& values) {
  const auto n = values.size();
  const auto upper = values.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(values.begin(), upper, values.end());
  if (n % 2 == 1) return *upper;
  const double above = *upper;
  const double below = *std::max_element(values.begin(), upper);
  // Two infinite middles stay infinite (inf - inf would make NaN).
  return below == above ? above : below + (above - below) / 2;
}

}  // namespace nasrun::common
