// Sums of per-epoch losses (paper §2): SoTL sums the training losses of epochs 1..T, SoTL-E those
// of the E epochs ending at T; SoVL and SoVL-E do the same with validation losses. A lower sum
// means a faster-training architecture, so the sum itself is the score.
#include <limits>

#include "evaluators/estimator.hpp"

namespace nasrun::evaluators {

namespace {

class LossSumEstimator : public Estimator {
 public:
  // window 0 = all epochs 1..T.
  LossSumEstimator(Metric loss, int T, int window) : loss_(loss), T_(T), window_(window) {}

  int epochs_needed(int schedule_epochs) const override {
    check_epoch_in_schedule(T_, schedule_epochs);
    if (window_ < 0 || window_ > T_)
      throw std::invalid_argument("E=" + std::to_string(window_) + " must lie in 1..T (T=" +
                                  std::to_string(T_) + ")");
    return T_;
  }
  std::vector<CurveNeed> needs(int schedule_epochs) const override {
    epochs_needed(schedule_epochs);
    return {{loss_, first_epoch(), T_}};
  }
  std::vector<int> validation_epochs(int) const override {
    std::vector<int> out;
    if (loss_ == Metric::ValidLoss)
      for (int t = first_epoch(); t <= T_; ++t) out.push_back(t);
    return out;
  }
  double score(const Curve& curve) const override {
    double sum = 0;
    for (int t = first_epoch(); t <= T_; ++t) sum += curve.at(loss_, t);
    return sum;
  }

 private:
  int first_epoch() const { return window_ == 0 ? 1 : T_ - window_ + 1; }
  Metric loss_;
  int T_, window_;
};

EstimatorFactory loss_sum(Metric loss, std::optional<int> default_window) {
  return [=](const EstimatorOptions& o) {
    const int window = default_window ? o.E.value_or(*default_window) : 0;
    if (default_window && window < 1)
      throw std::invalid_argument("E must be at least 1, got " + std::to_string(window));
    return std::make_unique<LossSumEstimator>(loss, o.T, window);
  };
}

const Registration<estimator_registry> kSotl{
    "sotl", "sum of training losses over epochs 1..T", loss_sum(Metric::TrainLoss, std::nullopt)};
const Registration<estimator_registry> kSotle{
    "sotle", "SoTL-E: sum of training losses over the E epochs ending at T (default E=1)",
    loss_sum(Metric::TrainLoss, 1)};
const Registration<estimator_registry> kSovl{
    "sovl", "sum of validation losses over epochs 1..T", loss_sum(Metric::ValidLoss, std::nullopt)};
const Registration<estimator_registry> kSovle{
    "sovl-e", "sum of validation losses over the E epochs ending at T (default E=10)",
    loss_sum(Metric::ValidLoss, 10)};

}  // namespace

}  // namespace nasrun::evaluators
