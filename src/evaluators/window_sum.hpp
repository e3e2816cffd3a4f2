// Sums of one per-epoch metric over a window of epochs ending at T (paper §2 and Fig. 8): the
// loss sums SoTL, SoTL-E, SoVL, SoVL-E (loss_sum.cpp) and the accuracy sum SoVA-E (sova_e.cpp).
// A loss sum is a score as it is (lower is better); an accuracy sum is negated.
#pragma once

#include <optional>

#include "evaluators/estimator.hpp"

namespace nasrun::evaluators {

// How the sum becomes a score.
enum class SumDirection { LowerIsBetter, HigherIsBetter };

// A factory summing `metric` over the E epochs ending at T, E from the options or
// `default_window`; with no default window, over all epochs 1..T (E is not an option then).
EstimatorFactory window_sum(Metric metric, SumDirection direction, std::optional<int> default_window);

}  // namespace nasrun::evaluators
