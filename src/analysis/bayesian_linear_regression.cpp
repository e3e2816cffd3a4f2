#include "analysis/bayesian_linear_regression.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "analysis/csv_header.hpp"
#include "common/file_io.hpp"
#include "common/gnuplot.hpp"

namespace nasrun::experiment {

namespace {

constexpr double kPi = 3.14159265358979323846;

// A standard normal deviate (Box-Muller, one per pair of uniforms; 1 - u keeps the log finite).
double standard_normal(common::Rng& rng) {
  const double u1 = 1.0 - common::uniform_unit(rng);
  const double u2 = common::uniform_unit(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
}

// log N(y; mean, variance).
double log_normal_density(double y, double mean, double variance) {
  const double r = y - mean;
  return -0.5 * std::log(2.0 * kPi * variance) - r * r / (2.0 * variance);
}

}  // namespace

RegressionData paper_regression_data(int n, std::uint64_t seed) {
  if (n < 1) throw std::invalid_argument("the example needs at least 1 point, got " + std::to_string(n));
  common::Rng rng(seed);
  RegressionData data;
  for (int i = 1; i <= n; ++i) {
    const double y = standard_normal(rng);
    const double eps0 = standard_normal(rng);
    const double eps = standard_normal(rng);
    std::vector<double> x(static_cast<std::size_t>(n) + 1, 0.0);
    x[0] = y + eps0;
    x[static_cast<std::size_t>(i)] = eps;
    data.inputs.push_back(std::move(x));
    data.targets.push_back(y);
  }
  return data;
}

std::vector<std::vector<double>> first_coordinate(const std::vector<std::vector<double>>& inputs) {
  std::vector<std::vector<double>> out;
  for (const auto& x : inputs) {
    if (x.empty()) throw std::invalid_argument("an input has no coordinates");
    out.push_back({x[0]});
  }
  return out;
}

SequentialFit fit_sequentially(const std::vector<std::vector<double>>& features,
                               const std::vector<double>& targets, const BayesianLinearModel& model,
                               common::Rng& rng) {
  if (features.empty() || features[0].empty())
    throw std::invalid_argument("Bayesian linear regression needs at least one point and one feature");
  if (targets.size() != features.size())
    throw std::invalid_argument("Bayesian linear regression: " + std::to_string(features.size()) +
                                " feature rows but " + std::to_string(targets.size()) + " targets");
  if (!(model.prior_variance > 0) || !(model.noise_variance > 0))
    throw std::invalid_argument("Bayesian linear regression: the prior and noise variances must be positive");
  const auto d = static_cast<Eigen::Index>(features[0].size());
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(d);
  Eigen::MatrixXd cov = Eigen::MatrixXd::Identity(d, d) * model.prior_variance;
  const double noise = model.noise_variance;
  SequentialFit fit;
  for (std::size_t i = 0; i < features.size(); ++i) {
    if (static_cast<Eigen::Index>(features[i].size()) != d)
      throw std::invalid_argument("Bayesian linear regression: feature row " + std::to_string(i + 1) +
                                  " has " + std::to_string(features[i].size()) + " values, row 1 has " +
                                  std::to_string(d));
    const Eigen::Map<const Eigen::VectorXd> phi(features[i].data(), d);
    const double y = targets[i];
    const Eigen::VectorXd cov_phi = cov * phi;
    const double predicted = mean.dot(phi), spread = phi.dot(cov_phi);
    SequentialStep step;
    step.log_predictive = log_normal_density(y, predicted, noise + spread);
    // E over w of log N(y; w.phi, noise): the squared residual's mean adds the prediction's variance.
    step.expected_log_likelihood = log_normal_density(y, predicted, noise) - spread / (2.0 * noise);
    Eigen::VectorXd z(d);
    for (Eigen::Index k = 0; k < d; ++k) z[k] = standard_normal(rng);
    const Eigen::VectorXd w = mean + Eigen::LLT<Eigen::MatrixXd>(cov).matrixL() * z;
    step.sampled_log_likelihood = log_normal_density(y, w.dot(phi), noise);
    // The rank-one update of the Gaussian posterior by (phi, y).
    const Eigen::VectorXd gain = cov_phi / (noise + spread);
    mean += gain * (y - predicted);
    cov -= gain * cov_phi.transpose();
    cov = 0.5 * (cov + cov.transpose());  // keeps it symmetric for the next Cholesky factor
    for (std::size_t j = 0; j <= i; ++j)
      step.fitted_training_loss -=
          log_normal_density(targets[j], mean.dot(Eigen::Map<const Eigen::VectorXd>(features[j].data(), d)), noise);
    step.fitted_training_loss /= static_cast<double>(i + 1);
    fit.steps.push_back(step);
  }
  fit.posterior_mean.assign(mean.data(), mean.data() + d);
  for (Eigen::Index r = 0; r < d; ++r) {
    fit.posterior_covariance.emplace_back(static_cast<std::size_t>(d));
    for (Eigen::Index c = 0; c < d; ++c) fit.posterior_covariance.back()[static_cast<std::size_t>(c)] = cov(r, c);
  }
  return fit;
}

std::vector<RegressionExampleRow> regression_example(int n, std::uint64_t seed,
                                                     const BayesianLinearModel& model) {
  const auto data = paper_regression_data(n, seed);
  std::vector<RegressionExampleRow> rows;
  auto add = [&](const std::string& name, const std::vector<std::vector<double>>& features,
                 std::uint64_t stream) {
    common::Rng rng(common::mix_seed(seed, stream));
    const auto fit = fit_sequentially(features, data.targets, model, rng);
    RegressionExampleRow row;
    row.model = name;
    for (const auto& step : fit.steps) {
      ++row.points;
      row.step_loss = -step.sampled_log_likelihood;
      row.fitted_loss = step.fitted_training_loss;
      row.sotl += row.step_loss;
      row.minus_lower_bound -= step.expected_log_likelihood;
      row.minus_log_evidence -= step.log_predictive;
      rows.push_back(row);
    }
  };
  add("M1 (identity)", data.inputs, 1);
  add("M2 (first coordinate)", first_coordinate(data.inputs), 2);
  return rows;
}

std::string regression_example_csv(const std::vector<RegressionExampleRow>& rows) {
  std::string out =
      "model,points,step_loss,fitted_loss,sotl,minus_lower_bound,minus_log_evidence\n";
  for (const auto& r : rows) {
    char line[192];
    std::snprintf(line, sizeof line, "%d,%.6f,%.6f,%.6f,%.6f,%.6f\n", r.points, r.step_loss,
                  r.fitted_loss, r.sotl, r.minus_lower_bound, r.minus_log_evidence);
    out += r.model + "," + line;
  }
  return out;
}

bool is_regression_example_csv(const std::string& path) {
  return starts_with_header_of(path, regression_example_csv({}));
}

void plot_regression_example(const std::vector<RegressionExampleRow>& rows, const std::string& stem) {
  if (rows.empty()) throw std::runtime_error("nothing to plot: the example has no points");
  // One data block per model: points, step loss, SoTL, -L, -log evidence, fitted loss.
  std::string data, previous;
  std::vector<std::string> models;
  for (const auto& r : rows) {
    if (r.model != previous) {
      if (!previous.empty()) data += "\n\n";
      data += "# " + r.model + "\n";
      models.push_back(r.model);
      previous = r.model;
    }
    char line[160];
    std::snprintf(line, sizeof line, "%d %.6g %.6g %.6g %.6g %.6g\n", r.points, r.step_loss, r.sotl,
                  r.minus_lower_bound, r.minus_log_evidence, r.fitted_loss);
    data += line;
  }
  common::write_file_atomically(stem + ".dat", data);
  const std::string dat = common::gp_string(stem + ".dat");
  std::string cumulative, steps;
  for (std::size_t k = 0; k < models.size(); ++k) {
    const std::string block = dat + " index " + std::to_string(k) + " using 1:";
    const std::string colour = " lc rgb \"" + std::string(common::plot_colour(k)) + "\" lw 2";
    cumulative += (cumulative.empty() ? "" : ", ") + block + "3 with lines" + colour + " dt 1 title " +
                  common::gp_string(models[k] + ": SoTL") + ", " + block + "4 with lines" + colour +
                  " dt 2 title " + common::gp_string(models[k] + ": -L (lower bound)") + ", " + block +
                  "5 with lines" + colour + " dt 3 title " +
                  common::gp_string(models[k] + ": -log evidence");
    steps += (steps.empty() ? "" : ", ") + block + "2 with lines" + colour + " dt 1 title " +
             common::gp_string(models[k] + ": step loss") + ", " + block + "6 with lines" + colour +
             " dt 2 title " + common::gp_string(models[k] + ": fitted training loss");
  }
  const std::string body =
      "set multiplot layout 1,2 title \"Bayesian linear regression, one point at a time (paper "
      "Fig. 1)\"\nset grid\nset xlabel \"data points seen\"\nset ylabel \"sum of losses\"\nset key "
      "bottom right font \",9\"\nplot " +
      cumulative +
      "\nset ylabel \"training loss\"\nset logscale y\nset key bottom right font \",9\"\nplot " +
      steps + "\nunset multiplot";
  common::render_gnuplot(stem, body);
}

}  // namespace nasrun::experiment
