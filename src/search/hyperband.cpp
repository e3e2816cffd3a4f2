// Hyperband (Li, Jamieson, DeSalvo, Rostamizadeh, Talwalkar: "Hyperband: A Novel Bandit-Based
// Approach to Hyperparameter Optimization", JMLR 2018, Algorithm 1): iterations of the brackets
// s = s_max down to 0 (only the first --brackets of them when that is above 0), each a
// synchronous successive halving with hyperband_brackets()' n_i configurations at each rung's
// epochs (multi_fidelity.hpp, SMAC3's max-anchored convention), repeated for as long as the
// budget lasts (bracket.hpp). Architectures: the initial design, then uniform samples, distinct
// within a bracket where the space allows.
#include "search/bracket.hpp"

namespace nasrun::search {
namespace {

const Registration<multi_fidelity_strategy_registry> kRegistration{
    "hyperband", "Hyperband (Li et al. 2018): brackets s_max..0 of successive halving, repeated",
    [](const StrategyContext& ctx) -> std::unique_ptr<MultiFidelityStrategy> {
      return std::make_unique<SynchronousBrackets>(ctx, iteration_brackets(ctx.fidelity),
                                                   design_then_uniform(ctx, 0x4842));
    }};

}  // namespace
}  // namespace nasrun::search
