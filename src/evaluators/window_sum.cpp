#include "evaluators/window_sum.hpp"

#include <string>

namespace nasrun::evaluators {

namespace {

class WindowSumEstimator : public Estimator {
 public:
  // window 0 = all epochs 1..T.
  WindowSumEstimator(Metric metric, SumDirection direction, int T, int window)
      : metric_(metric), direction_(direction), T_(T), window_(window) {}

  int epochs_needed(int schedule_epochs) const override {
    check_epoch_in_schedule(T_, schedule_epochs);
    if (window_ < 0 || window_ > T_)
      throw std::invalid_argument("E=" + std::to_string(window_) + " must lie in 1..T (T=" +
                                  std::to_string(T_) + ")");
    return T_;
  }
  std::vector<CurveNeed> needs(int schedule_epochs) const override {
    epochs_needed(schedule_epochs);
    return {{metric_, first_epoch(), T_}};
  }
  std::vector<int> validation_epochs(int) const override {
    std::vector<int> out;
    if (metric_ == Metric::ValidLoss || metric_ == Metric::ValidAcc)
      for (int t = first_epoch(); t <= T_; ++t) out.push_back(t);
    return out;
  }
  double score(const Curve& curve) const override {
    double sum = 0;
    for (int t = first_epoch(); t <= T_; ++t) sum += curve.at(metric_, t);
    return direction_ == SumDirection::LowerIsBetter ? sum : -sum;
  }

 private:
  int first_epoch() const { return window_ == 0 ? 1 : T_ - window_ + 1; }
  Metric metric_;
  SumDirection direction_;
  int T_, window_;
};

}  // namespace

EstimatorFactory window_sum(Metric metric, SumDirection direction, std::optional<int> default_window) {
  return [=](const EstimatorOptions& o) {
    const int window = default_window ? o.E.value_or(*default_window) : 0;
    if (default_window && window < 1)
      throw std::invalid_argument("E must be at least 1, got " + std::to_string(window));
    return std::make_unique<WindowSumEstimator>(metric, direction, o.T, window);
  };
}

}  // namespace nasrun::evaluators
