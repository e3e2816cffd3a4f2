// SoVA-E (the paper's Fig. 8, appendix B.2): the sum of the validation accuracies of the E epochs
// ending at T, a smoothed early-stopping accuracy and the baseline the paper checks SoTL-E
// against. Higher accuracy is better, so the score is the negated sum. E defaults to 10, the
// window of SoVL-E, the other validation sum of that figure.
#include "evaluators/window_sum.hpp"

namespace nasrun::evaluators {

namespace {

const Registration<estimator_registry> kRegistration{
    "sova-e", "minus the sum of validation accuracies over the E epochs ending at T (default E=10)",
    window_sum(Metric::ValidAcc, SumDirection::HigherIsBetter, 10)};

}  // namespace

}  // namespace nasrun::evaluators
