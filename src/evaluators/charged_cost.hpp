// What an evaluation is charged (docs/evaluators.md, "Cost model"), from the curve it observed:
// shared by the evaluator that charges the clock and the rank study that reports each
// estimator's cost.
#pragma once

#include <vector>

#include "evaluators/learning_curve.hpp"

namespace nasrun::evaluators {

// The seconds of the proxies' computation, of the training of every epoch the curve trained and,
// unless `training_time_only`, of the validation passes of `validation_epochs` within them.
// Unknown (NaN) times add nothing.
double charged_cost(const Curve& curve, const std::vector<Proxy>& proxies,
                    const std::vector<int>& validation_epochs, bool training_time_only);

}  // namespace nasrun::evaluators
