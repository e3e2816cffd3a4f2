// Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio, Kegl: "Algorithms for
// Hyper-Parameter Optimization", NIPS 2011) for categorical product spaces, following what
// hyperopt's tpe.py does with its defaults (docs/strategies.md cites each rule):
//
//   * start-up: the initial design, then uniform samples until kStartup results are told;
//   * the told results, sorted by score (ties by order of telling), split into the good set, the
//     first min(ceil(kGamma * sqrt(n)), kGoodCap), and the rest;
//   * each dimension is an independent categorical per set: choice k gets the pseudo-count
//     kPriorWeight plus the summed weights of the set's observations with choice k; weights are
//     hyperopt's linear forgetting within each set (the newest kForget weigh 1, older ones ramp
//     down linearly);
//   * per dimension, kCandidates choices are drawn from l (the good set's model) and the one with
//     the largest l/g is proposed (the first such draw on ties).
//
// Architectures asked but not yet told do not enter the model.
#include <algorithm>
#include <cmath>
#include <limits>

#include "common/random.hpp"
#include "search/strategy.hpp"

namespace nasrun::search {

// Not in a header: exposed with external linkage only so that tests/test_strategies.cpp can
// check the two formulas against hyperopt's values.
namespace tpe_detail {

// hyperopt's default linear forgetting (DEFAULT_LF).
constexpr std::size_t kForget = 25;

// The size of the good set among n told results: min(ceil(gamma * sqrt(n)), 25), gamma = 0.25
// (hyperopt's ap_split_trials with _default_gamma and gamma_cap = DEFAULT_LF).
std::size_t good_set_size(std::size_t n) {
  const auto k = static_cast<std::size_t>(std::ceil(0.25 * std::sqrt(static_cast<double>(n))));
  return std::min(k, kForget);
}

// The weight of the observation at `position` (0 = oldest) of a set of `size` observations:
// hyperopt's linear_forgetting_weights(size, 25)[position], i.e. 1 when size < 25, else the oldest
// size-25 get numpy.linspace(1/size, 1, size-25) and the newest 25 get 1.
double forgetting_weight(std::size_t position, std::size_t size) {
  if (size < kForget) return 1.0;
  const std::size_t ramp = size - kForget;
  if (position >= ramp) return 1.0;
  const double start = 1.0 / static_cast<double>(size);
  if (ramp == 1) return start;  // linspace with one point is its start
  if (position == ramp - 1) return 1.0;  // linspace ends exactly on its stop
  return static_cast<double>(position) * ((1.0 - start) / static_cast<double>(ramp - 1)) + start;
}

}  // namespace tpe_detail

namespace {

using tpe_detail::forgetting_weight;
using tpe_detail::good_set_size;

// hyperopt's defaults (tpe.py: _default_n_startup_jobs, _default_n_EI_candidates,
// _default_prior_weight).
constexpr std::size_t kStartup = 20;
constexpr std::size_t kCandidates = 24;
constexpr double kPriorWeight = 1.0;

class Tpe : public Strategy {
 public:
  explicit Tpe(const StrategyContext& ctx)
      : space_(ctx.space), design_(ctx), rng_(common::mix_seed(ctx.seed, 0x545045)) {
    const std::size_t dims = space_->num_dimensions();
    ArchCode place = 1;
    std::size_t offset = 0;
    for (std::size_t d = 0; d < dims; ++d) {
      const std::size_t k = space_->num_choices(d);
      dims_.push_back({k, offset, place});
      offset += k;
      place *= k;
    }
    good_counts_.resize(offset);
    bad_counts_.resize(offset);
    log_ratio_.resize(offset);
    constexpr std::size_t kReserve = 512;
    choices_.reserve(kReserve * dims);
    scores_.reserve(kReserve);
    by_score_.reserve(kReserve);
    in_good_.reserve(kReserve);
  }

  ArchCode ask() override {
    if (!design_.exhausted()) return design_.next();
    if (scores_.size() < kStartup) return space_->sample(rng_);
    fit();
    ArchCode code = 0;
    for (const auto& dim : dims_) {
      const double* good = &good_counts_[dim.offset];
      const double* ratio = &log_ratio_[dim.offset];
      double total = 0;
      for (std::size_t k = 0; k < dim.choices; ++k) total += good[k];
      std::size_t best = 0;
      double best_ratio = -std::numeric_limits<double>::infinity();
      for (std::size_t c = 0; c < kCandidates; ++c) {
        // A draw from l by its cumulative pseudo-counts.
        double u = common::uniform_unit(rng_) * total;
        std::size_t k = 0;
        while (k + 1 < dim.choices && u >= good[k]) u -= good[k++];
        if (ratio[k] > best_ratio) {
          best_ratio = ratio[k];
          best = k;
        }
      }
      code += best * dim.place;
    }
    return code;
  }

  void tell(ArchCode arch, double score) override {
    if (std::isnan(score)) score = std::numeric_limits<double>::infinity();
    for (const auto& dim : dims_)
      choices_.push_back(static_cast<std::uint32_t>(arch / dim.place % dim.choices));
    const auto index = static_cast<std::uint32_t>(scores_.size());
    scores_.push_back(score);
    // After every equal score, so ties stay in order of telling.
    const auto at = std::upper_bound(by_score_.begin(), by_score_.end(), score,
                                     [&](double s, std::uint32_t i) { return s < scores_[i]; });
    by_score_.insert(at, index);
  }

 private:
  struct Dimension {
    std::size_t choices;
    std::size_t offset;  // into the per-choice arrays
    ArchCode place;      // of its digit in the mixed-radix code
  };

  // The pseudo-counts of l (good set) and g (the rest), and log(l/g) per choice.
  void fit() {
    const std::size_t n = scores_.size();
    const std::size_t n_good = good_set_size(n);
    in_good_.assign(n, 0);
    for (std::size_t r = 0; r < n_good; ++r) in_good_[by_score_[r]] = 1;
    std::fill(good_counts_.begin(), good_counts_.end(), kPriorWeight);
    std::fill(bad_counts_.begin(), bad_counts_.end(), kPriorWeight);
    std::size_t good_seen = 0, bad_seen = 0;
    const std::size_t dims = dims_.size();
    for (std::size_t i = 0; i < n; ++i) {
      const bool good = in_good_[i] != 0;
      const double w = good ? forgetting_weight(good_seen++, n_good)
                            : forgetting_weight(bad_seen++, n - n_good);
      double* counts = good ? good_counts_.data() : bad_counts_.data();
      const std::uint32_t* choice = &choices_[i * dims];
      for (std::size_t d = 0; d < dims; ++d) counts[dims_[d].offset + choice[d]] += w;
    }
    for (const auto& dim : dims_) {
      double good_total = 0, bad_total = 0;
      for (std::size_t k = 0; k < dim.choices; ++k) {
        good_total += good_counts_[dim.offset + k];
        bad_total += bad_counts_[dim.offset + k];
      }
      for (std::size_t k = 0; k < dim.choices; ++k)
        log_ratio_[dim.offset + k] = std::log(good_counts_[dim.offset + k] / good_total) -
                                     std::log(bad_counts_[dim.offset + k] / bad_total);
    }
  }

  spaces::SearchSpacePtr space_;
  InitialDesign design_;
  Rng rng_;
  std::vector<Dimension> dims_;
  // Told results in order of telling: choices_ holds num_dimensions() entries per result.
  spaces::Choices choices_;
  std::vector<double> scores_;
  std::vector<std::uint32_t> by_score_;  // indices into scores_, best first
  // Scratch space reused by every ask().
  std::vector<std::uint8_t> in_good_;
  std::vector<double> good_counts_, bad_counts_, log_ratio_;
};

const Registration<strategy_registry> kRegistration{
    "tpe", "TPE (Bergstra et al. 2011) with hyperopt's defaults, one categorical per dimension",
    [](const StrategyContext& ctx) { return std::make_unique<Tpe>(ctx); }};

}  // namespace
}  // namespace nasrun::search
