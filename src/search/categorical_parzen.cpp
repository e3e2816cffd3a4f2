#include "search/categorical_parzen.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>

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

// The weights of a set of `size` observations: hyperopt's linear_forgetting_weights(size, 25),
// i.e. 1 for all when size < 25, else the oldest size-25 get numpy.linspace(1/size, 1, size-25)
// and the newest 25 get 1. Its constants are computed once per set: fit() asks for every
// observation, and dividing for each was most of its time.
class LinearForgetting {
 public:
  explicit LinearForgetting(std::size_t size)
      : ramp_(size < kForget ? 0 : size - kForget),
        start_(size > 0 ? 1.0 / static_cast<double>(size) : 0.0),
        step_(ramp_ > 1 ? (1.0 - start_) / static_cast<double>(ramp_ - 1) : 0.0) {}
  // The weight of the observation at `position` (0 = oldest).
  double operator()(std::size_t position) const {
    if (position >= ramp_) return 1.0;
    if (ramp_ == 1) return start_;          // linspace with one point is its start
    if (position == ramp_ - 1) return 1.0;  // linspace ends exactly on its stop
    return static_cast<double>(position) * step_ + start_;
  }

 private:
  std::size_t ramp_;
  double start_, step_;
};

double forgetting_weight(std::size_t position, std::size_t size) {
  return LinearForgetting(size)(position);
}

}  // namespace tpe_detail

namespace {

using tpe_detail::good_set_size;
using tpe_detail::LinearForgetting;

// hyperopt's defaults (tpe.py: _default_n_EI_candidates, _default_prior_weight).
constexpr std::size_t kCandidates = 24;
constexpr double kPriorWeight = 1.0;

}  // namespace

CategoricalParzen::CategoricalParzen(const spaces::SearchSpace& space) {
  const std::size_t dims = space.num_dimensions();
  spaces::ArchCode place = 1;
  std::size_t offset = 0;
  for (std::size_t d = 0; d < dims; ++d) {
    const std::size_t k = space.num_choices(d);
    dims_.push_back({k, offset, place});
    offset += k;
    place *= k;
  }
  good_counts_.resize(offset);
  bad_counts_.resize(offset);
  log_ratio_.resize(offset);
  ranked_.resize(offset);
  seen_.resize(offset);
  drawn_.resize(dims);
  // Room for a typical run's history, so that neither call allocates until it grows past it.
  constexpr std::size_t kReserve = 512;
  choices_.reserve(kReserve * dims);
  scores_.reserve(kReserve);
  by_score_.reserve(kReserve);
  in_good_.reserve(kReserve);
}

void CategoricalParzen::add(spaces::ArchCode arch, double score) {
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

spaces::ArchCode CategoricalParzen::propose(common::Rng& rng,
                                            const std::unordered_set<spaces::ArchCode>& excluded) {
  fit();
  for (std::size_t d = 0; d < dims_.size(); ++d) {
    const auto& dim = dims_[d];
    const double* good = &good_counts_[dim.offset];
    const double* ratio = &log_ratio_[dim.offset];
    std::uint8_t* seen = &seen_[dim.offset];
    std::uint32_t* ranked = &ranked_[dim.offset];
    std::fill(seen, seen + dim.choices, 0);
    double total = 0;
    for (std::size_t k = 0; k < dim.choices; ++k) total += good[k];
    std::size_t drawn = 0;
    for (std::size_t c = 0; c < kCandidates; ++c) {
      // A draw from l by its cumulative pseudo-counts.
      double u = common::uniform_unit(rng) * total;
      std::size_t k = 0;
      while (k + 1 < dim.choices && u >= good[k]) u -= good[k++];
      if (seen[k]) continue;
      seen[k] = 1;
      // Insertion after every choice of a larger or equal ratio: ties stay in order of drawing.
      std::size_t at = drawn++;
      for (; at > 0 && ratio[ranked[at - 1]] < ratio[k]; --at) ranked[at] = ranked[at - 1];
      ranked[at] = static_cast<std::uint32_t>(k);
    }
    drawn_[d] = drawn;
  }
  spaces::ArchCode best = 0;
  for (const auto& dim : dims_) best += ranked_[dim.offset] * dim.place;
  if (excluded.empty() || !excluded.count(best)) return best;
  return best_not_in(excluded).value_or(best);
}

spaces::ArchCode CategoricalParzen::code_of(const std::vector<std::size_t>& ranks) const {
  spaces::ArchCode code = 0;
  for (std::size_t d = 0; d < dims_.size(); ++d)
    code += ranked_[dims_[d].offset + ranks[d]] * dims_[d].place;
  return code;
}

std::optional<spaces::ArchCode> CategoricalParzen::best_not_in(
    const std::unordered_set<spaces::ArchCode>& excluded) const {
  // Best-first over rank vectors: a combination's loss is the summed drop of log(l/g) from each
  // dimension's best. A vector reached by raising dimension `last` only raises dimensions from
  // `last` on, so that each combination is visited once.
  struct Node {
    double loss;
    std::size_t order;  // of insertion: ties go to the earlier
    std::size_t last;
    std::vector<std::size_t> ranks;
    bool operator<(const Node& other) const {
      return loss > other.loss || (loss == other.loss && order > other.order);
    }
  };
  auto ratio_at = [&](std::size_t d, std::size_t rank) {
    return log_ratio_[dims_[d].offset + ranked_[dims_[d].offset + rank]];
  };
  std::priority_queue<Node> frontier;
  std::size_t inserted = 0;
  frontier.push({0.0, inserted++, 0, std::vector<std::size_t>(dims_.size(), 0)});
  while (!frontier.empty()) {
    const Node node = frontier.top();
    frontier.pop();
    const spaces::ArchCode code = code_of(node.ranks);
    if (!excluded.count(code)) return code;
    for (std::size_t d = node.last; d < dims_.size(); ++d) {
      if (node.ranks[d] + 1 >= drawn_[d]) continue;
      Node next{node.loss + ratio_at(d, node.ranks[d]) - ratio_at(d, node.ranks[d] + 1),
                inserted++, d, node.ranks};
      ++next.ranks[d];
      frontier.push(std::move(next));
    }
  }
  return std::nullopt;
}

void CategoricalParzen::fit() {
  const std::size_t n = scores_.size();
  const std::size_t n_good = good_set_size(n);
  in_good_.assign(n, 0);
  for (std::size_t r = 0; r < n_good; ++r) in_good_[by_score_[r]] = 1;
  std::fill(good_counts_.begin(), good_counts_.end(), kPriorWeight);
  std::fill(bad_counts_.begin(), bad_counts_.end(), kPriorWeight);
  std::size_t good_seen = 0, bad_seen = 0;
  const LinearForgetting good_weight(n_good), bad_weight(n - n_good);
  const std::size_t dims = dims_.size();
  for (std::size_t i = 0; i < n; ++i) {
    const bool good = in_good_[i] != 0;
    const double w = good ? good_weight(good_seen++) : bad_weight(bad_seen++);
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

}  // namespace nasrun::search
