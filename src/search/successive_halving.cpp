// Successive halving (Jamieson & Talwalkar: "Non-stochastic Best Arm Identification and
// Hyperparameter Optimization", AISTATS 2016), synchronous, in the form Hyperband runs it as its
// inner loop (Li et al., JMLR 2018, Algorithm 1): one bracket, s = s_max of the Hyperband ladder
// (multi_fidelity.hpp: n_0 new trials at max eta^-s_max epochs, the best 1/eta of them continued
// to eta times the epochs, rung after rung up to max_epochs), repeated for as long as the budget
// lasts. A rung waits for all its results before it promotes (bracket.hpp). Architectures: the
// initial design, then uniform samples, distinct within a bracket where the space allows.
#include "search/bracket.hpp"

namespace nasrun::search {
namespace {

const Registration<multi_fidelity_strategy_registry> kRegistration{
    "sh", "Successive halving (Jamieson & Talwalkar 2016): Hyperband's largest bracket, repeated",
    [](const StrategyContext& ctx) -> std::unique_ptr<MultiFidelityStrategy> {
      return std::make_unique<SynchronousBrackets>(
          ctx, std::vector<Bracket>{hyperband_brackets(ctx.fidelity).front()},
          design_then_uniform(ctx, 0x5348));
    }};

}  // namespace
}  // namespace nasrun::search
