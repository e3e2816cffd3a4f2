#include "study/study.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <mutex>
#include <optional>

#include "common/random.hpp"
#include "study/summary.hpp"

namespace nasrun::experiment {

std::uint64_t run_seed(std::uint64_t base_seed, int run) {
  return common::mix_seed(base_seed, static_cast<std::uint64_t>(run));
}

std::vector<spaces::ArchCode> initial_design(const StudyConfig& config, int run) {
  if (config.initial_designs.empty()) return {};
  if (static_cast<std::size_t>(run) >= config.initial_designs.size())
    throw std::invalid_argument("the initial design file has designs for " +
                                std::to_string(config.initial_designs.size()) +
                                " runs, but run " + std::to_string(run) + " needs one");
  const auto& design = config.initial_designs[static_cast<std::size_t>(run)];
  if (design.size() < config.n_init)
    throw std::invalid_argument("the initial design file lists " + std::to_string(design.size()) +
                                " architectures for run " + std::to_string(run) +
                                ", fewer than the " + std::to_string(config.n_init) +
                                " initial architectures asked for (--n-init)");
  return {design.begin(), design.begin() + static_cast<std::ptrdiff_t>(config.n_init)};
}

void check_study(const StudyConfig& config) {
  if (config.seeds < 1) throw std::invalid_argument("--seeds must be at least 1");
  const long long combinations =
      static_cast<long long>(config.strategies.size() * config.evaluators.size());
  if (combinations * config.seeds > kMaxStudyRuns)
    throw std::invalid_argument(
        "--seeds " + std::to_string(config.seeds) + " with " + std::to_string(combinations) +
        " strategy x evaluator combination(s) makes " +
        std::to_string(combinations * config.seeds) + " runs; a study holds at most " +
        std::to_string(kMaxStudyRuns) +
        " (each run's trace is kept for the summary): split it into studies with --seed");
  if (config.n_init > kMaxInitialArchitectures)
    throw std::invalid_argument("--n-init " + std::to_string(config.n_init) +
                                " is more than a run can hold (at most " +
                                std::to_string(kMaxInitialArchitectures) + ")");
  if (config.warmup_sample > kMaxInitialArchitectures)
    throw std::invalid_argument("--warmup-sample " + std::to_string(config.warmup_sample) +
                                " is more than a run can hold (at most " +
                                std::to_string(kMaxInitialArchitectures) + ")");
  if (config.budget.workers > kMaxWorkers)
    throw std::invalid_argument("--workers " + std::to_string(config.budget.workers) +
                                " is more than a run can simulate (at most " +
                                std::to_string(kMaxWorkers) + ")");
  for (int run = 0; run < config.seeds; ++run) initial_design(config, run);
}

StudyInterrupted::StudyInterrupted(std::size_t finished_runs, std::size_t total_runs)
    : std::runtime_error("interrupted after " + std::to_string(finished_runs) + " of " +
                         std::to_string(total_runs) + " runs"),
      finished(finished_runs),
      total(total_runs) {}

RunResult run_one(const StudyConfig& config, spaces::SearchSpacePtr space,
                  const EvaluatorMaker& make_evaluator, const std::string& strategy,
                  const std::string& evaluator, int run, RunJournal* journal) {
  RunResult r{strategy, evaluator, run, run_seed(config.base_seed, run), {}};
  search::StrategyContext ctx;
  ctx.space = std::move(space);
  ctx.seed = common::mix_seed(r.seed, 1);
  ctx.n_init = config.n_init;
  ctx.initial_design = initial_design(config, run);
  ctx.fidelity = config.fidelity;
  ctx.warmup_sample = config.warmup_sample;
  auto s = search::make_job_strategy(strategy, ctx);
  auto e = make_evaluator(evaluator, config.estimator);
  common::Rng data_rng(common::mix_seed(r.seed, 2));
  if (config.make_executor) {
    const auto executor = config.make_executor(*e, evaluator, config.estimator, config.budget);
    if (journal) {
      JournaledExecutor journaled(*executor, *journal);
      r.trace = run_search(*s, journaled, config.budget.max_evaluations, data_rng);
    } else {
      r.trace = run_search(*s, *executor, config.budget.max_evaluations, data_rng);
    }
  } else {
    r.trace = run_search(*s, *e, config.budget, data_rng);
  }
  return r;
}

std::vector<RunResult> run_study(const StudyConfig& config, spaces::SearchSpacePtr space,
                                 const EvaluatorMaker& make_evaluator, const StudyHooks& hooks) {
  check_study(config);
  struct Task {
    std::string strategy, evaluator;
    int run;
  };
  std::vector<Task> tasks;
  for (const auto& s : config.strategies)
    for (const auto& e : config.evaluators)
      for (int i = 0; i < config.seeds; ++i) tasks.push_back({s, e, i});
  // Fail on bad names before spending any time.
  for (const auto& s : config.strategies) search::check_strategy_name(s);
  for (const auto& e : config.evaluators) make_evaluator(e, config.estimator);

  std::vector<RunResult> results(tasks.size());
  std::mutex mutex;
  std::size_t done = 0;
  std::optional<tbb::global_control> limit;
  if (config.threads > 0)
    limit.emplace(tbb::global_control::max_allowed_parallelism,
                  static_cast<std::size_t>(config.threads));
  // One task per run; each writes its own slot, so the outcome does not depend on scheduling.
  std::atomic<bool> stopped{false};
  tbb::parallel_for(std::size_t{0}, tasks.size(), [&](std::size_t i) {
    if (stopped || (hooks.stop_requested && hooks.stop_requested())) {
      stopped = true;
      return;
    }
    const auto& t = tasks[i];
    std::optional<RunResult> previous;
    if (hooks.resume) previous = hooks.resume(t.strategy, t.evaluator, t.run);
    if (previous) {
      results[i] = std::move(*previous);
    } else {
      std::unique_ptr<RunJournal> journal;
      if (config.make_executor && hooks.open_journal)
        journal = hooks.open_journal(t.strategy, t.evaluator, t.run);
      results[i] =
          run_one(config, space, make_evaluator, t.strategy, t.evaluator, t.run, journal.get());
      if (hooks.save) hooks.save(results[i]);
    }
    if (hooks.keep_summary_rows_only) keep_summary_rows(results[i].trace);
    std::lock_guard<std::mutex> lock(mutex);
    ++done;
    if (hooks.on_done) hooks.on_done(results[i], done, tasks.size());
  });
  if (stopped) throw StudyInterrupted(done, tasks.size());
  return results;
}

}  // namespace nasrun::experiment
