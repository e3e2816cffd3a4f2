// One run: a strategy searches with an evaluator under a simulated budget, and every completed
// evaluation becomes a row of the run's trace.
#pragma once

#include <string>
#include <vector>

#include "evaluators/evaluator.hpp"
#include "search/multi_fidelity.hpp"

namespace nasrun::experiment {

struct TraceRow {
  std::size_t evaluation = 0;  // 1-based, in completion order
  double time_s = 0;           // simulated time of completion
  spaces::ArchCode arch = 0;
  double score = 0;
  double cost_s = 0;
  int epochs = 0;  // epochs trained (the fidelity reached, unless it diverged before)
  bool diverged = false;
  double test_error = 0;            // of `arch` (reporting only)
  spaces::ArchCode incumbent = 0;   // best score so far
  double incumbent_test_error = 0;  // what the search would return now
  double best_test_error = 0;       // best truth among everything evaluated so far
};

struct Trace {
  std::vector<TraceRow> rows;
  // Evaluations that were running when the budget ran out (cut off, not in `rows`).
  std::size_t cut_off = 0;
};

struct RunBudget {
  double budget_s = 0;
  int workers = 1;
  // A safety stop for evaluations that cost nothing; 0 = none.
  std::size_t max_evaluations = 1000000;
};

// `data_rng` drives the evaluator's random choices (e.g. which training seed a tabular lookup
// reads); the strategy has its own generator.
//
// A job at Job::kEstimatorEpochs is evaluated at the estimator's T (Evaluator::evaluate); any
// other job is a rung (Evaluator::evaluate_rung): a new trial starts a training, a known one
// continues it, and the trials the strategy drops release their kept state. The incumbent is
// the best score at the highest fidelity any job has reached so far (ties: the earlier stays),
// which for single-fidelity strategies is simply the best score. Throws std::logic_error when
// the strategy continues a trial it dropped, or asks a trial for no more epochs than it has.
Trace run_search(search::MultiFidelityStrategy& strategy, evaluators::Evaluator& evaluator,
                 const RunBudget& budget, common::Rng& data_rng);
// A single-fidelity strategy, each architecture at the estimator's T.
Trace run_search(search::Strategy& strategy, evaluators::Evaluator& evaluator,
                 const RunBudget& budget, common::Rng& data_rng);

}  // namespace nasrun::experiment
