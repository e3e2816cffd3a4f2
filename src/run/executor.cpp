#include "run/executor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace nasrun::experiment {

std::shared_ptr<evaluators::Trial> JobEvaluator::trial(std::uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& kept = trials_[id];
  if (!kept) kept = std::make_shared<evaluators::Trial>();
  return kept;
}

evaluators::Evaluation JobEvaluator::evaluate(const search::Job& job, common::Rng& rng) {
  if (job.epochs == search::Job::kEstimatorEpochs) return evaluator_.evaluate(job.arch, rng);
  if (job.epochs == search::Job::kWarmupEpochs) return evaluator_.evaluate_warmup(job.arch, rng);
  return evaluator_.evaluate_rung(job.arch, job.epochs, rng, *trial(job.trial));
}

Attempted failed_job(std::string failure) {
  Attempted a;
  a.eval.score = std::numeric_limits<double>::infinity();
  a.eval.truth.test_error = std::numeric_limits<double>::quiet_NaN();
  a.failure = std::move(failure);
  return a;
}

Attempted JobEvaluator::evaluate_retrying(const search::Job& job, std::uint64_t seed,
                                          int retries) {
  const bool rung = job.is_rung();
  const bool continues = rung && trial(job.trial)->epochs > 0;
  std::string failure;
  for (int attempts = 1;; ++attempts) {
    try {
      common::Rng rng(seed);
      return {evaluate(job, rng), attempts, ""};
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (continues || attempts > retries) {
      auto failed = failed_job(failure);
      failed.attempts = attempts;
      return failed;
    }
    // The next try starts the trial's training afresh, whatever the failed one left.
    if (rung) release(job.trial);
  }
}

void JobEvaluator::rebuild(const search::Job& job, std::uint64_t first_seed,
                           const std::vector<int>& earlier_epochs) {
  const auto kept = trial(job.trial);
  if (kept->epochs > 0) return;
  common::Rng rng(first_seed);
  for (int epochs : earlier_epochs) evaluator_.evaluate_rung(job.arch, epochs, rng, *kept);
}

Attempted JobEvaluator::evaluate_rebuilding(const search::Job& job, std::uint64_t seed,
                                            int retries, const TrialHistory& history) {
  try {
    if (!history.epochs.empty()) rebuild(job, history.first_seed, history.epochs);
  } catch (const std::exception& e) {
    return failed_job(e.what());
  }
  return evaluate_retrying(job, seed, retries);
}

void JobEvaluator::release(std::uint64_t trial) {
  std::lock_guard<std::mutex> lock(mutex_);
  trials_.erase(trial);
}

void Executor::submit_known(int, const search::Job&, common::Rng&) {
  throw std::logic_error("only a real executor (local, mpi) resumes a run from its journal");
}

SimulatedExecutor::SimulatedExecutor(evaluators::Evaluator& evaluator, double budget_s,
                                     int workers)
    : jobs_(evaluator), clock_(budget_s, workers), running_(static_cast<std::size_t>(workers)) {}

void SimulatedExecutor::submit(int worker, const search::Job& job, common::Rng& data_rng) {
  // The evaluation is computed when the job starts; the runner hears of it when it completes. A
  // replay draws each job's generator as the real executors do.
  evaluators::Evaluation eval;
  if (replayed_.empty()) {
    eval = jobs_.evaluate(job, data_rng);
  } else {
    common::Rng job_rng(data_rng());
    eval = jobs_.evaluate(job, job_rng);
  }
  const double duration =
      launched_ < replayed_.size() ? replayed_[launched_] : eval.cost_s;
  ++launched_;
  // A replayed job that never completed (infinite) holds its worker past any budget.
  clock_.start(worker, std::min(duration, std::numeric_limits<double>::max()));
  running_.at(static_cast<std::size_t>(worker)) = eval;
}

std::optional<Completion> SimulatedExecutor::wait() {
  const auto worker = clock_.advance();
  if (!worker) return std::nullopt;
  Completion c;
  c.worker = *worker;
  c.eval = running_[static_cast<std::size_t>(*worker)];
  c.time_s = clock_.now();
  return c;
}

BudgetClock parse_budget_clock(const std::string& text) {
  if (text == "charged") return BudgetClock::charged;
  if (text == "real") return BudgetClock::real;
  throw std::invalid_argument("--budget-clock must be charged or real, got '" + text + "'");
}

std::string to_string(BudgetClock clock) {
  return clock == BudgetClock::real ? "real" : "charged";
}

RealClocks::RealClocks(double budget_s, BudgetClock clock)
    : budget_s_(budget_s), clock_(clock), start_(Clock::now()) {
  if (!(budget_s > 0) || !std::isfinite(budget_s))
    throw std::invalid_argument("the budget must be a positive number of seconds, got " +
                                std::to_string(budget_s));
}

bool RealClocks::budget_left() const {
  // Jobs launch at the event being handled, as on the simulated clock, so that a replay of the
  // run decides the same.
  return clock_ == BudgetClock::real ? event_real_ < budget_s_ : charged_now_ < budget_s_;
}

RealClocks::Clock::time_point RealClocks::deadline() const {
  if (clock_ == BudgetClock::charged) return Clock::time_point::max();
  return start_ + std::chrono::duration_cast<Clock::duration>(
                      std::chrono::duration<double>(budget_s_));
}

void RealClocks::launched(int worker) { launches_[worker] = {event_real_, event_charged_}; }

std::optional<RealTimes> RealClocks::completed(int worker, Clock::time_point completed,
                                               double cost_s) {
  const auto launch = launches_.at(worker);
  RealTimes t;
  t.time_s = std::chrono::duration<double>(completed - start_).count();
  t.duration_s = t.time_s - launch.real;
  t.charged_time_s = launch.charged + cost_s;
  if (clock_ == BudgetClock::real ? t.time_s > budget_s_ : t.charged_time_s > budget_s_)
    return std::nullopt;
  advance(t);
  return t;
}

void RealClocks::advance(const RealTimes& t) {
  // The runner launches the next jobs at this completion.
  event_real_ = t.time_s;
  charged_now_ = std::max(charged_now_, t.charged_time_s);
  event_charged_ = charged_now_;
}

void RealClocks::resume_at(double real_s) {
  start_ = Clock::now() - std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(real_s));
}

void RealClocks::replayed(const RealTimes& times) { advance(times); }

double RealClocks::budget_now() const {
  return clock_ == BudgetClock::real ? event_real_ : charged_now_;
}

}  // namespace nasrun::experiment
