// Local Search: walk to a better neighbour while there is one, restart when there is none.
//
// The incumbent is the best architecture told since the last restart. ask() proposes the
// incumbent's neighbours (architectures one dimension away) in a random order, skipping any
// architecture proposed before. A result better than the incumbent becomes the new incumbent;
// when its neighbours run out without that happening, the search restarts from a uniform sample.
#include <unordered_set>
#include <utility>

#include "common/random.hpp"
#include "search/strategy.hpp"

namespace nasrun::search {
namespace {

class LocalSearch : public Strategy {
 public:
  explicit LocalSearch(const StrategyContext& ctx)
      : space_(ctx.space), design_(ctx), rng_(common::mix_seed(ctx.seed, 0x4c53)) {}

  ArchCode ask() override {
    ArchCode arch = next_proposal();
    proposed_.insert(arch);
    return arch;
  }

  void tell(ArchCode arch, double score) override {
    if (has_incumbent_ && score >= incumbent_score_) return;
    has_incumbent_ = true;
    incumbent_ = arch;
    incumbent_score_ = score;
    queued_for_incumbent_ = false;  // its neighbours replace the old incumbent's
  }

 private:
  ArchCode next_proposal() {
    if (!design_.exhausted()) return design_.next();
    // Nothing told since the start or the last restart: keep sampling.
    if (!has_incumbent_) return space_->sample(rng_);
    if (!queued_for_incumbent_) {
      queue_ = space_->neighbours(incumbent_);
      // Fisher-Yates shuffle with the portable draws.
      for (std::size_t i = queue_.size(); i > 1; --i)
        std::swap(queue_[i - 1], queue_[common::uniform_below(rng_, i)]);
      queued_for_incumbent_ = true;
    }
    while (!queue_.empty()) {
      const ArchCode next = queue_.back();
      queue_.pop_back();
      if (proposed_.count(next) == 0) return next;
    }
    // A local optimum: every neighbour was proposed and none improved on the incumbent.
    has_incumbent_ = false;
    queued_for_incumbent_ = false;
    return space_->sample(rng_);
  }

  spaces::SearchSpacePtr space_;
  InitialDesign design_;
  Rng rng_;
  std::unordered_set<ArchCode> proposed_;
  bool has_incumbent_ = false;
  ArchCode incumbent_ = 0;
  double incumbent_score_ = 0;
  bool queued_for_incumbent_ = false;
  std::vector<ArchCode> queue_;  // the incumbent's neighbours not yet proposed, shuffled
};

const Registration<strategy_registry> kRegistration{
    "ls", "Local Search: first-improvement walk over neighbours, random restarts",
    [](const StrategyContext& ctx) { return std::make_unique<LocalSearch>(ctx); }};

}  // namespace
}  // namespace nasrun::search
