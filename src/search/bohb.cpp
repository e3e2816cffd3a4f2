// BOHB (Falkner, Klein, Hutter: "BOHB: Robust and Efficient Hyperparameter Optimization at
// Scale", ICML 2018): Hyperband's brackets and iterations (hyperband.cpp, bracket.hpp), but the
// architectures of new trials come from a model fitted per budget, as HpBandSter's BOHB does:
//
//   * every told result enters the model of its rung's epochs;
//   * the model used is that of the highest epochs with at least N_min = num_dimensions + 1
//     results (the paper's d + 1); with none, proposals are uniform;
//   * with a model, a fraction rho = 1/3 of proposals is still uniform (the paper's default,
//     drawn first, as HpBandSter's get_config does);
//   * the model is TPE's categorical Parzen estimator (categorical_parzen.hpp: hyperopt's
//     good/bad split, pseudo-counts and 24 candidates ranked by l/g), where BOHB's own uses
//     kernel densities (for categorical dimensions, Aitchison-Aitken) with the top 15% as good.
//
// The initial design comes first. Architectures are distinct within a bracket where the space
// allows: the model proposes the best combination of its drawn choices not yet in the bracket
// (categorical_parzen.hpp), and any other proposal already in it is proposed again. Pending jobs
// do not enter a model.
#include <map>

#include "common/random.hpp"
#include "search/bracket.hpp"
#include "search/categorical_parzen.hpp"

namespace nasrun::search {
namespace {

constexpr double kRandomFraction = 1.0 / 3;

class Bohb : public SynchronousBrackets {
 public:
  explicit Bohb(const StrategyContext& ctx)
      : SynchronousBrackets(ctx, iteration_brackets(ctx.fidelity), [this](const std::unordered_set<ArchCode>& in_bracket) { return propose(in_bracket); }),
        space_(ctx.space), design_(ctx), rng_(common::mix_seed(ctx.seed, 0x4248)),
        min_points_(ctx.space->num_dimensions() + 1) {}

  void tell(const Job& job, double score) override {
    SynchronousBrackets::tell(job, score);
    models_.try_emplace(job.epochs, *space_).first->second.add(job.arch, score);
  }

 private:
  ArchCode propose(const std::unordered_set<ArchCode>& in_bracket) {
    if (!design_.exhausted()) return design_.next();
    CategoricalParzen* model = nullptr;
    for (auto it = models_.rbegin(); it != models_.rend() && !model; ++it)
      if (it->second.size() >= min_points_) model = &it->second;
    if (!model || common::uniform_unit(rng_) < kRandomFraction) return space_->sample(rng_);
    return model->propose(rng_, in_bracket);
  }

  spaces::SearchSpacePtr space_;
  InitialDesign design_;
  Rng rng_;
  std::size_t min_points_;
  std::map<int, CategoricalParzen> models_;  // by epochs
};

const Registration<multi_fidelity_strategy_registry> kRegistration{
    "bohb", "BOHB (Falkner et al. 2018): Hyperband with a TPE-like model per budget",
    [](const StrategyContext& ctx) { return std::make_unique<Bohb>(ctx); }};

}  // namespace
}  // namespace nasrun::search
