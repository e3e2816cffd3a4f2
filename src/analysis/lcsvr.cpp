#include "analysis/lcsvr.hpp"

#include <libsvm/svm.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <numeric>
#include <stdexcept>

#include "common/random.hpp"

namespace nasrun::experiment {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void quiet(const char*) {}

void silence_libsvm() {
  static std::once_flag once;
  std::call_once(once, [] { svm_set_print_string_function(&quiet); });
}

void check_data(const std::vector<std::vector<double>>& X, const std::vector<double>& y) {
  if (X.empty()) throw std::invalid_argument("LcSVR: no training data");
  if (X.size() != y.size())
    throw std::invalid_argument("LcSVR: " + std::to_string(X.size()) + " inputs but " +
                                std::to_string(y.size()) + " targets");
  const std::size_t d = X.front().size();
  if (d == 0) throw std::invalid_argument("LcSVR: inputs have no features");
  for (std::size_t i = 0; i < X.size(); ++i) {
    if (X[i].size() != d)
      throw std::invalid_argument("LcSVR: input " + std::to_string(i) + " has " +
                                  std::to_string(X[i].size()) + " features, expected " +
                                  std::to_string(d));
    if (!std::isfinite(y[i]) ||
        std::any_of(X[i].begin(), X[i].end(), [](double v) { return !std::isfinite(v); }))
      throw std::invalid_argument("LcSVR: training row " + std::to_string(i) +
                                  " has a missing or infinite value");
  }
}

// Mean and standard deviation (population); a constant column gets scale 1 (centred only).
std::pair<double, double> moments(const std::vector<double>& v) {
  const double n = static_cast<double>(v.size());
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / n);
  return {mean, sd > 1e-12 * std::max(1.0, std::abs(mean)) ? sd : 1.0};
}

}  // namespace

struct LcSvr::Impl {
  std::vector<double> mean, scale;
  double y_mean = 0, y_scale = 1;
  // libsvm's model points into the training nodes: they live as long as the model.
  std::vector<std::vector<svm_node>> nodes;
  std::vector<svm_node*> rows;
  std::vector<double> targets;
  svm_problem problem{};
  svm_parameter param{};
  svm_model* model = nullptr;
  SvrHyperParameters hp;
  double cv_mse = kNaN;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    if (model) svm_free_and_destroy_model(&model);
  }

  void encode(const std::vector<double>& x, std::vector<svm_node>& out) const {
    out.resize(x.size() + 1);
    for (std::size_t j = 0; j < x.size(); ++j)
      out[j] = {static_cast<int>(j + 1), (x[j] - mean[j]) / scale[j]};
    out[x.size()] = {-1, 0};
  }
};

LcSvr LcSvr::fit(const std::vector<std::vector<double>>& X, const std::vector<double>& y,
                 const SvrHyperParameters& hp) {
  silence_libsvm();
  check_data(X, y);
  auto impl = std::make_shared<Impl>();
  const std::size_t n = X.size(), d = X.front().size();
  impl->mean.resize(d);
  impl->scale.resize(d);
  std::vector<double> column(n);
  for (std::size_t j = 0; j < d; ++j) {
    for (std::size_t i = 0; i < n; ++i) column[i] = X[i][j];
    std::tie(impl->mean[j], impl->scale[j]) = moments(column);
  }
  std::tie(impl->y_mean, impl->y_scale) = moments(y);
  impl->nodes.resize(n);
  impl->rows.resize(n);
  impl->targets.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    impl->encode(X[i], impl->nodes[i]);
    impl->rows[i] = impl->nodes[i].data();
    impl->targets[i] = (y[i] - impl->y_mean) / impl->y_scale;
  }
  impl->problem.l = static_cast<int>(n);
  impl->problem.y = impl->targets.data();
  impl->problem.x = impl->rows.data();
  auto& p = impl->param;
  p.svm_type = NU_SVR;
  p.kernel_type = RBF;
  p.degree = 3;
  p.gamma = hp.gamma;
  p.coef0 = 0;
  p.cache_size = 64;
  p.eps = 1e-3;
  p.C = hp.C;
  p.nr_weight = 0;
  p.weight_label = nullptr;
  p.weight = nullptr;
  p.nu = hp.nu;
  p.p = 0.1;
  p.shrinking = 1;
  p.probability = 0;
  if (const char* error = svm_check_parameter(&impl->problem, &p))
    throw std::invalid_argument(std::string("LcSVR: libsvm rejects the parameters: ") + error);
  impl->hp = hp;
  impl->model = svm_train(&impl->problem, &p);
  if (!impl->model) throw std::runtime_error("LcSVR: libsvm's svm_train failed");
  LcSvr out;
  out.impl_ = std::move(impl);
  return out;
}

LcSvr LcSvr::fit_with_search(const std::vector<std::vector<double>>& X,
                             const std::vector<double>& y, const LcSvrOptions& o) {
  check_data(X, y);
  if (o.folds < 2 || static_cast<std::size_t>(o.folds) > X.size())
    throw std::invalid_argument("LcSVR: " + std::to_string(o.folds) + "-fold cross-validation of " +
                                std::to_string(X.size()) + " architectures is impossible");
  if (o.search_draws < 1) throw std::invalid_argument("LcSVR: the random search needs a draw");
  const std::size_t n = X.size();
  const double d = static_cast<double>(X.front().size());

  // Folds: a seeded shuffle, then every k-th architecture.
  std::vector<std::size_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  common::Rng fold_rng(common::mix_seed(o.seed, 1));
  for (std::size_t i = n; i > 1; --i) std::swap(perm[i - 1], perm[common::uniform_below(fold_rng, i)]);
  std::vector<int> fold(n);
  for (std::size_t i = 0; i < n; ++i) fold[perm[i]] = static_cast<int>(i % o.folds);

  std::vector<SvrHyperParameters> draws(static_cast<std::size_t>(o.search_draws));
  common::Rng draw_rng(common::mix_seed(o.seed, 2));
  auto log_uniform = [&](double lo, double hi) {
    return std::exp(std::log(lo) + (std::log(hi) - std::log(lo)) * common::uniform_unit(draw_rng));
  };
  for (auto& h : draws) {
    h.C = log_uniform(o.C_min, o.C_max);
    h.nu = o.nu_min + (o.nu_max - o.nu_min) * common::uniform_unit(draw_rng);
    h.gamma = log_uniform(o.g_min, o.g_max) / d;
  }

  const double y_var = [&] {
    const auto [m, sd] = moments(y);
    (void)m;
    return sd * sd;
  }();
  std::vector<double> mse(draws.size());
  tbb::parallel_for(std::size_t{0}, draws.size(), [&](std::size_t k) {
    double sse = 0;
    for (int f = 0; f < o.folds; ++f) {
      std::vector<std::vector<double>> Xf;
      std::vector<double> yf;
      for (std::size_t i = 0; i < n; ++i)
        if (fold[i] != f) {
          Xf.push_back(X[i]);
          yf.push_back(y[i]);
        }
      const auto model = fit(Xf, yf, draws[k]);
      for (std::size_t i = 0; i < n; ++i)
        if (fold[i] == f) {
          const double e = model.predict(X[i]) - y[i];
          sse += e * e;
        }
    }
    mse[k] = sse / static_cast<double>(n) / y_var;
  });
  const auto best = static_cast<std::size_t>(std::min_element(mse.begin(), mse.end()) - mse.begin());
  auto model = fit(X, y, draws[best]);
  std::const_pointer_cast<Impl>(model.impl_)->cv_mse = mse[best];
  return model;
}

double LcSvr::predict(const std::vector<double>& x) const {
  if (x.size() != impl_->mean.size())
    throw std::invalid_argument("LcSVR: input has " + std::to_string(x.size()) +
                                " features, the model " + std::to_string(impl_->mean.size()));
  std::vector<svm_node> nodes;
  impl_->encode(x, nodes);
  return impl_->y_mean + impl_->y_scale * svm_predict(impl_->model, nodes.data());
}

const SvrHyperParameters& LcSvr::hyper_parameters() const { return impl_->hp; }
double LcSvr::cv_mse() const { return impl_->cv_mse; }
std::size_t LcSvr::num_features() const { return impl_->mean.size(); }

std::vector<double> curve_features(const std::vector<double>& v) {
  std::vector<double> out(v);
  for (std::size_t t = 1; t < v.size(); ++t) out.push_back(v[t] - v[t - 1]);
  for (std::size_t t = 2; t < v.size(); ++t) out.push_back(v[t] - 2 * v[t - 1] + v[t - 2]);
  return out;
}

}  // namespace nasrun::experiment
