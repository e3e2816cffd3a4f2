// ASHA (Li et al., "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020) in its
// stopping form, as syne-tune runs it with type="stopping". Every trial goes on rung by rung up
// the max-anchored ladder rung_epochs(f, s_max) unless, when its result at a rung arrives, the
// rung can judge it and it is not in the top floor(n / eta) of the n results told there so far,
// itself included: then it is stopped and dropped at once. A rung with fewer than eta results
// cannot judge (its top is empty): those results continue, as a median-stopping rule lets its
// first trials through rather than stopping every one of them. Continuations wait in a queue
// and are handed out first, oldest first; when none waits, a new trial starts at rung 0 (the
// initial design first, then uniform samples). So it never waits either. A trial that finishes
// the top rung is dropped; nothing but a queued continuation is ever continued, so at most the
// trials in flight or queued keep a training, though the rung results it ranks by grow with
// every job.
#include <deque>

#include "common/random.hpp"
#include "search/asha_rungs.hpp"

namespace nasrun::search {
namespace {

class AshaStopping : public MultiFidelityStrategy {
 public:
  explicit AshaStopping(const StrategyContext& ctx)
      : rungs_(ctx, common::mix_seed(ctx.seed, 0xA5A5)), eta_(ctx.fidelity.eta) {}

  std::optional<Job> ask() override {
    if (continuing_.empty()) return rungs_.start_trial();
    const auto trial = continuing_.front();
    continuing_.pop_front();
    return rungs_.continue_trial(trial);
  }

  void tell(const Job& job, double score) override {
    const auto told = rungs_.tell(job, score);
    const auto& rung = rungs_.results(told.rung);
    const bool judged = static_cast<double>(rung.size()) >= eta_;
    if (told.rung != rungs_.top_rung() && (!judged || rung.in_top(told.entry))) {
      continuing_.push_back(job.trial);
    } else {
      rungs_.drop(job.trial);
    }
  }

  std::vector<std::uint64_t> take_dropped() override { return rungs_.take_dropped(); }

 private:
  AshaRungs rungs_;
  double eta_;
  std::deque<std::uint64_t> continuing_;  // trials to continue to their next rung, oldest first
};

const Registration<multi_fidelity_strategy_registry> kRegistration{
    "asha-stop",
    "ASHA (Li et al., MLSys 2020), stopping form: every trial continues rung by rung unless its "
    "result is below the top 1/eta of those told at that rung so far (once there are eta)",
    [](const StrategyContext& ctx) { return std::make_unique<AshaStopping>(ctx); }};

}  // namespace
}  // namespace nasrun::search
