// Where a run's jobs are carried out. The runner (run_search) asks the strategy for jobs, hands
// each to an idle worker of an executor, and hears of them as they complete; what a worker is
// and which clock the budget runs on is the executor's business:
//
// - SimulatedExecutor: the simulated clock (BudgetTracker). A job is evaluated when it starts,
//   with the run's data generator, and completes its charged cost later. Nothing runs for real,
//   so results never depend on threads or machines.
// - LocalExecutor (local_executor.hpp): W threads of this process, each one training at a time.
// - the MPI executor (src/mpi): ranks 1..N-1 of an MPI job, rank 0 running the strategy.
//
// The real executors measure what happened (RealTimes) and share one budget policy
// (RealClocks): the budget runs on real time or on the charged time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "evaluators/evaluator.hpp"
#include "run/budget_tracker.hpp"
#include "search/multi_fidelity.hpp"

namespace nasrun::experiment {

// What a real executor measured of one job.
struct RealTimes {
  // Seconds from the event at which the runner launched the job (the completion it was
  // handling, or the run's start) to the job's completion: the training and the master's
  // dispatch, as a simulated clock fed this duration would place the job (parity).
  double duration_s = 0;
  double time_s = 0;          // real seconds from the run's start to the completion
  double charged_time_s = 0;  // the charged clock at the completion (RealClocks)
};

// A job as a real executor ran it, after the fault policy (JobEvaluator::evaluate_retrying).
struct Attempted {
  evaluators::Evaluation eval;
  int attempts = 1;
  // What the last attempt threw when every attempt failed (the job failed); empty otherwise.
  std::string failure;
};

// What rebuilding a trial's kept training where it is missing takes: the seed of the trial's
// first job and the epochs of its rungs so far, in order (JobEvaluator::rebuild).
struct TrialHistory {
  std::uint64_t first_seed = 0;
  std::vector<int> epochs;
};

// A job whose every try threw `failure`: the worst score, nothing charged, no epochs, an
// unknown test error.
Attempted failed_job(std::string failure);

struct Completion {
  int worker = 0;
  evaluators::Evaluation eval;
  double time_s = 0;  // on the clock the budget runs on
  std::optional<RealTimes> real;  // real executors only
  int attempts = 1;
  std::string failure;  // non-empty: the job failed (real executors only)
};

class RealClocks;

class Executor {
 public:
  virtual ~Executor() = default;
  virtual int workers() const = 0;
  // Whether a job launched now may still count within the budget.
  virtual bool budget_left() const = 0;
  // Starts `job` on idle worker `worker` (0-based, < workers()). `data_rng` is the run's data
  // generator: the simulated executor evaluates with it at once; a real one draws one seed from
  // it here, in launch order, for the job's own generator, so that results never depend on
  // which job finishes first.
  virtual void submit(int worker, const search::Job& job, common::Rng& data_rng) = 0;
  // The kept training of `trial`, which the strategy dropped, may go.
  virtual void release(std::uint64_t trial) = 0;
  // The next job to complete within the budget, once it has; nothing when none will any more
  // (the jobs still running were cut off by the budget).
  virtual std::optional<Completion> wait() = 0;

  // For a run resumed from its journal (JournaledExecutor), real executors only:
  // Launches `job` on idle `worker` without running it, its result being known: draws the job's
  // seed from `data_rng` as submit() does, and remembers it, so that a later job continuing the
  // trial first rebuilds its training. The default refuses (std::logic_error).
  virtual void submit_known(int worker, const search::Job& job, common::Rng& data_rng);
  // The clocks that replayed completions set; nullptr for the simulated clock.
  virtual RealClocks* real_clocks() { return nullptr; }
};

// Evaluates jobs where they run: the evaluator, and the kept training of each trial that a later
// job may continue. Jobs of different trials may be evaluated from parallel threads; a released
// trial's state goes when the last job using it ends.
class JobEvaluator {
 public:
  explicit JobEvaluator(evaluators::Evaluator& evaluator) : evaluator_(evaluator) {}
  // A job at Job::kEstimatorEpochs is Evaluator::evaluate, one at Job::kWarmupEpochs
  // Evaluator::evaluate_warmup, any other Evaluator::evaluate_rung of its trial. The runner has
  // checked the job (it continues no dropped trial, and goes beyond the trial's epochs).
  evaluators::Evaluation evaluate(const search::Job& job, common::Rng& rng);
  void release(std::uint64_t trial);
  // The fault policy of the real executors. The job is evaluated with a generator seeded `seed`;
  // when that throws (a training that fails, runs out of memory, ...), a job that starts a
  // training is tried again, with the same seed, up to `retries` more times. A job that
  // continues a trial is not: what the failed attempt left of its kept training is unknown. A
  // job whose every attempt threw has failed: its evaluation is the worst score (+infinity),
  // nothing charged, no epochs, an unknown test error (NaN), and `failure` says what it threw
  // (failed_job).
  Attempted evaluate_retrying(const search::Job& job, std::uint64_t seed, int retries);
  // Rebuilds here the kept training of the trial that `job` continues, when it is not here (it
  // ran on another MPI rank): the trial's first job with a generator seeded `first_seed`, then
  // each later rung to `earlier_epochs`, as they ran. Their evaluations are dropped (they were
  // charged where they ran); what the trial holds afterwards is what continuing needs.
  void rebuild(const search::Job& job, std::uint64_t first_seed,
               const std::vector<int>& earlier_epochs);
  // evaluate_retrying, after rebuilding the trial's training from `history` when it has rungs
  // (a continuation whose trial is not kept here). A rebuild that throws fails the job, as a
  // continuation that throws does.
  Attempted evaluate_rebuilding(const search::Job& job, std::uint64_t seed, int retries,
                                const TrialHistory& history);

 private:
  std::shared_ptr<evaluators::Trial> trial(std::uint64_t id);

  evaluators::Evaluator& evaluator_;
  std::mutex mutex_;  // guards trials_, not the trials in it
  std::map<std::uint64_t, std::shared_ptr<evaluators::Trial>> trials_;
};

// Today's simulated clock: each job charged its evaluation's cost, W workers, event order.
class SimulatedExecutor : public Executor {
 public:
  // budget_s > 0, workers >= 1.
  SimulatedExecutor(evaluators::Evaluator& evaluator, double budget_s, int workers);
  // Charges the n-th launched job (0-based) durations[n] seconds instead of its evaluation's
  // cost, where there is one (infinite: the job never completes), and gives each job its own
  // generator as the real executors do: the durations that a real run recorded
  // (RealTimes::duration_s by launch order) replay its scheduling and trace.
  void replay_durations(std::vector<double> durations) { replayed_ = std::move(durations); }

  int workers() const override { return clock_.workers(); }
  bool budget_left() const override { return clock_.budget_left(); }
  void submit(int worker, const search::Job& job, common::Rng& data_rng) override;
  void release(std::uint64_t trial) override { jobs_.release(trial); }
  std::optional<Completion> wait() override;

 private:
  JobEvaluator jobs_;
  BudgetTracker clock_;
  std::vector<evaluators::Evaluation> running_;  // by worker
  std::vector<double> replayed_;
  std::size_t launched_ = 0;
};

// Which clock a real run's budget runs on.
enum class BudgetClock {
  charged,  // the evaluations' charged costs, as in simulation (the default)
  real,     // real time from the run's start (--budget-clock real)
};
// "charged" or "real"; std::invalid_argument naming --budget-clock otherwise.
BudgetClock parse_budget_clock(const std::string& text);
std::string to_string(BudgetClock clock);

// The clocks of a real executor and its budget rule. The real clock runs from construction. The
// charged clock places each job at the charged time of the event that launched it plus its
// charged cost, and stands at the latest charged completion so far: the simulated clock, with
// the completions in the order they really came.
//
// Budget rule: on the charged clock a job counts when its charged completion is within the
// budget (those beyond are cut off, and later ones may still count); on the real clock a job
// counts when it completes within the budget, and at the budget every running job is cut off.
class RealClocks {
 public:
  using Clock = std::chrono::steady_clock;
  RealClocks(double budget_s, BudgetClock clock);

  bool budget_left() const;
  // The real deadline, for waiting (Clock::time_point::max() on the charged clock).
  Clock::time_point deadline() const;
  // A job launched now on `worker`.
  void launched(int worker);
  // The times of the job of `worker` that completed at `completed` with charged cost `cost_s`,
  // which becomes the event at which the next jobs launch; nothing when the budget cuts it off.
  std::optional<RealTimes> completed(int worker, Clock::time_point completed, double cost_s);
  // The clock the budget runs on, at the last counted completion.
  double budget_now() const;
  // A run resumed from its journal: the real clock reads `real_s` now (the time of the last
  // journaled completion; what the killed master spent after it is not counted).
  void resume_at(double real_s);
  // A journaled completion, replayed: the next jobs launch at it, as after completed().
  void replayed(const RealTimes& times);

 private:
  void advance(const RealTimes& times);

  double budget_s_;
  BudgetClock clock_;
  Clock::time_point start_;
  double event_real_ = 0, event_charged_ = 0, charged_now_ = 0;
  struct Launch {
    double real = 0, charged = 0;
  };
  std::map<int, Launch> launches_;  // by worker
};

}  // namespace nasrun::experiment
