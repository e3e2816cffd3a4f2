// TSE-EMA as its authors computed it (tse_ema.hpp): the moving average's value at epoch T.
// Before issue 19 this name summed mu^(T-t) L_t (weight 1 on the newest epoch and 0.9 per epoch
// back), which matches neither published code; it now follows the authors' code.
#include "evaluators/tse_ema.hpp"

#include <string>

namespace nasrun::evaluators {

namespace {

class TseEmaEstimator : public Estimator {
 public:
  TseEmaEstimator(EmaReading reading, int T, double mu) : reading_(reading), T_(T), mu_(mu) {
    if (!(mu > 0 && mu < 1))
      throw std::invalid_argument("TSE-EMA weight mu must lie in (0, 1), got " + std::to_string(mu));
  }
  int epochs_needed(int schedule_epochs) const override {
    return check_epoch_in_schedule(T_, schedule_epochs);
  }
  std::vector<CurveNeed> needs(int schedule_epochs) const override {
    epochs_needed(schedule_epochs);
    return {{Metric::TrainLoss, 1, T_}};
  }
  std::vector<int> validation_epochs(int) const override { return {}; }
  double score(const Curve& curve) const override {
    double ema = curve.at(Metric::TrainLoss, 1), series_sum = ema;
    for (int t = 2; t <= T_; ++t) {
      ema = (1 - mu_) * ema + mu_ * curve.at(Metric::TrainLoss, t);
      series_sum += ema;
    }
    return reading_ == EmaReading::LastValue ? ema : series_sum;
  }

 private:
  EmaReading reading_;
  int T_;
  double mu_;
};

const Registration<estimator_registry> kRegistration{
    "tse-ema",
    "moving average of the training losses of epochs 1..T, newest weighted mu (0.9), its value "
    "at T (Ru et al.'s code)",
    training_loss_ema(EmaReading::LastValue)};

}  // namespace

EstimatorFactory training_loss_ema(EmaReading reading, double mu) {
  return [=](const EstimatorOptions& o) { return std::make_unique<TseEmaEstimator>(reading, o.T, mu); };
}

EstimatorFactory training_loss_ema(EmaReading reading) {
  return [=](const EstimatorOptions& o) {
    return std::make_unique<TseEmaEstimator>(reading, o.T, o.ema_mu);
  };
}

}  // namespace nasrun::evaluators
