#include "run/search_run.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace nasrun::experiment {

namespace {

// The strategy's trials as the runner checks them: the architecture and epochs of each trial it
// may continue, and those it dropped. (Their kept training lives where the jobs run.)
class TrialLedger {
 public:
  void check(const search::Job& job) {
    if (!job.is_rung()) return;
    if (dropped_.count(job.trial))
      throw std::logic_error("the strategy continues trial " + std::to_string(job.trial) +
                             " (architecture " + std::to_string(job.arch) +
                             "), which it dropped");
    auto [it, fresh] = kept_.try_emplace(job.trial, Kept{job.arch, 0});
    if (!fresh && it->second.arch != job.arch)
      throw std::logic_error("the strategy continues trial " + std::to_string(job.trial) +
                             " with architecture " + std::to_string(job.arch) +
                             ", but it trained architecture " + std::to_string(it->second.arch));
    if (job.epochs <= it->second.epochs)
      throw std::logic_error("the strategy asks trial " + std::to_string(job.trial) + " for " +
                             std::to_string(job.epochs) + " epochs, but it has trained " +
                             std::to_string(it->second.epochs));
    it->second.epochs = job.epochs;
  }
  void drop(std::uint64_t trial) {
    kept_.erase(trial);
    dropped_.insert(trial);
  }

 private:
  struct Kept {
    spaces::ArchCode arch = 0;
    int epochs = 0;
  };
  std::map<std::uint64_t, Kept> kept_;
  std::set<std::uint64_t> dropped_;
};

}  // namespace

Trace run_search(search::MultiFidelityStrategy& strategy, Executor& executor,
                 std::size_t max_evaluations, common::Rng& data_rng) {
  const int workers = executor.workers();
  struct Running {
    search::Job job;
    std::size_t number = 0;  // 1-based launch order
  };
  std::vector<Running> running(static_cast<std::size_t>(workers));
  std::vector<bool> idle(static_cast<std::size_t>(workers), true);
  TrialLedger trials;
  std::size_t started = 0;
  auto may_launch = [&] {
    return executor.budget_left() && (max_evaluations == 0 || started < max_evaluations);
  };
  // Starts the strategy's next job on `worker`; false when it has none now.
  auto launch = [&](int worker) {
    auto job = strategy.ask();
    if (!job) return false;
    trials.check(*job);
    running[static_cast<std::size_t>(worker)] = {*job, ++started};
    executor.submit(worker, *job, data_rng);
    idle[static_cast<std::size_t>(worker)] = false;
    return true;
  };
  // Idle workers in order take jobs until the strategy has none to give.
  auto launch_idle = [&] {
    for (int w = 0; w < workers && may_launch(); ++w)
      if (idle[static_cast<std::size_t>(w)] && !launch(w)) break;
  };
  launch_idle();

  Trace trace;
  double best_score = std::numeric_limits<double>::infinity();
  int incumbent_fidelity = std::numeric_limits<int>::min();
  TraceRow row;
  // NaN until a test error is known: with no ground truth (live training with truth=none) the
  // best seen is unknown, not infinitely bad.
  row.best_test_error = std::numeric_limits<double>::quiet_NaN();
  while (auto done = executor.wait()) {
    const auto& r = running[static_cast<std::size_t>(done->worker)];
    const auto& eval = done->eval;
    idle[static_cast<std::size_t>(done->worker)] = true;
    strategy.tell(r.job, eval.score);
    for (auto trial : strategy.take_dropped()) {
      trials.drop(trial);
      executor.release(trial);
    }
    ++row.evaluation;
    row.time_s = done->time_s;
    row.arch = r.job.arch;
    row.score = eval.score;
    row.cost_s = eval.cost_s;
    row.epochs = eval.epochs;
    row.diverged = eval.diverged;
    row.test_error = eval.truth.test_error;
    const bool failed = !done->failure.empty();
    if (done->real) {
      trace.real_times = true;
      row.real = RealTrace{r.number, done->worker, done->attempts, failed, *done->real};
    }
    if (failed) trace.failures.push_back("job " + std::to_string(r.number) + ": " + done->failure);
    // A higher fidelity than any before makes a new incumbent; at the same fidelity, strictly
    // better only: on a tie the earlier incumbent stays.
    if (!failed && (r.job.epochs > incumbent_fidelity ||
                    (r.job.epochs == incumbent_fidelity && eval.score < best_score))) {
      incumbent_fidelity = r.job.epochs;
      best_score = eval.score;
      row.incumbent = r.job.arch;
      row.incumbent_test_error = eval.truth.test_error;
    }
    const double test_error = eval.truth.test_error;
    if (!std::isnan(test_error) && !(test_error >= row.best_test_error))
      row.best_test_error = test_error;
    trace.rows.push_back(row);
    launch_idle();
  }
  trace.cut_off = started - trace.rows.size();
  return trace;
}

Trace run_search(search::MultiFidelityStrategy& strategy, evaluators::Evaluator& evaluator,
                 const RunBudget& budget, common::Rng& data_rng) {
  SimulatedExecutor executor(evaluator, budget.budget_s, budget.workers);
  return run_search(strategy, executor, budget.max_evaluations, data_rng);
}

Trace run_search(search::Strategy& strategy, evaluators::Evaluator& evaluator,
                 const RunBudget& budget, common::Rng& data_rng) {
  search::SingleFidelityJobs jobs(strategy);
  return run_search(jobs, evaluator, budget, data_rng);
}

}  // namespace nasrun::experiment
