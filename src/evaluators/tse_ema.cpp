// TSE-EMA (Ru et al., "Speedy performance estimation for NAS"): the training losses of epochs
// 1..T summed with exponentially decaying weights, mu^(T-t) for epoch t, so recent epochs count
// most. mu = 0.9 as in the paper's code.
#include "evaluators/estimator.hpp"

namespace nasrun::evaluators {

namespace {

class TseEmaEstimator : public Estimator {
 public:
  TseEmaEstimator(int T, double mu) : T_(T), mu_(mu) {
    if (!(mu > 0 && mu < 1))
      throw std::invalid_argument("TSE-EMA decay mu must lie in (0, 1), got " + std::to_string(mu));
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
    double ema = 0;
    for (int t = 1; t <= T_; ++t) ema = mu_ * ema + curve.at(Metric::TrainLoss, t);
    return ema;
  }

 private:
  int T_;
  double mu_;
};

const Registration<estimator_registry> kRegistration{
    "tse-ema", "training losses of epochs 1..T summed with weights mu^(T-t) (mu=0.9)",
    [](const EstimatorOptions& o) { return std::make_unique<TseEmaEstimator>(o.T, o.ema_mu); }};

}  // namespace

}  // namespace nasrun::evaluators
