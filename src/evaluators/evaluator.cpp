#include "evaluators/evaluator.hpp"

#include <cmath>
#include <limits>

namespace nasrun::evaluators {

double Curve::at(Metric m, int epoch) const {
  const auto& s = series[static_cast<int>(m)];
  if (s.empty())
    throw std::logic_error(std::string("curve holds no ") + bench::metric_name(m) +
                           " (the estimator did not ask for it)");
  if (epoch < 1 || static_cast<std::size_t>(epoch) > s.size())
    return std::numeric_limits<double>::quiet_NaN();
  return s[static_cast<std::size_t>(epoch - 1)];
}

int check_epoch_in_schedule(int T, int schedule_epochs) {
  if (T < 1 || T > schedule_epochs)
    throw std::invalid_argument("T=" + std::to_string(T) + " is outside the schedule's 1.." +
                                std::to_string(schedule_epochs) + " epochs");
  return T;
}

std::unique_ptr<Estimator> make_estimator(const std::string& name, const EstimatorOptions& opts) {
  return estimator_registry().at(name).factory(opts);
}

Evaluator::Evaluator(std::unique_ptr<Estimator> estimator,
                     std::shared_ptr<LearningCurveSource> source, CostModel cost)
    : estimator_(std::move(estimator)), source_(std::move(source)), cost_(cost) {
  const int t_end = source_->schedule_epochs();
  epochs_ = estimator_->epochs_needed(t_end);
  needs_ = estimator_->needs(t_end);
  validation_epochs_ = estimator_->validation_epochs(t_end);
}

Evaluation Evaluator::evaluate(ArchCode arch, Rng& rng) {
  const Curve curve = source_->observe(arch, epochs_, needs_, rng);
  Evaluation e;
  e.epochs = curve.epochs_trained;
  e.diverged = curve.diverged;
  for (double t : curve.train_time_s) e.cost_s += t;
  if (!cost_.training_time_only)
    for (int epoch : validation_epochs_)
      if (epoch <= curve.epochs_trained) {
        const double t = curve.eval_time_s[static_cast<std::size_t>(epoch - 1)];
        if (!std::isnan(t)) e.cost_s += t;
      }
  // A diverged run gets the worst score; the search goes on.
  e.score = curve.diverged ? std::numeric_limits<double>::infinity() : estimator_->score(curve);
  if (std::isnan(e.score)) e.score = std::numeric_limits<double>::infinity();
  e.truth.test_error = source_->final_test_error(arch);
  return e;
}

}  // namespace nasrun::evaluators
