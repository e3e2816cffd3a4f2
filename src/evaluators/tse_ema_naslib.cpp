// TSE-EMA as NASLib computes it (tse_ema.hpp): the sum of the moving average's values over epochs
// 1..T with mu = 0.99, fixed as NASLib fixes it (--mu sets tse-ema's weight only). With mu this
// close to 1 each value is nearly that epoch's loss, so the sum is close to SoTL.
#include "evaluators/tse_ema.hpp"

namespace nasrun::evaluators {

namespace {

const Registration<estimator_registry> kRegistration{
    "tse-ema-naslib",
    "sum over epochs 1..T of the training losses' moving average, newest weighted 0.99 (NASLib)",
    training_loss_ema(EmaReading::SumOfSeries, 0.99)};

}  // namespace

}  // namespace nasrun::evaluators
