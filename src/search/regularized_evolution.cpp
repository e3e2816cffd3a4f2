// Regularised Evolution (Real, Aggarwal, Huang, Le: "Regularized Evolution for Image Classifier
// Architecture Search", AAAI 2019), with ageing: the oldest member dies, not the worst.
//
//   ask():  the initial design first; then, if no result has been told yet (all pending), a
//           uniform sample; otherwise a tournament of kSampleSize members drawn with
//           replacement from the population, and the mutated best (lowest score) of it.
//   tell(): the result joins the population; beyond kPopulationSize members the oldest (first
//           told) dies.
//
// Evolution starts as soon as one result is in the population: a population smaller than
// kPopulationSize still holds tournaments of kSampleSize draws (docs/strategies.md says why and
// what the other convention is).
#include <array>

#include "common/random.hpp"
#include "search/strategy.hpp"

namespace nasrun::search {
namespace {

// P and S (named in the paper's Algorithm 1); docs/strategies.md documents them.
constexpr std::size_t kPopulationSize = 100;
constexpr std::size_t kSampleSize = 10;

class RegularizedEvolution : public Strategy {
 public:
  explicit RegularizedEvolution(const StrategyContext& ctx)
      : space_(ctx.space), design_(ctx), rng_(common::mix_seed(ctx.seed, 0x5245)) {}

  ArchCode ask() override {
    if (!design_.exhausted()) return design_.next();
    if (size_ == 0) return space_->sample(rng_);
    // Tournament with replacement; the first of equally good draws wins.
    const Member* parent = &population_[uniform_below(size_)];
    for (std::size_t i = 1; i < kSampleSize; ++i) {
      const Member& m = population_[uniform_below(size_)];
      if (m.score < parent->score) parent = &m;
    }
    return space_->mutate(parent->arch, rng_);
  }

  void tell(ArchCode arch, double score) override {
    // A ring buffer in order of telling: oldest_ is the next to die.
    if (size_ < kPopulationSize) {
      population_[(oldest_ + size_++) % kPopulationSize] = {arch, score};
    } else {
      population_[oldest_] = {arch, score};
      oldest_ = (oldest_ + 1) % kPopulationSize;
    }
  }

 private:
  struct Member {
    ArchCode arch;
    double score;
  };

  std::size_t uniform_below(std::size_t n) {
    return static_cast<std::size_t>(common::uniform_below(rng_, n));
  }

  spaces::SearchSpacePtr space_;
  InitialDesign design_;
  Rng rng_;
  std::array<Member, kPopulationSize> population_{};
  std::size_t oldest_ = 0;
  std::size_t size_ = 0;
};

const Registration<strategy_registry> kRegistration{
    "re", "Regularised Evolution (Real et al. 2019): population 100, tournament 10, ageing",
    [](const StrategyContext& ctx) { return std::make_unique<RegularizedEvolution>(ctx); }};

}  // namespace
}  // namespace nasrun::search
