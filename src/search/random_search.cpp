// Random Search: the initial design, then uniform draws over the whole space. The baseline every
// other strategy has to beat; it ignores the scores it is told.
#include "common/random.hpp"
#include "search/strategy.hpp"

namespace nasrun::search {
namespace {

class RandomSearch : public Strategy {
 public:
  explicit RandomSearch(const StrategyContext& ctx)
      : space_(ctx.space), design_(ctx), rng_(common::mix_seed(ctx.seed, 0x7253)) {}

  ArchCode ask() override { return design_.exhausted() ? space_->sample(rng_) : design_.next(); }

  void tell(ArchCode, double) override {}

 private:
  spaces::SearchSpacePtr space_;
  InitialDesign design_;
  Rng rng_;
};

const Registration<strategy_registry> kRegistration{
    "rs", "Random Search: the initial design, then uniform samples over the space",
    [](const StrategyContext& ctx) { return std::make_unique<RandomSearch>(ctx); }};

}  // namespace
}  // namespace nasrun::search
