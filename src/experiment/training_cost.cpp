#include "experiment/training_cost.hpp"

#include <algorithm>

namespace nasrun::experiment {

double median_evaluation_cost(evaluators::Evaluator& full, const spaces::SearchSpace& space) {
  spaces::Rng rng(0);
  std::vector<double> costs(space.size());
  for (spaces::ArchCode a = 0; a < space.size(); ++a) costs[a] = full.evaluate(a, rng).cost_s;
  const std::size_t mid = costs.size() / 2;
  std::nth_element(costs.begin(), costs.begin() + static_cast<std::ptrdiff_t>(mid), costs.end());
  if (costs.size() % 2 == 1) return costs[mid];
  const double upper = costs[mid];
  return (*std::max_element(costs.begin(), costs.begin() + static_cast<std::ptrdiff_t>(mid)) + upper) / 2;
}

}  // namespace nasrun::experiment
