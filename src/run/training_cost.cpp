#include "run/training_cost.hpp"

#include "common/median.hpp"

namespace nasrun::experiment {

double median_evaluation_cost(evaluators::Evaluator& full, const spaces::SearchSpace& space) {
  space.require_listable("the median full-training cost (the unit of a budget such as 150x)");
  common::Rng rng(0);
  std::vector<double> costs(space.size());
  for (spaces::ArchCode a = 0; a < space.size(); ++a) costs[a] = full.evaluate(a, rng).cost_s;
  return common::median_of(costs);
}

}  // namespace nasrun::experiment
