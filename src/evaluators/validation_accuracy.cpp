// Validation accuracy as the score (negated, so lower is better): at epoch T (early stopping),
// at the end of the schedule, or at the end of NAS-Bench-201's separate 12-epoch schedule.
#include "evaluators/estimator.hpp"

namespace nasrun::evaluators {

namespace {

class ValidationAccuracyEstimator : public Estimator {
 public:
  // T 0 = the schedule's last epoch.
  ValidationAccuracyEstimator(int T, std::string schedule) : T_(T), schedule_(std::move(schedule)) {}

  int epochs_needed(int schedule_epochs) const override {
    if (T_ == 0) return schedule_epochs;
    return check_epoch_in_schedule(T_, schedule_epochs);
  }
  std::vector<CurveNeed> needs(int schedule_epochs) const override {
    const int t = epochs_needed(schedule_epochs);
    return {{Metric::ValidAcc, t, t}};
  }
  std::vector<int> validation_epochs(int schedule_epochs) const override {
    return {epochs_needed(schedule_epochs)};
  }
  double score(const Curve& curve) const override {
    return -curve.at(Metric::ValidAcc, curve.epochs_trained);
  }
  std::string schedule() const override { return schedule_; }

 private:
  int T_;
  std::string schedule_;
};

const Registration<estimator_registry> kEarly{
    "val-early", "validation accuracy at epoch T (early stopping)",
    [](const EstimatorOptions& o) { return std::make_unique<ValidationAccuracyEstimator>(o.T, ""); }};
const Registration<estimator_registry> kFinal{
    "val-final", "validation accuracy at the schedule's last epoch T_end (full training)",
    [](const EstimatorOptions&) { return std::make_unique<ValidationAccuracyEstimator>(0, ""); }};
const Registration<estimator_registry> kHp12{
    "val-hp12",
    "validation accuracy after NAS-Bench-201's separate 12-epoch schedule (a cheap full run)",
    [](const EstimatorOptions&) { return std::make_unique<ValidationAccuracyEstimator>(0, "12"); }};

}  // namespace

}  // namespace nasrun::evaluators
