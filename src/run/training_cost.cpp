#include "run/training_cost.hpp"

#include <algorithm>

namespace nasrun::experiment {

double median_evaluation_cost(evaluators::Evaluator& full, const spaces::SearchSpace& space) {
  space.require_listable("the median full-training cost (the unit of a budget such as 150x)");
  common::Rng rng(0);
  std::vector<double> costs(space.size());
  for (spaces::ArchCode a = 0; a < space.size(); ++a) costs[a] = full.evaluate(a, rng).cost_s;
  const std::size_t mid = costs.size() / 2;
  std::nth_element(costs.begin(), costs.begin() + static_cast<std::ptrdiff_t>(mid), costs.end());
  if (costs.size() % 2 == 1) return costs[mid];
  // Even count: the mean of the two middle values; the lower one is the largest left of mid.
  const double lower = *std::max_element(costs.begin(), costs.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lower + costs[mid]) / 2;
}

}  // namespace nasrun::experiment
