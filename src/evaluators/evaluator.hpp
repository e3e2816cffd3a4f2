// An evaluator scores an architecture: an estimator over a learning-curve source, plus the cost
// model that charges the simulated clock.
#pragma once

#include <memory>

#include "evaluators/estimator.hpp"

namespace nasrun::evaluators {

// The architecture's final test error, for traces and summaries only. A separate type, so
// that nothing hands it to a strategy by accident.
struct GroundTruth {
  double test_error = 0;  // percent
};

struct Evaluation {
  double score = 0;   // what the strategy is told; lower is better
  double cost_s = 0;  // simulated seconds charged to the clock
  int epochs = 0;     // epochs trained
  bool diverged = false;
  GroundTruth truth;  // kept apart: reporting only
};

struct CostModel {
  // The paper charged training time only; by default a validation pass the estimator uses is
  // charged too, where the source records its time.
  bool training_time_only = false;
};

class Evaluator {
 public:
  // Throws bench::MissingDataError when the source can never serve what the estimator needs,
  // std::logic_error when the estimator asks for a test metric and is not an oracle
  // (check_test_split_access).
  Evaluator(std::unique_ptr<Estimator> estimator, std::shared_ptr<LearningCurveSource> source,
            CostModel cost = {});
  // Throws bench::MissingDataError when the source lacks what the estimator needs.
  Evaluation evaluate(ArchCode arch, Rng& rng);
  int epochs_per_evaluation() const { return epochs_; }

 private:
  std::unique_ptr<Estimator> estimator_;
  std::shared_ptr<LearningCurveSource> source_;
  CostModel cost_;
  int epochs_;
  std::vector<CurveNeed> needs_;
  std::vector<int> validation_epochs_;
};

}  // namespace nasrun::evaluators
