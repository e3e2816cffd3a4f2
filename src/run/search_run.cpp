#include "run/search_run.hpp"

#include <cmath>
#include <limits>

#include "run/budget_tracker.hpp"

namespace nasrun::experiment {

Trace run_search(search::Strategy& strategy, evaluators::Evaluator& evaluator,
                 const RunBudget& budget, common::Rng& data_rng) {
  BudgetTracker clock(budget.budget_s, budget.workers);
  struct Running {
    spaces::ArchCode arch;
    evaluators::Evaluation eval;
  };
  std::vector<Running> running(static_cast<std::size_t>(budget.workers));
  std::size_t started = 0;
  auto launch = [&](int worker) {
    auto& r = running[static_cast<std::size_t>(worker)];
    r.arch = strategy.ask();
    // The evaluation is computed when it starts; the strategy hears of it when it completes.
    r.eval = evaluator.evaluate(r.arch, data_rng);
    clock.start(worker, r.eval.cost_s);
    ++started;
  };
  auto may_launch = [&] {
    return clock.budget_left() && (budget.max_evaluations == 0 || started < budget.max_evaluations);
  };
  for (int w = 0; w < budget.workers && may_launch(); ++w) launch(w);

  Trace trace;
  double best_score = std::numeric_limits<double>::infinity();
  TraceRow row;
  // NaN until a test error is known: with no ground truth (live training with truth=none) the
  // best seen is unknown, not infinitely bad.
  row.best_test_error = std::numeric_limits<double>::quiet_NaN();
  while (auto worker = clock.advance()) {
    const auto& r = running[static_cast<std::size_t>(*worker)];
    strategy.tell(r.arch, r.eval.score);
    ++row.evaluation;
    row.time_s = clock.now();
    row.arch = r.arch;
    row.score = r.eval.score;
    row.cost_s = r.eval.cost_s;
    row.epochs = r.eval.epochs;
    row.diverged = r.eval.diverged;
    row.test_error = r.eval.truth.test_error;
    // Strictly better only: on a tie the earlier incumbent stays.
    if (row.evaluation == 1 || r.eval.score < best_score) {
      best_score = r.eval.score;
      row.incumbent = r.arch;
      row.incumbent_test_error = r.eval.truth.test_error;
    }
    const double test_error = r.eval.truth.test_error;
    if (!std::isnan(test_error) && !(test_error >= row.best_test_error))
      row.best_test_error = test_error;
    trace.rows.push_back(row);
    if (may_launch()) launch(*worker);
  }
  trace.cut_off = started - trace.rows.size();
  return trace;
}

}  // namespace nasrun::experiment
