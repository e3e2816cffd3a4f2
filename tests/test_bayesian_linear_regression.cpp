// The paper's §5.1 example (Fig. 1): the sequential Bayesian linear regression against values
// worked out by hand, and the data set's shape.
#include <catch2/catch.hpp>
#include <cmath>

#include "analysis/bayesian_linear_regression.hpp"

using namespace nasrun;
using namespace nasrun::experiment;

namespace {
const double kLog2Pi = std::log(2 * 3.14159265358979323846);
}

TEST_CASE("Sequential Bayesian linear regression matches a hand computation", "[analysis][blr]") {
  // One feature, prior w ~ N(0, 1), noise variance 1; points (x, y) = (1, 1), (2, 1).
  // Point 1 under the prior: predictive N(0, 1 + 1) -> log p = -log(2 pi 2)/2 - 1/4; the
  // expected log likelihood -log(2 pi)/2 - (1 + 1)/2. Posterior: precision 1 + 1 = 2, so variance
  // 1/2 and mean (1/2)(1 * 1) = 1/2.
  // Point 2: predictive mean 2 * 1/2 = 1, variance 1 + 4/2 = 3 -> log p = -log(2 pi 3)/2; the
  // expected log likelihood -log(2 pi)/2 - (0 + 4/2)/2. Posterior: precision 2 + 4 = 6, mean
  // (1 + 2)/6 = 1/2.
  common::Rng rng(7);
  const auto fit = fit_sequentially({{1.0}, {2.0}}, {1.0, 1.0}, {1.0, 1.0}, rng);
  REQUIRE(fit.steps.size() == 2);
  CHECK(fit.steps[0].log_predictive == Approx(-0.5 * (kLog2Pi + std::log(2.0)) - 0.25));
  CHECK(fit.steps[0].expected_log_likelihood == Approx(-0.5 * kLog2Pi - 1));
  CHECK(fit.steps[1].log_predictive == Approx(-0.5 * (kLog2Pi + std::log(3.0))));
  CHECK(fit.steps[1].expected_log_likelihood == Approx(-0.5 * kLog2Pi - 1));
  CHECK(fit.posterior_mean[0] == Approx(0.5));
  CHECK(fit.posterior_covariance[0][0] == Approx(1.0 / 6));
  // The fitted training loss at the posterior mean 1/2, after point 1: -log N(1; 1/2, 1); after
  // point 2 (mean 1/2 again), the mean of -log N(1; 1/2, 1) and -log N(1; 1, 1).
  CHECK(fit.steps[0].fitted_training_loss == Approx(0.5 * kLog2Pi + 0.125));
  CHECK(fit.steps[1].fitted_training_loss == Approx(0.5 * kLog2Pi + 0.0625));
  // The evidence in one piece: y ~ N(0, x x^T + I) = N(0, [[2, 2], [2, 5]]), determinant 6,
  // y^T K^-1 y = (5 - 4 + 2)/6 = 1/2: log P(D) = -log(2 pi) - log(6)/2 - 1/4.
  CHECK(fit.steps[0].log_predictive + fit.steps[1].log_predictive ==
        Approx(-kLog2Pi - 0.5 * std::log(6.0) - 0.25));
}

TEST_CASE("A sampled log likelihood averages to the expected one", "[analysis][blr]") {
  // Under the prior N(0, 1) with x = 1, y = 1: E log N(1; w, 1) = -log(2 pi)/2 - (1 + 1)/2.
  common::Rng rng(3);
  double sum = 0;
  const int draws = 20000;
  for (int k = 0; k < draws; ++k)
    sum += fit_sequentially({{1.0}}, {1.0}, {}, rng).steps[0].sampled_log_likelihood;
  // The draws' standard deviation is below 1.5, so 0.05 is more than four standard errors.
  CHECK(sum / draws == Approx(-0.5 * kLog2Pi - 1).margin(0.05));
}

TEST_CASE("Two features: the posterior and evidence match the Gaussian formulas", "[analysis][blr]") {
  // Prior variance 2, noise variance 0.5, points (1, 0) -> 1 and (1, 1) -> 0. K = 2 X X^T + 0.5 I
  // = [[2.5, 2], [2, 4.5]], det 7.25, y = (1, 0): y^T K^-1 y = 4.5/7.25. The posterior precision
  // I/2 + X^T X / 0.5 = [[4.5, 2], [2, 2.5]] (det 7.25), mean = cov X^T y / 0.5 = cov (2, 0) =
  // (2.5 * 2, -2 * 2)/7.25.
  common::Rng rng(1);
  const auto fit = fit_sequentially({{1.0, 0.0}, {1.0, 1.0}}, {1.0, 0.0}, {2.0, 0.5}, rng);
  CHECK(fit.steps[0].log_predictive + fit.steps[1].log_predictive ==
        Approx(-kLog2Pi - 0.5 * std::log(7.25) - 0.5 * 4.5 / 7.25));
  CHECK(fit.posterior_mean[0] == Approx(5.0 / 7.25));
  CHECK(fit.posterior_mean[1] == Approx(-4.0 / 7.25));
  CHECK(fit.posterior_covariance[0][0] == Approx(2.5 / 7.25));
  CHECK(fit.posterior_covariance[0][1] == Approx(-2.0 / 7.25));
  CHECK(fit.posterior_covariance[1][1] == Approx(4.5 / 7.25));
}

TEST_CASE("The paper's data and the two models of Fig. 1", "[analysis][blr]") {
  const auto data = paper_regression_data(5, 11);
  REQUIRE(data.inputs.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    REQUIRE(data.inputs[i].size() == 6);
    // Only coordinate 0 and coordinate i+1 are non-zero.
    for (std::size_t k = 1; k < 6; ++k)
      if (k != i + 1) CHECK(data.inputs[i][k] == 0);
    CHECK(data.inputs[i][i + 1] != 0);
  }
  CHECK(first_coordinate(data.inputs)[2] == std::vector<double>{data.inputs[2][0]});
  const auto rows = regression_example(50, 0);
  REQUIRE(rows.size() == 100);
  const auto& m1 = rows[49];
  const auto& m2 = rows[99];
  CHECK(m1.model == "M1 (identity)");
  CHECK(m2.model == "M2 (first coordinate)");
  CHECK(m1.points == 50);
  for (const auto* r : {&m1, &m2}) CHECK(r->minus_log_evidence <= r->minus_lower_bound);
  // M1's predictive variance for point i exceeds M2's by eps_i^2 (the unseen weight of the
  // point's own coordinate) around the same mean, so M2 has the higher evidence, the higher
  // lower bound, and (what the figure shows) the lower SoTL.
  CHECK(m2.minus_log_evidence < m1.minus_log_evidence);
  CHECK(m2.minus_lower_bound < m1.minus_lower_bound);
  CHECK(m2.sotl < m1.sotl);
  // M1 fits its training points more closely (each has its own coordinate to absorb the
  // residual): the fitted training loss prefers the model that generalises worse.
  CHECK(m1.fitted_loss < m2.fitted_loss);
  // Reproducible from its seed.
  CHECK(regression_example_csv(regression_example(50, 0)) == regression_example_csv(rows));
}

TEST_CASE("Bad regression input is refused by name", "[analysis][blr]") {
  common::Rng rng(0);
  CHECK_THROWS_WITH(fit_sequentially({{1.0}, {1.0, 2.0}}, {1.0, 1.0}, {}, rng),
                    Catch::Contains("feature row 2 has 2 values, row 1 has 1"));
  CHECK_THROWS_WITH(fit_sequentially({{1.0}}, {1.0, 2.0}, {}, rng),
                    Catch::Contains("1 feature rows but 2 targets"));
  CHECK_THROWS_WITH(fit_sequentially({{1.0}}, {1.0}, {0.0, 1.0}, rng),
                    Catch::Contains("variances must be positive"));
  CHECK_THROWS_WITH(paper_regression_data(0, 0), Catch::Contains("at least 1 point"));
}
