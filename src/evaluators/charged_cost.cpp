#include "evaluators/charged_cost.hpp"

#include <cmath>

namespace nasrun::evaluators {

double charged_cost(const Curve& curve, const std::vector<Proxy>& proxies,
                    const std::vector<int>& validation_epochs, bool training_time_only) {
  double cost = 0;
  for (auto p : proxies)
    if (!std::isnan(curve.proxies.time_of(p))) cost += curve.proxies.time_of(p);
  for (double t : curve.train_time_s) cost += t;
  if (!training_time_only)
    for (int epoch : validation_epochs)
      if (epoch <= curve.epochs_trained) {
        const double t = curve.eval_time_s[static_cast<std::size_t>(epoch - 1)];
        if (!std::isnan(t)) cost += t;
      }
  return cost;
}

}  // namespace nasrun::evaluators
