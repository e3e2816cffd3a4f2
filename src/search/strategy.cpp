#include "search/strategy.hpp"

#include "common/random.hpp"

namespace nasrun::search {

InitialDesign::InitialDesign(const StrategyContext& ctx) {
  if (!ctx.initial_design.empty()) {
    for (auto code : ctx.initial_design) ctx.space->check(code);
    planned_ = ctx.initial_design;
    return;
  }
  // Its own stream, so the initial design does not shift the strategy's later draws.
  Rng rng(common::mix_seed(ctx.seed, 0x1417));
  for (std::size_t i = 0; i < ctx.n_init; ++i) planned_.push_back(ctx.space->sample(rng));
}

std::unique_ptr<Strategy> make_strategy(const std::string& name, const StrategyContext& ctx) {
  if (!ctx.space) throw std::invalid_argument("strategy '" + name + "' needs a search space");
  return strategy_registry().at(name).factory(ctx);
}

}  // namespace nasrun::search
