// Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio, Kegl: "Algorithms for
// Hyper-Parameter Optimization", NIPS 2011) for categorical product spaces, following what
// hyperopt's tpe.py does with its defaults (docs/strategies.md cites each rule):
//
//   * start-up: the initial design, then uniform samples until kStartup results are told;
//   * then each proposal is the categorical Parzen estimator's (categorical_parzen.hpp: good/bad
//     split, pseudo-counts, the candidate of the largest l/g) fitted to every told result.
//
// Architectures asked but not yet told do not enter the model.
#include "common/random.hpp"
#include "search/categorical_parzen.hpp"
#include "search/strategy.hpp"

namespace nasrun::search {
namespace {

// hyperopt's _default_n_startup_jobs.
constexpr std::size_t kStartup = 20;

class Tpe : public Strategy {
 public:
  explicit Tpe(const StrategyContext& ctx)
      : space_(ctx.space), design_(ctx), rng_(common::mix_seed(ctx.seed, 0x545045)),
        model_(*space_) {}

  ArchCode ask() override {
    if (!design_.exhausted()) return design_.next();
    if (model_.size() < kStartup) return space_->sample(rng_);
    return model_.propose(rng_);
  }

  void tell(ArchCode arch, double score) override { model_.add(arch, score); }

 private:
  spaces::SearchSpacePtr space_;
  InitialDesign design_;
  Rng rng_;
  CategoricalParzen model_;
};

const Registration<strategy_registry> kRegistration{
    "tpe", "TPE (Bergstra et al. 2011) with hyperopt's defaults, one categorical per dimension",
    [](const StrategyContext& ctx) { return std::make_unique<Tpe>(ctx); }};

}  // namespace
}  // namespace nasrun::search
