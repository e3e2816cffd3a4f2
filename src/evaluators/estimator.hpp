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
  double ema_mu = 0.9;       // TSE-EMA decay
};

class Estimator {
 public:
  virtual ~Estimator() = default;
  // Epochs of training the estimator needs when the schedule has T_end epochs. Throws
  // std::invalid_argument when its options do not fit (T > T_end, E > T).
  virtual int epochs_needed(int schedule_epochs) const = 0;
  virtual std::vector<CurveNeed> needs(int schedule_epochs) const = 0;
  // Epochs whose validation pass the estimator uses (their time is charged unless the cost
  // model counts training time only).
  virtual std::vector<int> validation_epochs(int schedule_epochs) const = 0;
  virtual double score(const Curve& curve) const = 0;
  // The schedule the estimator needs from a tabular benchmark ("" = the dataset's longest).
  virtual std::string schedule() const { return ""; }
};

// T itself when 1 <= T <= schedule_epochs; else std::invalid_argument saying so. For the
// estimators' epochs_needed().
int check_epoch_in_schedule(int T, int schedule_epochs);

using EstimatorFactory = std::function<std::unique_ptr<Estimator>(const EstimatorOptions&)>;

inline Registry<EstimatorFactory>& estimator_registry() {
  return Registry<EstimatorFactory>::instance("evaluator");
}

// One line in an estimator's file registers it:
//   const EstimatorRegistration kRegistration{"sotle", "SoTL-E ...", factory};
struct EstimatorRegistration {
  EstimatorRegistration(const std::string& name, std::string description, EstimatorFactory f) {
    estimator_registry().add(name, std::move(description), std::move(f));
  }
};

std::unique_ptr<Estimator> make_estimator(const std::string& name, const EstimatorOptions& opts);

// Whether the estimator `name` sums over a window E (its needs change with E): sotle, sovl-e.
bool takes_window(const std::string& name);

}  // namespace nasrun::evaluators
