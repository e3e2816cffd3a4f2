// Performance estimators (paper §2, §5): a score, lower is better, from an observed curve.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/registry.hpp"
#include "evaluators/learning_curve.hpp"

namespace nasrun::evaluators {

struct EstimatorOptions {
  int T = 50;                // epoch at which early estimators score
  std::optional<int> E;      // summation window; each estimator has its own default
  double ema_mu = 0.9;       // tse-ema: the weight of the newest epoch in its moving average
  // The metric the architectures are ranked by (the table's truth metric): the oracles read it,
  // or the loss of its split.
  Metric truth_metric = Metric::TestAcc;
};

class Estimator {
 public:
  virtual ~Estimator() = default;
  // Epochs of training the estimator needs when the schedule has T_end epochs. Throws
  // std::invalid_argument when its options do not fit (T > T_end, E > T).
  virtual int epochs_needed(int schedule_epochs) const = 0;
  virtual std::vector<CurveNeed> needs(int schedule_epochs) const = 0;
  // The zero-cost proxies it reads (Curve::proxies). An estimator of proxies needs 0 epochs and
  // no curve: it is charged the seconds its proxies took.
  virtual std::vector<Proxy> proxies() const { return {}; }
  // Epochs whose validation pass the estimator uses (their time is charged unless the cost
  // model counts training time only).
  virtual std::vector<int> validation_epochs(int schedule_epochs) const = 0;
  virtual double score(const Curve& curve) const = 0;
  // The schedule the estimator needs from a tabular benchmark ("" = the dataset's longest).
  virtual std::string schedule() const { return ""; }
  // Whether it was made from a registration marked oracle (EstimatorTraits): only then may it
  // ask for a metric of the test split.
  bool oracle() const { return oracle_; }

 private:
  friend std::unique_ptr<Estimator> make_estimator(const std::string& name,
                                                   const EstimatorOptions& opts);
  bool oracle_ = false;
};

// Whether `metric` is measured on the test split (test_loss, test_acc, ori_test_*).
bool is_test_metric(Metric metric);

// Throws std::logic_error when `needs` ask for a test metric and `estimator` is not an oracle:
// the contract that keeps the test split away from searches, checked wherever an estimator
// meets a source.
void check_test_split_access(const Estimator& estimator, const std::vector<CurveNeed>& needs);

// T itself when 1 <= T <= schedule_epochs; else std::invalid_argument saying so. For the
// estimators' epochs_needed().
int check_epoch_in_schedule(int T, int schedule_epochs);

using EstimatorFactory = std::function<std::unique_ptr<Estimator>(const EstimatorOptions&)>;

struct EstimatorTraits {
  // An oracle reads the test split (test_loss, test_acc, ori_test_*), which the truth comes
  // from and a search must never see: a reference line of the rank study, never an evaluator of
  // a search. Only an estimator registered as one may ask for those metrics.
  bool oracle = false;
};

inline Registry<EstimatorFactory, EstimatorTraits>& estimator_registry() {
  return Registry<EstimatorFactory, EstimatorTraits>::instance("estimator");
}

std::unique_ptr<Estimator> make_estimator(const std::string& name, const EstimatorOptions& opts);

// Whether the estimator `name` sums over a window E (its needs change with E): sotle, sovl-e,
// sova-e.
bool takes_window(const std::string& name);

// Whether the estimator `name` reads EstimatorOptions::ema_mu (its score on a curve changes with
// it): tse-ema. tse-ema-naslib fixes its own weight, as NASLib does.
bool takes_mu(const std::string& name);

}  // namespace nasrun::evaluators
