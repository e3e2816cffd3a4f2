// One run: a strategy searches with an evaluator under a budget, its jobs carried out by an
// executor (the simulated clock, local workers, MPI ranks: executor.hpp), and every completed
// evaluation becomes a row of the run's trace.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "evaluators/evaluator.hpp"
#include "run/executor.hpp"
#include "search/multi_fidelity.hpp"

namespace nasrun::experiment {

// What a real executor adds to a trace row.
struct RealTrace {
  std::size_t job = 0;  // 1-based launch order (a replay's durations go by it)
  int worker = 0;
  int attempts = 1;     // the fault policy's tries (JobEvaluator::evaluate_retrying)
  bool failed = false;  // every attempt threw: the strategy was told the worst score
  RealTimes times;
};

struct TraceRow {
  std::size_t evaluation = 0;  // 1-based, in completion order
  double time_s = 0;           // completion, on the clock the budget runs on
  spaces::ArchCode arch = 0;
  double score = 0;
  double cost_s = 0;
  int epochs = 0;  // epochs trained (the fidelity reached, unless it diverged before)
  bool diverged = false;
  double test_error = 0;            // of `arch` (reporting only)
  spaces::ArchCode incumbent = 0;   // best score so far
  double incumbent_test_error = 0;  // what the search would return now
  double best_test_error = 0;       // best truth among everything evaluated so far
  std::optional<RealTrace> real;    // real executors only
};

struct Trace {
  std::vector<TraceRow> rows;
  // Evaluations that were running when the budget ran out (cut off, not in `rows`).
  std::size_t cut_off = 0;
  // Its rows hold real times (a real executor ran it): the trace file has their columns.
  bool real_times = false;
  // What each failed job threw ("job N: ..."), in completion order; not kept in trace files.
  std::vector<std::string> failures;
  // Rows dropped since the run (keep_summary_rows): 0 while `rows` holds every evaluation.
  std::size_t rows_left_out = 0;
  std::size_t evaluations() const { return rows.size() + rows_left_out; }
};

// The simulated run of today, which the overloads below run: the budget and workers of the
// simulated clock.
struct RunBudget {
  double budget_s = 0;
  int workers = 1;
  // A safety stop for evaluations that cost nothing; 0 = none.
  std::size_t max_evaluations = 1000000;
};

// `data_rng` drives the evaluator's random choices (e.g. which training seed a tabular lookup
// reads); the strategy has its own generator.
//
// A job at Job::kEstimatorEpochs is evaluated at the estimator's T (Evaluator::evaluate), one
// at Job::kWarmupEpochs by the evaluator's warm-up proxy (Evaluator::evaluate_warmup); any other
// job is a rung (Evaluator::evaluate_rung): a new trial starts a training, a known one
// continues it, and the trials the strategy drops release their kept state. The incumbent is
// the best score at the highest fidelity any job has reached so far (ties: the earlier stays),
// which for single-fidelity strategies is simply the best score, and after a warm-up the best
// trained architecture as soon as there is one (the warm-up's fidelity is the lowest); a failed
// job (real executors' fault policy) is told to the strategy as the worst score and is never
// the incumbent. Throws std::logic_error when the strategy continues a trial it dropped, or
// asks a trial for no more epochs than it has.
//
// The executor carries the jobs out and keeps the clock; the runner launches a job on each idle
// worker (lowest first) while the executor has budget left and fewer than `max_evaluations` jobs
// were launched (0 = no limit), and a worker whose ask() gets no job waits for the next
// completion. The run ends when no job runs and the strategy has none, or the budget is spent.
Trace run_search(search::MultiFidelityStrategy& strategy, Executor& executor,
                 std::size_t max_evaluations, common::Rng& data_rng);
// On the simulated clock (SimulatedExecutor).
Trace run_search(search::MultiFidelityStrategy& strategy, evaluators::Evaluator& evaluator,
                 const RunBudget& budget, common::Rng& data_rng);
// Makes a run's executor over the run's evaluator, named `evaluator_name` and made with
// `options` (a study's runs each have their own; an executor whose workers build their own
// evaluators builds them from the name and options, or tells its workers the name).
using ExecutorMaker = std::function<std::unique_ptr<Executor>(
    evaluators::Evaluator& evaluator, const std::string& evaluator_name,
    const evaluators::EstimatorOptions& options, const RunBudget&)>;

// A single-fidelity strategy, each architecture at the estimator's T.
Trace run_search(search::Strategy& strategy, evaluators::Evaluator& evaluator,
                 const RunBudget& budget, common::Rng& data_rng);

}  // namespace nasrun::experiment
