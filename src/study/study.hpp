// A study: every (strategy, evaluator) combination, each run over many seeds, in parallel.
//
// Seeding rule: run i of a study with base seed B has run seed mix_seed(B, i). The strategy's
// generator is seeded from mix_seed(run seed, 1) and the evaluator's data draws from
// mix_seed(run seed, 2). Strategy and evaluator names deliberately do not enter, so run i of
// every combination starts from the same initial design and the same data draws (common random
// numbers make the comparison between combinations sharper). A run depends on its seed alone,
// never on the thread count or on the other runs.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "evaluators/evaluator.hpp"
#include "run/run_journal.hpp"
#include "run/search_run.hpp"

namespace nasrun::experiment {

struct StudyConfig {
  std::vector<std::string> strategies = {"re"};
  std::vector<std::string> evaluators = {"sotle"};
  int seeds = 20;
  std::uint64_t base_seed = 0;
  std::size_t n_init = 10;
  // Initial designs per run index (e.g. the paper's); empty = n_init random ones.
  std::vector<std::vector<spaces::ArchCode>> initial_designs;
  // Above 0: each run's initial design is the best n_init of this many random architectures by
  // the evaluators' warm-up proxy (a zero-cost warm-up, search/warmup.hpp).
  std::size_t warmup_sample = 0;
  evaluators::EstimatorOptions estimator;
  evaluators::CostModel cost;
  RunBudget budget;
  // What multi-fidelity strategies hand out; single-fidelity ones ignore it.
  search::Fidelities fidelity;
  int threads = 0;  // 0 = all cores
  // Each run's executor; empty = the simulated clock.
  ExecutorMaker make_executor;
  int retries = 2;  // a real executor's fault policy (JobEvaluator::evaluate_retrying)
};

// Builds the evaluator of one run; the source behind it is shared by all runs.
using EvaluatorMaker = std::function<std::unique_ptr<evaluators::Evaluator>(
    const std::string& name, const evaluators::EstimatorOptions& options)>;

struct RunResult {
  std::string strategy, evaluator;
  int run = 0;
  std::uint64_t seed = 0;
  Trace trace;
};

// Called after each finished run (from worker threads, serialised by the study).
using RunCallback = std::function<void(const RunResult&, std::size_t done, std::size_t total)>;

// How a study meets what is around it; every member may be left empty.
struct StudyHooks {
  // A run's result from an earlier, interrupted study (e.g. its saved trace), standing in for
  // running it; nothing when it has to run.
  std::function<std::optional<RunResult>(const std::string& strategy,
                                         const std::string& evaluator, int run)>
      resume;
  // Saves a run that has just finished (not a resumed one), before on_done: called on the run's
  // own thread, at the same time for different runs, so that writing long traces overlaps.
  std::function<void(const RunResult&)> save;
  // After each finished or resumed run, one call at a time, in the order they end (progress).
  RunCallback on_done;
  // After `save` (or `resume`), a run's result keeps only the rows its summary reads
  // (keep_summary_rows): for a program that summarises the study and has the whole traces in
  // files, so that the study does not hold every evaluation of every run until the end.
  bool keep_summary_rows_only = false;
  // Once it answers true no further run starts.
  std::function<bool()> stop_requested;
  // On a real executor (config.make_executor), the journal of a run that is not resumed: the
  // run journals its completed jobs there and first replays those it holds.
  RunJournalMaker open_journal;
};

std::uint64_t run_seed(std::uint64_t base_seed, int run);

// Run `run`'s initial design: the first n_init of its row in config.initial_designs, or none
// (the strategy draws its own) when there are none. Throws std::invalid_argument when the row
// is missing or shorter than n_init.
std::vector<spaces::ArchCode> initial_design(const StudyConfig& config, int run);

// The most runs (strategies x evaluators x seeds) one study holds: every run's trace stays in
// memory until the summary, so a count beyond this is refused before anything is allocated.
inline constexpr long long kMaxStudyRuns = 100000;
// The most initial (or warm-up) architectures and simulated workers of one run: each is
// allocated up front (the planned design, the warm-up's sample, the workers' slots), for every
// run in flight.
inline constexpr std::size_t kMaxInitialArchitectures = 1000000;
inline constexpr int kMaxWorkers = 65536;

// Throws std::invalid_argument, before any run, for what would stop one: no seeds, more runs
// than kMaxStudyRuns, more initial architectures or workers than the limits above, or initial
// designs missing or too short for some run.
void check_study(const StudyConfig& config);

// What run_study throws when `stop_requested` answered true: the runs that finished were
// saved and handed to on_done; the others never started.
class StudyInterrupted : public std::runtime_error {
 public:
  StudyInterrupted(std::size_t finished, std::size_t total);
  std::size_t finished, total;
};

// Runs one (strategy, evaluator, run index). On a real executor (config.make_executor) with a
// `journal`, the run journals its completed jobs there and first replays those it holds
// (JournaledExecutor).
RunResult run_one(const StudyConfig& config, spaces::SearchSpacePtr space,
                  const EvaluatorMaker& make_evaluator, const std::string& strategy,
                  const std::string& evaluator, int run, RunJournal* journal = nullptr);

// Runs every combination and seed, through `hooks` (StudyHooks). Once `stop_requested` answers
// true, the runs in progress finish and StudyInterrupted is thrown.
std::vector<RunResult> run_study(const StudyConfig& config, spaces::SearchSpacePtr space,
                                 const EvaluatorMaker& make_evaluator,
                                 const StudyHooks& hooks = {});

}  // namespace nasrun::experiment
