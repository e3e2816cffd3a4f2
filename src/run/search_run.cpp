#include "run/search_run.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "run/budget_tracker.hpp"

namespace nasrun::experiment {

namespace {

// The strategy's trials: the kept state of those it may continue, and those it dropped.
class Trials {
 public:
  evaluators::Trial& for_job(const search::Job& job) {
    if (dropped_.count(job.trial))
      throw std::logic_error("the strategy continues trial " + std::to_string(job.trial) +
                             " (architecture " + std::to_string(job.arch) +
                             "), which it dropped");
    auto [it, fresh] = kept_.try_emplace(job.trial);
    if (!fresh && it->second.arch != job.arch)
      throw std::logic_error("the strategy continues trial " + std::to_string(job.trial) +
                             " with architecture " + std::to_string(job.arch) +
                             ", but it trained architecture " + std::to_string(it->second.arch));
    it->second.arch = job.arch;
    if (job.epochs <= it->second.trial.epochs)
      throw std::logic_error("the strategy asks trial " + std::to_string(job.trial) + " for " +
                             std::to_string(job.epochs) + " epochs, but it has trained " +
                             std::to_string(it->second.trial.epochs));
    return it->second.trial;
  }
  void drop(std::uint64_t trial) {
    kept_.erase(trial);
    dropped_.insert(trial);
  }

 private:
  struct Kept {
    spaces::ArchCode arch = 0;
    evaluators::Trial trial;
  };
  std::map<std::uint64_t, Kept> kept_;
  std::set<std::uint64_t> dropped_;
};

}  // namespace

Trace run_search(search::MultiFidelityStrategy& strategy, evaluators::Evaluator& evaluator,
                 const RunBudget& budget, common::Rng& data_rng) {
  BudgetTracker clock(budget.budget_s, budget.workers);
  struct Running {
    search::Job job;
    evaluators::Evaluation eval;
  };
  std::vector<Running> running(static_cast<std::size_t>(budget.workers));
  std::vector<bool> idle(static_cast<std::size_t>(budget.workers), true);
  Trials trials;
  std::size_t started = 0;
  auto may_launch = [&] {
    return clock.budget_left() && (budget.max_evaluations == 0 || started < budget.max_evaluations);
  };
  // Starts the strategy's next job on `worker`; false when it has none now.
  auto launch = [&](int worker) {
    auto job = strategy.ask();
    if (!job) return false;
    auto& r = running[static_cast<std::size_t>(worker)];
    r.job = *job;
    // The evaluation is computed when it starts; the strategy hears of it when it completes.
    r.eval = job->epochs == search::Job::kEstimatorEpochs
                 ? evaluator.evaluate(job->arch, data_rng)
                 : evaluator.evaluate_rung(job->arch, job->epochs, data_rng, trials.for_job(*job));
    clock.start(worker, r.eval.cost_s);
    idle[static_cast<std::size_t>(worker)] = false;
    ++started;
    return true;
  };
  // Idle workers in order take jobs until the strategy has none to give.
  auto launch_idle = [&] {
    for (int w = 0; w < budget.workers && may_launch(); ++w)
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
  while (auto worker = clock.advance()) {
    const auto& r = running[static_cast<std::size_t>(*worker)];
    idle[static_cast<std::size_t>(*worker)] = true;
    strategy.tell(r.job, r.eval.score);
    for (auto trial : strategy.take_dropped()) trials.drop(trial);
    ++row.evaluation;
    row.time_s = clock.now();
    row.arch = r.job.arch;
    row.score = r.eval.score;
    row.cost_s = r.eval.cost_s;
    row.epochs = r.eval.epochs;
    row.diverged = r.eval.diverged;
    row.test_error = r.eval.truth.test_error;
    // A higher fidelity than any before makes a new incumbent; at the same fidelity, strictly
    // better only: on a tie the earlier incumbent stays.
    if (r.job.epochs > incumbent_fidelity ||
        (r.job.epochs == incumbent_fidelity && r.eval.score < best_score)) {
      incumbent_fidelity = r.job.epochs;
      best_score = r.eval.score;
      row.incumbent = r.job.arch;
      row.incumbent_test_error = r.eval.truth.test_error;
    }
    const double test_error = r.eval.truth.test_error;
    if (!std::isnan(test_error) && !(test_error >= row.best_test_error))
      row.best_test_error = test_error;
    trace.rows.push_back(row);
    launch_idle();
  }
  trace.cut_off = started - trace.rows.size();
  return trace;
}

Trace run_search(search::Strategy& strategy, evaluators::Evaluator& evaluator,
                 const RunBudget& budget, common::Rng& data_rng) {
  search::SingleFidelityJobs jobs(strategy);
  return run_search(jobs, evaluator, budget, data_rng);
}

}  // namespace nasrun::experiment
