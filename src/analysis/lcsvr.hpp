// LcSVR: learning-curve extrapolation with a nu-SVR (Baker et al. 2017, "Accelerating neural
// architecture search using performance prediction"), the paper's strongest baseline (§5.3).
// The regression is Debian's libsvm (NU_SVR, RBF kernel); this file only prepares its inputs,
// standardises them and searches its hyper-parameters.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nasrun::experiment {

struct SvrHyperParameters {
  double C = 1, nu = 0.5, gamma = 0.1;
};

struct LcSvrOptions {
  // Random search: draws of (C, nu, gamma), each scored by k-fold cross-validation (mean
  // squared error of the held-out predictions, in standardised target units; lowest wins).
  int search_draws = 30;
  int folds = 3;
  std::uint64_t seed = 0;
  // Ranges: C and gamma log-uniform, nu uniform. gamma is drawn as g / (number of features), so
  // the range means the same for short and long curves.
  double C_min = 1e-2, C_max = 1e2;  // the target is standardised: C = 100 already fits it closely
  double nu_min = 0.05, nu_max = 1.0;
  double g_min = 1e-2, g_max = 1e1;
};

// A fitted nu-SVR. Inputs and target are standardised with the statistics of the training set
// it was fitted on (a feature constant there is centred only). predict() is thread-safe.
class LcSvr {
 public:
  // Fits with given hyper-parameters. X: one row per architecture, all of one length; y: the
  // targets. Throws std::invalid_argument on empty or ragged input, NaN, or bad parameters.
  static LcSvr fit(const std::vector<std::vector<double>>& X, const std::vector<double>& y,
                   const SvrHyperParameters& hp);
  // Chooses (C, nu, gamma) by random search with k-fold cross-validation, then refits on all
  // of X. Deterministic for a given options.seed.
  static LcSvr fit_with_search(const std::vector<std::vector<double>>& X,
                               const std::vector<double>& y, const LcSvrOptions& options);

  double predict(const std::vector<double>& x) const;
  const SvrHyperParameters& hyper_parameters() const;
  // Mean squared cross-validation error of the chosen draw (standardised units); NaN when the
  // model was fitted without a search.
  double cv_mse() const;
  std::size_t num_features() const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// The inputs: the architecture's features, which its space defines (SearchSpace::features), then
// these learning-curve features of the validation accuracies at epochs 1..T: the T values,
// their T-1 first differences and T-2 second differences.
std::vector<double> curve_features(const std::vector<double>& valid_acc);

}  // namespace nasrun::experiment
