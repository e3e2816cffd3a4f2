// ASHA, the asynchronous successive halving of Li et al., "A System for Massively Parallel
// Hyperparameter Tuning" (MLSys 2020), in its promotion form (their Algorithm 2, get_job). Rungs
// k = 0..s_max train to the max-anchored ladder rung_epochs(f, s_max). Every ask() looks from
// the rung below the top down to rung 0 for a trial in the top floor(n_k / eta) of the n_k
// results told at rung k that was not promoted yet, and continues the best such trial to rung
// k + 1 (the same trial: only the epochs in between are trained); with none, it starts a new
// trial at rung 0 (the initial design first, then uniform samples). So it never waits, and with
// W workers none is idle while budget is left; each trial is promoted at most once per rung.
//
// ASHA keeps every result it was told below the top rung: a trial that looks poor now may enter
// its rung's top later, when that rung has grown, so no trial below the top is ever dropped and
// what it keeps grows with every job. A trial that finishes the top rung is dropped at once
// (take_dropped), which releases its kept training.
#include "common/random.hpp"
#include "search/asha_rungs.hpp"

namespace nasrun::search {
namespace {

class Asha : public MultiFidelityStrategy {
 public:
  explicit Asha(const StrategyContext& ctx)
      : rungs_(ctx, common::mix_seed(ctx.seed, 0xA5A)), unpromoted_(rungs_.top_rung()) {}

  std::optional<Job> ask() override {
    for (std::size_t k = rungs_.top_rung(); k-- > 0;) {
      auto& candidates = unpromoted_[k];
      // The best result not yet promoted is promotable exactly when any is: the top of a rung
      // is its best results.
      if (!candidates.empty() && rungs_.results(k).in_top(candidates.top())) {
        const auto trial = candidates.top().trial;
        candidates.pop();
        return rungs_.continue_trial(trial);
      }
    }
    return rungs_.start_trial();
  }

  void tell(const Job& job, double score) override {
    const auto told = rungs_.tell(job, score);
    if (told.rung == rungs_.top_rung()) {
      rungs_.drop(job.trial);
    } else {
      unpromoted_[told.rung].push(told.entry);
    }
  }

  std::vector<std::uint64_t> take_dropped() override { return rungs_.take_dropped(); }

 private:
  AshaRungs rungs_;
  // Per rung below the top: the results of trials not promoted from it, best first.
  std::vector<std::priority_queue<RungEntry, std::vector<RungEntry>, std::greater<RungEntry>>>
      unpromoted_;
};

const Registration<multi_fidelity_strategy_registry> kRegistration{
    "asha",
    "ASHA (Li et al., MLSys 2020), promotion form: asynchronous successive halving that never "
    "waits, promoting a trial in the top 1/eta of its rung or else starting a new one",
    [](const StrategyContext& ctx) { return std::make_unique<Asha>(ctx); }};

}  // namespace
}  // namespace nasrun::search
