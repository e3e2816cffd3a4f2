// Sums of per-epoch losses (paper §2): SoTL sums the training losses of epochs 1..T, SoTL-E those
// of the E epochs ending at T; SoVL and SoVL-E do the same with validation losses. A lower sum
// means a faster-training architecture, so the sum itself is the score.
#include "evaluators/window_sum.hpp"

namespace nasrun::evaluators {

namespace {

constexpr auto kLower = SumDirection::LowerIsBetter;

const Registration<estimator_registry> kSotl{
    "sotl", "sum of training losses over epochs 1..T",
    window_sum(Metric::TrainLoss, kLower, std::nullopt)};
const Registration<estimator_registry> kSotle{
    "sotle", "SoTL-E: sum of training losses over the E epochs ending at T (default E=1)",
    window_sum(Metric::TrainLoss, kLower, 1)};
const Registration<estimator_registry> kSovl{
    "sovl", "sum of validation losses over epochs 1..T",
    window_sum(Metric::ValidLoss, kLower, std::nullopt)};
const Registration<estimator_registry> kSovle{
    "sovl-e", "sum of validation losses over the E epochs ending at T (default E=10)",
    window_sum(Metric::ValidLoss, kLower, 10)};

}  // namespace

}  // namespace nasrun::evaluators
