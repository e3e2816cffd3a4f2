// The one-epoch top-K baseline of Egele, Guyon, Vishwanath, Balaprakash: "Is One Epoch All You
// Need For Multi-Fidelity Hyperparameter Optimization?" (arXiv 2307.15422): train many
// architectures for the smallest fidelity, continue only the best few to the full schedule.
//
// Rounds, for as long as the budget lasts. Each round starts n new trials at --min-epochs, then
// continues the best K of them (the same trials; NaN the worst, ties by trial number) to
// --max-epochs and drops the rest. Defaults, from Hyperband's ladder (multi_fidelity.hpp), so
// that a round costs about what Hyperband's most aggressive bracket does:
//   n = the size of that bracket's first rung, eta^s_max rounded up,
//   K = max(1, floor(n / eta^s_max)), the size of its last rung: 1 for a whole eta
// (min 1, max 200, eta 3: s_max = 4, n = 81, K = 1; min 1, max 81, eta 2: n = 64, K = 1).
// Every job of a phase may run at once; the continuations wait for the whole first phase
// (bracket.hpp runs each round as a bracket of two rungs). When --min-epochs equals
// --max-epochs a round is its first phase only. Architectures: the initial design, then uniform
// samples, distinct within a round where the space allows.
#include "search/bracket.hpp"

namespace nasrun::search {
namespace {

Bracket round_of(const Fidelities& f) {
  const Bracket most_aggressive = hyperband_brackets(f).front();
  Bracket round{1, {}};
  round.rungs.push_back({static_cast<double>(f.min_epochs), f.min_epochs,
                         most_aggressive.rungs.front().configurations});
  if (f.min_epochs < f.max_epochs)
    round.rungs.push_back({static_cast<double>(f.max_epochs), f.max_epochs,
                           most_aggressive.rungs.back().configurations});
  return round;
}

const Registration<multi_fidelity_strategy_registry> kRegistration{
    "one-epoch-topk",
    "One-epoch top-K (Egele et al. 2023): n trials at --min-epochs, the best K to --max-epochs",
    [](const StrategyContext& ctx) -> std::unique_ptr<MultiFidelityStrategy> {
      return std::make_unique<SynchronousBrackets>(
          ctx, std::vector<Bracket>{round_of(ctx.fidelity)}, design_then_uniform(ctx, 0x314b));
    }};

}  // namespace
}  // namespace nasrun::search
