// The paper's §5.1 example (Fig. 1): Bayesian linear regression updated one data point at a time,
// where the sum of training losses (SoTL) estimates a lower bound on the log marginal likelihood.
//
// Model: y = w . phi(x) + noise, noise ~ N(0, noise_variance), prior w ~ N(0, prior_variance I).
// Point i is scored under the posterior given the points before it, P(w | D_<i), then added:
//   log evidence   log P(D) = sum_i log P(y_i | D_<i)  (the posterior predictive, eq. 2);
//   lower bound    L(D) = sum_i E_{P(w | D_<i)} log P(y_i | w)  (<= log P(D), Jensen);
//   SoTL           sum_i -log P(y_i | w_i), w_i drawn from P(w | D_<i): its expectation is -L.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/random.hpp"

namespace nasrun::experiment {

struct RegressionData {
  std::vector<std::vector<double>> inputs;  // one row per point
  std::vector<double> targets;
};

// §5.1's data set of n points in R^(n+1): x_i = (y_i + eps0_i, 0, ..., eps_i, ..., 0), eps_i at
// coordinate i (1-based; coordinate 0 is the one correlated with the target). The paper states
// eps_i ~ N(0, 1) only; y_i ~ N(0, 1) and eps0_i ~ N(0, 1) are our choice. Throws
// std::invalid_argument for n < 1.
RegressionData paper_regression_data(int n, std::uint64_t seed);

// The two feature maps the paper compares: phi_1(x) = x (model M1) and phi_2(x) = x . e_1, the
// first coordinate alone (model M2).
std::vector<std::vector<double>> first_coordinate(const std::vector<std::vector<double>>& inputs);

struct BayesianLinearModel {
  double prior_variance = 1;
  double noise_variance = 1;
};

// Point i's terms, under the posterior given the points before it.
struct SequentialStep {
  double log_predictive = 0;           // log P(y_i | D_<i)
  double expected_log_likelihood = 0;  // E_{P(w | D_<i)} log P(y_i | w)
  double sampled_log_likelihood = 0;   // log P(y_i | w_i), w_i ~ P(w | D_<i)
  // After the update: the mean of -log P(y_j | m) over the points seen, j <= i, at the posterior
  // mean m given them: the training loss of the model fitted so far.
  double fitted_training_loss = 0;
};

struct SequentialFit {
  std::vector<SequentialStep> steps;             // one per point, in order
  std::vector<double> posterior_mean;            // after every point
  std::vector<std::vector<double>> posterior_covariance;
};

// The updates over the points in order; the draws w_i come from `rng` (normal deviates made from
// common::uniform_unit). Throws std::invalid_argument when the features are empty or ragged, the
// targets do not match them, or a variance is not positive.
SequentialFit fit_sequentially(const std::vector<std::vector<double>>& features,
                               const std::vector<double>& targets, const BayesianLinearModel& model,
                               common::Rng& rng);

// One model's curve of Fig. 1, in loss units (negated log probabilities, summed over points
// 1..i): lower is better for all three, and -log P(D) <= -L(D) ~ E[SoTL].
struct RegressionExampleRow {
  std::string model;  // "M1 (identity)", "M2 (first coordinate)"
  int points = 0;     // i
  double step_loss = 0;           // -log P(y_i | w_i): the training loss of step i
  double fitted_loss = 0;         // SequentialStep::fitted_training_loss after step i
  double sotl = 0;                // sum of step_loss over 1..i
  double minus_lower_bound = 0;   // -L(D_<=i)
  double minus_log_evidence = 0;  // -log P(D_<=i)
};

// Fig. 1: both models on paper_regression_data(n, seed), the draws from mix_seed(seed, 1) for M1
// and mix_seed(seed, 2) for M2.
std::vector<RegressionExampleRow> regression_example(int n, std::uint64_t seed,
                                                     const BayesianLinearModel& model = {});
std::string regression_example_csv(const std::vector<RegressionExampleRow>& rows);
// Whether `path` starts with regression_example_csv's header (an earlier output it may replace).
bool is_regression_example_csv(const std::string& path);
// <stem>.png and .svg: the cumulative losses (left); the step losses and the fitted training
// losses (right) of both models.
void plot_regression_example(const std::vector<RegressionExampleRow>& rows, const std::string& stem);

}  // namespace nasrun::experiment
