// Search strategies behind ask/tell. A strategy sees architectures and the scores it is told
// (lower is better) and nothing else: no benchmark, no curve, no test error.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/registry.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::search {

using spaces::ArchCode;
using common::Rng;

struct StrategyContext {
  spaces::SearchSpacePtr space;
  // Seeds the strategy's own generator; nothing else feeds its random choices.
  std::uint64_t seed = 0;
  // Random architectures proposed before any model- or population-based proposal.
  std::size_t n_init = 10;
  // When not empty, proposed first, in order, instead of n_init random ones.
  std::vector<ArchCode> initial_design;
  // Above 0: the initial design is the best n_init of this many random architectures by a
  // zero-cost proxy (a zero-cost warm-up, warmup.hpp), whatever the strategy.
  std::size_t warmup_sample = 0;
  // The fidelities a multi-fidelity strategy may hand out (multi_fidelity.hpp); single-fidelity
  // strategies ignore them.
  struct Fidelities {
    int min_epochs = 1;
    int max_epochs = 1;  // the schedule's T_end
    double eta = 3;      // each rung keeps 1/eta of the one below, at eta times its epochs
    int brackets = 0;    // Hyperband and BOHB: brackets per iteration; 0 = all s_max + 1
    // Bracket strategies: below each bracket's first rung, a rung of eta times its
    // configurations scored by a zero-cost proxy (jobs at Job::kWarmupEpochs; bracket.hpp).
    bool proxy_rungs = false;
  } fidelity;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // The next architecture to evaluate. May be called again before the previous one is told
  // (asynchronous parallel workers).
  virtual ArchCode ask() = 0;
  // The score of an architecture that ask() proposed. Lower is better.
  virtual void tell(ArchCode arch, double score) = 0;
};

// Proposes the initial design: the given list, else n_init uniform draws.
class InitialDesign {
 public:
  explicit InitialDesign(const StrategyContext& ctx);
  bool exhausted() const { return next_ >= planned_.size(); }
  // Precondition: !exhausted().
  ArchCode next() { return planned_[next_++]; }

 private:
  std::vector<ArchCode> planned_;
  std::size_t next_ = 0;
};

using StrategyFactory = std::function<std::unique_ptr<Strategy>(const StrategyContext&)>;

inline Registry<StrategyFactory>& strategy_registry() {
  return Registry<StrategyFactory>::instance("strategy");
}

std::unique_ptr<Strategy> make_strategy(const std::string& name, const StrategyContext& ctx);

}  // namespace nasrun::search
