#include "evaluators/evaluator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "evaluators/charged_cost.hpp"

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

bool takes_mu(const std::string& name) {
  constexpr int kEpochs = 3;
  // Scores of a curve whose every metric changes from epoch to epoch, at two weights.
  auto score_with = [&](double mu) {
    const auto estimator = make_estimator(name, {kEpochs, std::nullopt, mu});
    Curve curve;
    curve.schedule_epochs = curve.epochs_trained = kEpochs;
    for (const auto& need : estimator->needs(kEpochs)) {
      auto& s = curve.series[static_cast<int>(need.metric)];
      s.assign(kEpochs, std::numeric_limits<double>::quiet_NaN());
      for (int t = need.first_epoch; t <= need.last_epoch; ++t)
        s[static_cast<std::size_t>(t - 1)] = 1.0 / t + 0.25 * t;
    }
    curve.train_time_s.assign(kEpochs, 1.0);
    curve.eval_time_s.assign(kEpochs, 1.0);
    curve.params = 1000;
    return estimator->score(curve);
  };
  try {
    return score_with(0.5) != score_with(0.9);
  } catch (const std::exception&) {
    return false;
  }
}

bool scores_any_epoch(const std::string& name, int schedule_epochs) {
  // Asked at the first and the last epoch: a rung estimator trains exactly to T, on the
  // schedule it is given.
  for (int T : {1, schedule_epochs}) {
    EstimatorOptions options;
    options.T = T;
    options.E = 1;
    try {
      const auto estimator = make_estimator(name, options);
      if (!estimator->schedule().empty() || estimator->epochs_needed(schedule_epochs) != T)
        return false;
    } catch (const std::invalid_argument&) {
      return false;
    }
  }
  return true;
}

EstimatorAtEpoch estimator_at_epochs(const std::string& name, const EstimatorOptions& options,
                                     int schedule_epochs) {
  std::optional<int> window;
  if (takes_window(name)) {
    window = options.E;
    if (!window) {
      // The estimator's own default window, read off what it sums at the schedule's end.
      EstimatorOptions probe = options;
      probe.T = schedule_epochs;
      const auto needs = make_estimator(name, probe)->needs(schedule_epochs);
      window = schedule_epochs - needs.front().first_epoch + 1;
    }
  }
  return [=](int T) {
    EstimatorOptions at = options;
    at.T = T;
    if (window) at.E = std::min(*window, T);
    return make_estimator(name, at);
  };
}

Evaluator::Evaluator(std::unique_ptr<Estimator> estimator,
                     std::shared_ptr<LearningCurveSource> source, CostModel cost,
                     EstimatorAtEpoch at_epoch, std::unique_ptr<Evaluator> warmup)
    : estimator_(std::move(estimator)),
      source_(std::move(source)),
      cost_(cost),
      at_epoch_(std::move(at_epoch)),
      warmup_(std::move(warmup)) {
  if (warmup_ && warmup_->epochs_per_evaluation() != 0)
    throw std::invalid_argument("a warm-up is scored by a zero-cost proxy, which trains "
                                "nothing; this one trains " +
                                std::to_string(warmup_->epochs_per_evaluation()) + " epochs");
  const int t_end = source_->schedule_epochs();
  epochs_ = estimator_->epochs_needed(t_end);
  needs_ = estimator_->needs(t_end);
  validation_epochs_ = estimator_->validation_epochs(t_end);
  proxies_ = estimator_->proxies();
  // Sources index curves by these epochs unchecked: an estimator asking outside what it trains
  // is a programming error, caught here once rather than as a stray write in a source. Only an
  // estimator of proxies trains nothing.
  if (epochs_ < (proxies_.empty() ? 1 : 0) || epochs_ > t_end)
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
  source_->check_serves_proxies(proxies_);
}

void Evaluator::score_curve(const Estimator& estimator, ArchCode arch, const Curve& curve,
                            Evaluation& e) {
  e.epochs = curve.epochs_trained;
  e.diverged = curve.diverged;
  // A diverged run gets the worst score; the search goes on.
  e.score = curve.diverged ? std::numeric_limits<double>::infinity() : estimator.score(curve);
  if (std::isnan(e.score)) e.score = std::numeric_limits<double>::infinity();
  e.truth.test_error = source_->final_test_error(arch);
}

Evaluation Evaluator::evaluate(ArchCode arch, Rng& rng) {
  const Curve curve = observe_for(*source_, arch, epochs_, needs_, proxies_, rng);
  Evaluation e;
  // Proxies at initialisation: no training, charged the seconds their computation took.
  e.cost_s = charged_cost(curve, proxies_, validation_epochs_, cost_.training_time_only);
  score_curve(*estimator_, arch, curve, e);
  return e;
}

Evaluation Evaluator::evaluate_warmup(ArchCode arch, Rng& rng) {
  if (!warmup_) throw std::logic_error("this evaluator has no warm-up proxy");
  return warmup_->evaluate(arch, rng);
}

const Evaluator::RungEstimator& Evaluator::rung_estimator(int epochs) {
  std::lock_guard<std::mutex> lock(rung_mutex_);
  auto it = rung_estimators_.find(epochs);
  if (it != rung_estimators_.end()) return it->second;
  const int t_end = source_->schedule_epochs();
  RungEstimator rung;
  rung.estimator = at_epoch_(epochs);
  if (rung.estimator->epochs_needed(t_end) != epochs)
    throw std::logic_error("the estimator of a rung at epoch " + std::to_string(epochs) +
                           " trains " + std::to_string(rung.estimator->epochs_needed(t_end)) +
                           " epochs");
  rung.needs = rung.estimator->needs(t_end);
  rung.validation_epochs = rung.estimator->validation_epochs(t_end);
  check_test_split_access(*rung.estimator, rung.needs);
  source_->check_serves(rung.needs);
  return rung_estimators_.emplace(epochs, std::move(rung)).first->second;
}

void Evaluator::check_rungs(int first, int last) {
  if (!at_epoch_) throw std::logic_error("this evaluator does not score rungs");
  for (int epochs = first; epochs <= last; ++epochs) rung_estimator(epochs);
}

Evaluation Evaluator::evaluate_rung(ArchCode arch, int epochs, Rng& rng, Trial& trial) {
  if (!at_epoch_) throw std::logic_error("this evaluator does not score rungs");
  if (epochs <= trial.epochs || epochs > source_->schedule_epochs())
    throw std::logic_error("a rung at epoch " + std::to_string(epochs) + " cannot continue a " +
                           "trial at epoch " + std::to_string(trial.epochs) + " of a " +
                           std::to_string(source_->schedule_epochs()) + "-epoch schedule");
  const auto& rung = rung_estimator(epochs);
  const int before = trial.epochs;
  const Curve curve = source_->observe_continuing(arch, epochs, rung.needs, rng, trial.training);
  trial.epochs = epochs;
  Evaluation e;
  for (int t = before + 1; t <= curve.epochs_trained; ++t)
    e.cost_s += curve.train_time_s[static_cast<std::size_t>(t - 1)];
  if (!cost_.training_time_only)
    for (int epoch : rung.validation_epochs) {
      auto& charged = trial.charged_validations;
      const auto at = std::lower_bound(charged.begin(), charged.end(), epoch);
      if (epoch > curve.epochs_trained || (at != charged.end() && *at == epoch)) continue;
      charged.insert(at, epoch);
      const double t = curve.eval_time_s[static_cast<std::size_t>(epoch - 1)];
      if (!std::isnan(t)) e.cost_s += t;
    }
  score_curve(*rung.estimator, arch, curve, e);
  return e;
}

}  // namespace nasrun::evaluators
