// The proxies made of what a forward pass computes (docs/evaluators.md): jacov (Mellor et al.
// 2020, as Abdelfattah et al. 2021 define it), nwot (Mellor et al. 2021) and zen (Lin et al.
// 2021).
#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <limits>

#include "common/random.hpp"
#include "evaluators/live_proxies_module.hpp"

namespace nasrun::evaluators::live {

namespace {

// Jacobian covariance: J = d(sum of logits)/d(input), one row per image; C = the correlation
// matrix of J's rows, eigenvalues v; the proxy is -sum (log(v + k) + 1 / (v + k)), k = 1e-5;
// -inf where a row of J is constant.
double jacov(const ProxyInput& in) {
  in.network.train();
  const auto x = in.images.clone().requires_grad_(true);
  const auto y = in.network.forward(x);
  y.backward(torch::ones_like(y));
  // No gradient at all: the output ignores the input (the worst value, as below).
  if (!x.grad().defined()) return -std::numeric_limits<double>::infinity();
  auto j = x.grad().flatten(1).to(torch::kDouble);
  j = j - j.mean(1, /*keepdim=*/true);
  const auto covariance = j.mm(j.t());
  const auto deviation = covariance.diagonal().sqrt();
  // An image whose gradient is constant (the output ignores its input) has no correlation: the
  // worst value.
  if (deviation.eq(0).any().item<bool>()) return -std::numeric_limits<double>::infinity();
  const auto correlation = covariance / deviation.outer(deviation);
  const auto v = torch::linalg::eigvalsh(correlation, "L");
  constexpr double k = 1e-5;
  return -((v + k).log() + 1.0 / (v + k)).sum().item<double>();
}

// Sums, over the ReLUs, the kernel of their binary activation codes: K[i][j] = the units on
// which images i and j agree (both active or both inactive).
class ActivationCodes : public ForwardProbe {
 public:
  void relu_input(const torch::Tensor& input) override {
    const auto code = input.detach().flatten(1).gt(0).to(torch::kDouble);
    const auto agree = code.mm(code.t()) + (1 - code).mm((1 - code).t());
    kernel = kernel.defined() ? kernel + agree : agree;
  }
  torch::Tensor kernel;
};

// NASWOT: log |det K_H| of the activation codes' kernel (0 counts are exact in double).
double nwot(const ProxyInput& in) {
  torch::NoGradGuard no_grad;
  in.network.train();
  ActivationCodes probe;
  {
    const ProbeScope scope(probe);
    in.network.forward(in.images);
  }
  if (!probe.kernel.defined()) throw std::invalid_argument("nwot: the network applies no ReLU");
  return std::get<1>(torch::linalg::slogdet(probe.kernel)).item<double>();
}

// Records the feature map before global pooling, and the variance each batch normalisation
// normalises with (per channel over images and positions, then the mean over channels).
class ZenProbe : public ForwardProbe {
 public:
  void batch_norm_input(const torch::Tensor& input) override {
    if (record_variances)
      variances.push_back(input.var(at::IntArrayRef{0, 2, 3}, /*unbiased=*/false, /*keepdim=*/false)
                              .mean()
                              .item<double>());
  }
  void features(const torch::Tensor& map) override { feature_map = map; }
  bool record_variances = true;
  std::vector<double> variances;
  torch::Tensor feature_map;
};

// Zen-score: the network re-initialised with Gaussian weights N(0, 1) (biases 0, batch
// normalisation scale 1 and shift 0), Gaussian inputs x and e, the feature maps f before global
// pooling; log E_n ||f(x) - f(x + 0.01 e)||_1 + sum over the batch normalisations of
// log sqrt(mean variance) of the pass on x.
double zen(const ProxyInput& in) {
  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(common::mix_seed(in.seed, 0x2E9));
  for (const auto& m : in.network.modules(/*include_self=*/true)) {
    torch::Tensor weight, bias;
    if (auto* conv = m->as<torch::nn::Conv2d>()) weight = conv->weight, bias = conv->bias;
    else if (auto* linear = m->as<torch::nn::Linear>()) weight = linear->weight, bias = linear->bias;
    else if (auto* bn = m->as<torch::nn::BatchNorm2d>()) bn->reset_parameters();
    if (weight.defined()) weight.normal_(0, 1, generator);
    if (bias.defined()) bias.zero_();
  }
  in.network.train();
  const auto x = torch::randn(in.images.sizes(), generator);
  const auto e = torch::randn(in.images.sizes(), generator);
  ZenProbe probe;
  const ProbeScope scope(probe);
  in.network.forward(x);
  const auto f = probe.feature_map;
  probe.record_variances = false;
  in.network.forward(x + 0.01 * e);
  const auto difference = (f - probe.feature_map).abs().flatten(1).sum(1).mean().to(torch::kDouble);
  double score = std::log(difference.item<double>());
  for (double v : probe.variances) score += std::log(std::sqrt(v));
  return score;
}

const Registration<proxy_registry> kJacov{
    "jacov", "-sum(log(v + k) + 1/(v + k)) over the eigenvalues of the input Jacobian's correlations",
    jacov};
const Registration<proxy_registry> kNwot{
    "nwot", "log|K_H| of the ReLUs' binary activation codes (NASWOT)", nwot};
const Registration<proxy_registry> kZen{
    "zen", "Zen-score: log of the feature maps' response to input noise plus the batch norms' "
           "log deviations", zen};

}  // namespace

}  // namespace nasrun::evaluators::live
