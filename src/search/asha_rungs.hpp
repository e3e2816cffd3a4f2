// What the two ASHA variants (asha.cpp: promotion, asha_stop.cpp: stopping; Li et al., "A System
// for Massively Parallel Hyperparameter Tuning", MLSys 2020) share: the rung ladder, the results
// told at each rung with which of them are in its top 1/eta, and the trials with their rungs.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <queue>
#include <vector>

#include "search/multi_fidelity.hpp"

namespace nasrun::search {

// A result told at a rung. Results are ordered by score (lower first, NaN last); equal scores by
// the order they were told in, so that the order is total and the earlier result ranks first.
struct RungEntry {
  double score = 0;
  std::uint64_t told = 0;  // when it was told: 0, 1, 2, ... over all rungs
  std::uint64_t trial = 0;
  bool operator<(const RungEntry& o) const {
    return score != o.score ? score < o.score : told < o.told;
  }
  bool operator>(const RungEntry& o) const { return o < *this; }
};

// The results told at one rung, split into its top floor(n / eta) of n (Li et al.'s top_k with
// k = |rung| / eta) and the rest. Adding a result costs O(log n); whether a result is in the top
// is O(1).
class RungResults {
 public:
  explicit RungResults(double eta) : eta_(eta) {}
  // Adds `entry` (a `told` number above every earlier one) and moves results between the top and
  // the rest so that the top holds the best floor(n / eta) again.
  void add(const RungEntry& entry);
  // Whether `entry`, added before, is in the top now.
  bool in_top(const RungEntry& entry) const { return !top_.empty() && !(top_.top() < entry); }
  std::size_t size() const { return top_.size() + rest_.size(); }

 private:
  double eta_;
  std::priority_queue<RungEntry> top_;  // its worst first
  std::priority_queue<RungEntry, std::vector<RungEntry>, std::greater<RungEntry>> rest_;  // best first
};

// The rungs and trials of one ASHA run. Rungs k = 0..s_max train to the max-anchored ladder
// rung_epochs(f, max_bracket(f)); a trial is a number 0, 1, 2, ... in the order trials start,
// the architecture it trains, and the rung of its latest job. New trials propose the initial
// design first, then uniform samples. What it keeps grows by a few words per trial started.
class AshaRungs {
 public:
  AshaRungs(const StrategyContext& ctx, std::uint64_t seed);

  std::size_t top_rung() const { return epochs_.size() - 1; }
  int epochs(std::size_t rung) const { return epochs_[rung]; }
  const RungResults& results(std::size_t rung) const { return results_[rung]; }

  // A job that starts a new trial at rung 0.
  Job start_trial();
  // A job that continues `trial` from its rung to the next one (precondition: below the top).
  Job continue_trial(std::uint64_t trial);
  // Records the result of `job` at its rung (but not at the top rung, where no decision reads
  // it) and returns it, with its rung. Throws std::logic_error for a job it did not hand out.
  struct Told {
    std::size_t rung = 0;
    RungEntry entry;
  };
  Told tell(const Job& job, double score);

  // Marks `trial` as never to be continued; take_dropped() returns it once.
  void drop(std::uint64_t trial) { dropped_.push_back(trial); }
  std::vector<std::uint64_t> take_dropped();

 private:
  struct TrialState {
    ArchCode arch = 0;
    std::size_t rung = 0;
  };
  spaces::SearchSpacePtr space_;
  InitialDesign design_;
  Rng rng_;
  std::vector<int> epochs_;
  std::vector<RungResults> results_;
  std::vector<TrialState> trials_;  // by trial number
  std::uint64_t told_ = 0;
  std::vector<std::uint64_t> dropped_;
};

}  // namespace nasrun::search
