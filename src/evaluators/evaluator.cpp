#include "evaluators/evaluator.hpp"

#include <cmath>
#include <limits>

namespace nasrun::evaluators {

int check_epoch_in_schedule(int T, int schedule_epochs) {
  if (T < 1 || T > schedule_epochs)
    throw std::invalid_argument("T=" + std::to_string(T) + " is outside the schedule's 1.." +
                                std::to_string(schedule_epochs) + " epochs");
  return T;
}

bool is_test_metric(Metric metric) {
  return metric == Metric::TestLoss || metric == Metric::TestAcc ||
         metric == Metric::OriTestLoss || metric == Metric::OriTestAcc;
}

void check_test_split_access(const Estimator& estimator, const std::vector<CurveNeed>& needs) {
  if (estimator.oracle()) return;
  for (const auto& need : needs)
    if (is_test_metric(need.metric))
      throw std::logic_error(std::string("estimator asks for ") + bench::metric_name(need.metric) +
                             ", a metric of the test split, which only an estimator registered "
                             "as an oracle may read");
}

std::unique_ptr<Estimator> make_estimator(const std::string& name, const EstimatorOptions& opts) {
  const auto& entry = estimator_registry().at(name);
  auto estimator = entry.factory(opts);
  estimator->oracle_ = entry.traits.oracle;
  return estimator;
}

bool takes_window(const std::string& name) {
  auto needs = [&](int E) { return make_estimator(name, {2, E, 0.9})->needs(2); };
  std::vector<CurveNeed> a, b;
  try {
    a = needs(1);
    b = needs(2);
  } catch (const std::exception&) {
    return false;
  }
  if (a.size() != b.size()) return true;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].metric != b[i].metric || a[i].first_epoch != b[i].first_epoch ||
        a[i].last_epoch != b[i].last_epoch)
      return true;
  return false;
}

Evaluator::Evaluator(std::unique_ptr<Estimator> estimator,
                     std::shared_ptr<LearningCurveSource> source, CostModel cost)
    : estimator_(std::move(estimator)), source_(std::move(source)), cost_(cost) {
  const int t_end = source_->schedule_epochs();
  epochs_ = estimator_->epochs_needed(t_end);
  needs_ = estimator_->needs(t_end);
  validation_epochs_ = estimator_->validation_epochs(t_end);
  // Sources index curves by these epochs unchecked: an estimator asking outside what it trains
  // is a programming error, caught here once rather than as a stray write in a source.
  if (epochs_ < 1 || epochs_ > t_end)
    throw std::logic_error("estimator trains " + std::to_string(epochs_) + " epochs of a " +
                           std::to_string(t_end) + "-epoch schedule");
  for (const auto& need : needs_)
    if (need.first_epoch < 1 || need.first_epoch > need.last_epoch || need.last_epoch > epochs_)
      throw std::logic_error(std::string("estimator asks for ") + bench::metric_name(need.metric) +
                             " at epochs " + std::to_string(need.first_epoch) + ".." +
                             std::to_string(need.last_epoch) + " but trains " +
                             std::to_string(epochs_));
  check_test_split_access(*estimator_, needs_);
  source_->check_serves(needs_);
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
