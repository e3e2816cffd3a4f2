// The categorical Parzen estimator of TPE (Bergstra, Bardenet, Bengio, Kegl: "Algorithms for
// Hyper-Parameter Optimization", NIPS 2011) as hyperopt's tpe.py builds it with its defaults, for
// a product of categorical dimensions (docs/strategies.md cites each rule). `tpe` fits one over
// all its results; `bohb` one per budget (Falkner et al., ICML 2018).
//
//   * the told results, sorted by score (ties by order of telling), split into the good set, the
//     first min(ceil(0.25 * sqrt(n)), 25), and the rest;
//   * each dimension is an independent categorical per set: choice k gets the pseudo-count 1 (the
//     prior weight) plus the summed weights of the set's observations with choice k; weights are
//     hyperopt's linear forgetting within each set (the newest 25 weigh 1, older ones ramp down
//     linearly);
//   * per dimension, 24 choices are drawn from l (the good set's model) and the one with the
//     largest l/g is proposed (the first such draw on ties).
//
// A proposal may exclude architectures (BOHB's, those already in its bracket): it is then the
// untaken combination of the drawn choices with the largest sum of log(l/g) over dimensions
// (ties: the one found first by a best-first walk from the unconstrained proposal).
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_set>
#include <vector>

#include "common/random.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::search {

class CategoricalParzen {
 public:
  explicit CategoricalParzen(const spaces::SearchSpace& space);

  // One observation. A NaN score counts as +infinity (the worst).
  void add(spaces::ArchCode arch, double score);
  std::size_t size() const { return scores_.size(); }
  // Fits l and g to the observations and proposes the architecture of the largest l/g that is
  // not in `excluded`; when every combination of the drawn choices is excluded, the
  // unconstrained one (excluded too). Precondition: size() > 0.
  spaces::ArchCode propose(common::Rng& rng,
                           const std::unordered_set<spaces::ArchCode>& excluded = {});

 private:
  struct Dimension {
    std::size_t choices;
    std::size_t offset;      // into the per-choice arrays
    spaces::ArchCode place;  // of its digit in the mixed-radix code
  };

  // The pseudo-counts of l (good set) and g (the rest), and log(l/g) per choice.
  void fit();
  spaces::ArchCode code_of(const std::vector<std::size_t>& ranks) const;
  // The best combination of the drawn choices (by summed log(l/g)) not in `excluded`, if any.
  std::optional<spaces::ArchCode> best_not_in(const std::unordered_set<spaces::ArchCode>& excluded) const;

  std::vector<Dimension> dims_;
  // Observations in order of telling: choices_ holds one entry per dimension per observation.
  spaces::Choices choices_;
  std::vector<double> scores_;
  std::vector<std::uint32_t> by_score_;  // indices into scores_, best first
  // Scratch space reused by every propose().
  std::vector<std::uint8_t> in_good_;
  std::vector<double> good_counts_, bad_counts_, log_ratio_;
  // Per dimension (at its offset), the distinct drawn choices, largest log(l/g) first (ties in
  // order of drawing), and how many there are.
  std::vector<std::uint32_t> ranked_;
  std::vector<std::size_t> drawn_;
  std::vector<std::uint8_t> seen_;
};

}  // namespace nasrun::search
