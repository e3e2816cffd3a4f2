// Synchronous successive halving over a cycle of brackets: the machinery shared by `sh`
// (Jamieson & Talwalkar, AISTATS 2016), `hyperband` (Li et al., JMLR 2018, Algorithm 1), `bohb`
// (Falkner et al., ICML 2018) and `one-epoch-topk` (Egele et al., arXiv 2307.15422).
//
// One bracket at a time. Its rung 0 starts rungs[0].configurations new trials (architectures
// from the strategy's proposer, distinct within the bracket where the space holds enough) at
// rungs[0].epochs; every job of a rung may run at once. A rung is promoted only when all its
// jobs are told: the best rungs[i + 1].configurations by score (NaN the worst, ties by trial
// number) continue the same trials to rungs[i + 1].epochs, best first; the others are dropped.
// Between promotions ask() answers nothing (the runner leaves the worker idle). After the last
// rung is told its trials are dropped too, and the next bracket of the cycle starts (after the
// last one, the first again), numbering its trials after the previous bracket's.
#pragma once

#include <functional>
#include <unordered_set>
#include <vector>

#include "search/multi_fidelity.hpp"

namespace nasrun::search {

// The architecture of a new trial, given those already in its bracket (to avoid, where the
// proposer can; the bracket proposes again while the space holds untaken ones).
using ProposeArchitecture = std::function<ArchCode(const std::unordered_set<ArchCode>&)>;

// The initial design (InitialDesign(ctx)), then uniform samples from an Rng seeded with
// common::mix_seed(ctx.seed, stream).
ProposeArchitecture design_then_uniform(const StrategyContext& ctx, std::uint64_t stream);

// The brackets of one Hyperband iteration: s = s_max down to 0 (hyperband_brackets), or only
// the first fidelities.brackets of them when that is above 0.
std::vector<Bracket> iteration_brackets(const Fidelities& fidelities);

class SynchronousBrackets : public MultiFidelityStrategy {
 public:
  // Precondition: `cycle` is not empty; in each bracket, epochs rise from rung to rung and
  // configurations do not, with at least one in every rung. With ctx.fidelity.proxy_rungs each
  // bracket first scores ceil(eta n) new architectures by a zero-cost proxy (a rung at
  // Job::kWarmupEpochs, which trains nothing) and starts the best n of them, the same trials,
  // at its first rung of n configurations: the proxy is rung 0 of every bracket.
  SynchronousBrackets(const StrategyContext& ctx, std::vector<Bracket> cycle,
                      ProposeArchitecture propose);

  std::optional<Job> ask() override;
  // Throws std::logic_error for a job this strategy is not waiting for.
  void tell(const Job& job, double score) override;
  std::vector<std::uint64_t> take_dropped() override;

 private:
  void start_bracket();
  // The number of jobs of the current rung: its configurations at rung 0, the promoted above.
  std::size_t rung_size() const;
  void promote();

  spaces::SearchSpacePtr space_;
  std::vector<Bracket> cycle_;
  ProposeArchitecture propose_;
  std::size_t next_bracket_ = 0;  // into cycle_
  std::uint64_t next_trial_ = 0;

  // The bracket running now.
  const Bracket* bracket_ = nullptr;
  std::size_t rung_ = 0;
  std::uint64_t first_trial_ = 0;  // its trials are first_trial_ + index into members_
  struct Member {
    ArchCode arch = 0;
    // waiting: promoted, not yet handed out; running: handed out; told: its score is in.
    enum class State { waiting, running, told } state = State::waiting;
    double score = 0;  // at the current rung, once told
  };
  std::vector<Member> members_;
  std::unordered_set<ArchCode> in_bracket_;
  // The members at the current rung (indices into members_) in the order they are handed out;
  // the first `handed_out_` have been.
  std::vector<std::size_t> rung_members_;
  std::size_t handed_out_ = 0;
  std::size_t told_ = 0;
  std::vector<std::uint64_t> dropped_;
};

}  // namespace nasrun::search
