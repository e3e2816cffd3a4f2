// An evaluator scores an architecture: an estimator over a learning-curve source, plus the cost
// model that charges the simulated clock.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

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

// What an evaluator keeps of one trial (one training of one architecture) of a multi-fidelity
// search between its rungs.
struct Trial {
  std::unique_ptr<KeptTraining> training;
  int epochs = 0;                  // reached so far (0: not started)
  std::vector<int> charged_validations;  // epochs whose validation pass was charged, sorted
};

// The estimator that scores a rung at epoch T (estimator_at_epochs).
using EstimatorAtEpoch = std::function<std::unique_ptr<Estimator>(int T)>;

// evaluate() and evaluate_rung() (of different trials) may be called from parallel threads, as
// the real executors do: the estimators are const and the sources allow concurrent calls.
class Evaluator {
 public:
  // Throws bench::MissingDataError when the source can never serve what the estimator needs,
  // std::logic_error when the estimator asks for a test metric and is not an oracle
  // (check_test_split_access).
  // `at_epoch`, when given, makes the estimator of each rung of a multi-fidelity search.
  // `warmup`, when given, scores the warm-up jobs of a search (evaluate_warmup): an evaluator of
  // a zero-cost proxy, which trains nothing; std::invalid_argument when it trains.
  Evaluator(std::unique_ptr<Estimator> estimator, std::shared_ptr<LearningCurveSource> source,
            CostModel cost = {}, EstimatorAtEpoch at_epoch = {},
            std::unique_ptr<Evaluator> warmup = nullptr);
  // Throws bench::MissingDataError when the source lacks what the estimator needs. An estimator
  // of proxies observes them (LearningCurveSource::observe_proxies) and is charged the seconds
  // they took; 0 epochs.
  Evaluation evaluate(ArchCode arch, Rng& rng);
  int epochs_per_evaluation() const { return epochs_; }
  // The architecture scored by the warm-up proxy, charged what it took (a zero-cost warm-up,
  // search/warmup.hpp). Throws std::logic_error when the evaluator has no warm-up proxy.
  Evaluation evaluate_warmup(ArchCode arch, Rng& rng);
  int schedule_epochs() const { return source_->schedule_epochs(); }

  // Makes the estimator of every rung at epochs first..last, with the checks evaluate_rung()
  // makes on first use (the source serves it, no test split), so that what a search's rungs
  // could need and the data lacks is named before a study starts. Throws std::logic_error when
  // the evaluator does not score rungs.
  void check_rungs(int first, int last);
  // Trains `trial` of `arch` on to `epochs` (> trial.epochs, <= the schedule) and scores it there
  // with the estimator at T = epochs. Charged: the training time of the epochs trained by this
  // call, plus each validation pass the estimator reads that no earlier rung of the trial was
  // charged for (unless the cost model counts training time only). Throws std::logic_error when
  // the evaluator does not score rungs or `epochs` does not go beyond the trial, and what the
  // estimator or source throws.
  Evaluation evaluate_rung(ArchCode arch, int epochs, Rng& rng, Trial& trial);

 private:
  struct RungEstimator {
    std::unique_ptr<Estimator> estimator;
    std::vector<CurveNeed> needs;
    std::vector<int> validation_epochs;
  };
  const RungEstimator& rung_estimator(int epochs);
  // Score and truth of a curve, as evaluate() and evaluate_rung() both give them.
  void score_curve(const Estimator& estimator, ArchCode arch, const Curve& curve, Evaluation& e);

  std::unique_ptr<Estimator> estimator_;
  std::shared_ptr<LearningCurveSource> source_;
  CostModel cost_;
  int epochs_;
  std::vector<CurveNeed> needs_;
  std::vector<int> validation_epochs_;
  std::vector<Proxy> proxies_;
  EstimatorAtEpoch at_epoch_;
  std::unique_ptr<Evaluator> warmup_;
  // Made on first use; guarded, since real executors evaluate rungs from parallel threads.
  std::mutex rung_mutex_;
  std::map<int, RungEstimator> rung_estimators_;
};

// Whether the estimator `name` scores an architecture at any epoch T of a `schedule_epochs`
// schedule by what it trained up to T (sotle, val-early, ...), so it can score the rungs of a
// multi-fidelity search; not those that read the end of the schedule or another schedule
// (val-final, val-hp12).
bool scores_any_epoch(const std::string& name, int schedule_epochs);

// The estimator `name` at each rung epoch T: `options` with T replaced, and a window E larger
// than T narrowed to T (at a rung of 3 epochs SoVL-E with E = 10 sums the 3 there are).
EstimatorAtEpoch estimator_at_epochs(const std::string& name, const EstimatorOptions& options,
                                     int schedule_epochs);

}  // namespace nasrun::evaluators
