// Multi-fidelity strategies: ask/tell over jobs that carry a fidelity (epochs to reach), in the
// manner of DEHB's ask/tell and syne-tune's schedulers. A strategy starts a trial (one training
// of one architecture) at a low fidelity, may later continue the same trial to a higher one
// (a promotion: only the epochs in between are trained and charged), may leave it paused for
// as long as it likes, and drops it when it will never continue it (its kept training state is
// then released). It sees the scores it is told and nothing else, like every strategy.
//
// Asynchronous strategies (ASHA) answer every ask() with a job; synchronous ones (successive
// halving) answer nothing while a rung waits for its last results, and the runner leaves that
// worker idle until the next tell(). A run ends when ask() answers nothing and no job runs.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "search/strategy.hpp"

namespace nasrun::search {

using Fidelities = StrategyContext::Fidelities;

struct Job {
  // The strategy's own number for one training of `arch`: a job whose trial ran before
  // continues that training; a new number starts a fresh one.
  std::uint64_t trial = 0;
  ArchCode arch = 0;
  // The epoch of the schedule to train to. kEstimatorEpochs: the evaluator's own T (what a
  // single-fidelity strategy's jobs ask for). kWarmupEpochs: no training, scored by the
  // evaluator's warm-up proxy (warmup.hpp); the lowest fidelity of all.
  int epochs = 0;
  static constexpr int kEstimatorEpochs = 0;
  static constexpr int kWarmupEpochs = -1;
  // A rung of a trial: training to `epochs` that a later job of the trial may continue.
  bool is_rung() const { return epochs > 0; }
};

class MultiFidelityStrategy {
 public:
  virtual ~MultiFidelityStrategy() = default;
  // The next job, or nothing when no job can start before a running one is told.
  virtual std::optional<Job> ask() = 0;
  // The score (lower is better) of a job that ask() handed out, at job.epochs.
  virtual void tell(const Job& job, double score) = 0;
  // The trials dropped since the last call: never continued again, so their kept training
  // state may be released. Continuing one is an error of the strategy's.
  virtual std::vector<std::uint64_t> take_dropped() { return {}; }
};

using MultiFidelityStrategyFactory =
    std::function<std::unique_ptr<MultiFidelityStrategy>(const StrategyContext&)>;

inline Registry<MultiFidelityStrategyFactory>& multi_fidelity_strategy_registry() {
  return Registry<MultiFidelityStrategyFactory>::instance("multi-fidelity strategy");
}

// A single-fidelity strategy as jobs: every architecture it asks for is a fresh trial at the
// evaluator's own T.
class SingleFidelityJobs : public MultiFidelityStrategy {
 public:
  explicit SingleFidelityJobs(Strategy& strategy) : strategy_(strategy) {}
  explicit SingleFidelityJobs(std::unique_ptr<Strategy> strategy)
      : owned_(std::move(strategy)), strategy_(*owned_) {}
  std::optional<Job> ask() override;
  void tell(const Job& job, double score) override;

 private:
  std::unique_ptr<Strategy> owned_;
  Strategy& strategy_;
  std::uint64_t next_trial_ = 0;
};

// Whether `name` is a registered multi-fidelity strategy (else a single-fidelity one, or none).
bool is_multi_fidelity(const std::string& name);

// Throws UnknownNameError, listing both kinds' names, unless `name` is a strategy of either kind.
void check_strategy_name(const std::string& name);

// Every strategy, both kinds, (name, description), by name.
std::vector<std::pair<std::string, std::string>> all_strategies();

// Any strategy by name as jobs: a multi-fidelity one as it is, a single-fidelity one as a job
// per ask() at Job::kEstimatorEpochs, each its own trial; behind a zero-cost warm-up
// (WarmupStart) when ctx.warmup_sample is above 0. Throws UnknownNameError naming both kinds'
// names, std::invalid_argument for a context without a space, with bad fidelities or with a
// warm-up that does not fit (check_warmup).
std::unique_ptr<MultiFidelityStrategy> make_job_strategy(const std::string& name,
                                                         const StrategyContext& ctx);

// Whether the strategy `name` starts its brackets with a proxy rung when
// Fidelities::proxy_rungs asks for one (the bracket strategies; not ASHA, not a
// single-fidelity one): asked of the strategy itself, on `space`.
bool takes_proxy_rungs(const std::string& name, spaces::SearchSpacePtr space);

// Throws std::invalid_argument naming the option (--eta, --min-epochs, --max-epochs,
// --brackets) when eta < 2, min_epochs < 1, min_epochs > max_epochs or brackets < 0.
void check_fidelities(const Fidelities& fidelities);

// The fidelity ladder of Hyperband (Li et al., JMLR 2018, Algorithm 1) as SMAC3 documents it:
// with R = max/min, s_max = floor(log_eta R) (computed without rounding error for exact
// powers), bracket s (s_max down to 0) starts n = ceil((s_max + 1) eta^s / (s + 1))
// configurations, and its rung i (0..s) keeps floor(n eta^-i) of them at budget
// max * eta^(i - s). Budgets are anchored at the maximum, so the smallest is max eta^-s_max
// (>= min): SMAC3's min 10, max 500, eta 3 gives 18.52, 55.56, 166.67, 500. Li et al.'s Table 1
// (R = 81, eta = 3) is the case min = 1, max = 81.
struct Rung {
  double budget = 0;            // in epochs, unrounded
  int epochs = 0;               // budget rounded to the nearest epoch, within [min, max]
  std::size_t configurations = 0;
};
struct Bracket {
  int s = 0;
  std::vector<Rung> rungs;  // lowest fidelity first
};

int max_bracket(const Fidelities& fidelities);  // s_max
std::vector<Bracket> hyperband_brackets(const Fidelities& fidelities);  // s_max first
// The epochs of the rungs of bracket s (the lowest first): max eta^(i - s) rounded, i = 0..s.
std::vector<int> rung_epochs(const Fidelities& fidelities, int s);

}  // namespace nasrun::search
