// The proxies made of gradients (docs/evaluators.md): grad_norm, snip, fisher, synflow
// (Abdelfattah et al. 2021's definitions) and zico (Li et al. 2023). Each sums over the
// convolutions and linear layers (layer_weights); a layer the loss does not reach (a
// convolution on an edge whose node never feeds the output) has no gradient and adds nothing.
#include <cmath>

#include "evaluators/live_proxies_module.hpp"

namespace nasrun::evaluators::live {

namespace {

// Sum over the layers of f(weight, its gradient), in double precision, in module order.
template <typename F>
double sum_over_layers(NetworkModule& network, F f) {
  double sum = 0;
  for (const auto& w : layer_weights(network))
    if (w.grad().defined()) sum += f(w.detach().to(torch::kDouble), w.grad().to(torch::kDouble));
  return sum;
}

// Sum over layers of the Frobenius norm of dL/dW.
double grad_norm(const ProxyInput& in) {
  backpropagate_loss(in.network, in.images, in.labels);
  return sum_over_layers(in.network, [](const torch::Tensor&, const torch::Tensor& g) {
    return g.norm().item<double>();
  });
}

// Sum over weights of |W * dL/dW| (SNIP's connection sensitivity, Lee et al. 2019).
double snip(const ProxyInput& in) {
  backpropagate_loss(in.network, in.images, in.labels);
  return sum_over_layers(in.network, [](const torch::Tensor& w, const torch::Tensor& g) {
    return (w * g).abs().sum().item<double>();
  });
}

// Keeps each layer's output, so that its gradient can be read after the backward pass.
class LayerOutputs : public ForwardProbe {
 public:
  torch::Tensor layer_output(const torch::Tensor&, const torch::Tensor& output) override {
    output.retain_grad();
    outputs.push_back(output);
    return output;
  }
  std::vector<torch::Tensor> outputs;
};

// Fisher information of the layers' outputs (Theis et al. 2018, as Abdelfattah et al. 2021
// apply it): per output channel k of a layer, g_nk = sum over positions of a * dL/da for image
// n; the channel adds 0.5 * mean_n g_nk^2.
double fisher(const ProxyInput& in) {
  LayerOutputs probe;
  {
    const ProbeScope scope(probe);
    backpropagate_loss(in.network, in.images, in.labels);
  }
  double sum = 0;
  for (const auto& a : probe.outputs) {
    if (!a.grad().defined()) continue;
    auto g = (a.detach().to(torch::kDouble) * a.grad().to(torch::kDouble));
    if (g.dim() > 2) g = g.flatten(2).sum(2);
    sum += (0.5 * g.pow(2).mean(0)).sum().item<double>();
  }
  return sum;
}

// Applies no batch normalisation: SynFlow's network is linearised without it.
class WithoutBatchNorm : public ForwardProbe {
 public:
  bool skips_batch_norm() const override { return true; }
};

// SynFlow (Tanaka et al. 2020): every parameter replaced by its absolute value, batch
// normalisation left out, in double precision; R = the sum of the logits for an input of ones
// (one image); the sum over weights of |W * dR/dW|.
double synflow(const ProxyInput& in) {
  {
    torch::NoGradGuard no_grad;
    for (auto& p : in.network.parameters()) p.abs_();
  }
  in.network.to(torch::kDouble);
  in.network.train();
  in.network.zero_grad();
  auto sizes = in.images.sizes().vec();
  sizes[0] = 1;
  WithoutBatchNorm probe;
  {
    const ProbeScope scope(probe);
    in.network.forward(torch::ones(sizes, torch::kDouble)).sum().backward();
  }
  return sum_over_layers(in.network, [](const torch::Tensor& w, const torch::Tensor& g) {
    return (w * g).abs().sum().item<double>();
  });
}

// ZiCo (Li et al. 2023): the minibatch in two halves, a gradient of each; per layer, over its
// weights whose two gradients differ, S = sum of mean |g| / standard deviation of g (over the
// halves, population deviation); the proxy sums log S over the layers where S > 0.
double zico(const ProxyInput& in) {
  const auto n = in.images.size(0), half = n / 2;
  std::vector<std::vector<torch::Tensor>> grads;  // [half][layer]
  for (const auto& [begin, end] : {std::pair{std::int64_t{0}, half}, std::pair{half, n}}) {
    backpropagate_loss(in.network, in.images.slice(0, begin, end), in.labels.slice(0, begin, end));
    std::vector<torch::Tensor> g;
    for (const auto& w : layer_weights(in.network))
      g.push_back(w.grad().defined() ? w.grad().to(torch::kDouble).clone()
                                     : torch::zeros_like(w, torch::kDouble));
    grads.push_back(std::move(g));
  }
  double sum = 0;
  for (std::size_t l = 0; l < grads[0].size(); ++l) {
    const auto g = torch::stack({grads[0][l], grads[1][l]});
    const auto deviation = g.std(at::IntArrayRef{0}, /*unbiased=*/false, /*keepdim=*/false);
    const auto varying = deviation.ne(0);
    const double s =
        (g.abs().mean(0).masked_select(varying) / deviation.masked_select(varying)).sum().item<double>();
    if (s > 0) sum += std::log(s);
  }
  return sum;
}

const Registration<proxy_registry> kGradNorm{
    "grad_norm", "sum over layers of the norm of the loss gradient", grad_norm};
const Registration<proxy_registry> kSnip{"snip", "sum of |weight x loss gradient|", snip};
const Registration<proxy_registry> kFisher{
    "fisher", "Fisher information of the layers' output channels", fisher};
const Registration<proxy_registry> kSynflow{
    "synflow", "synaptic flow of the linearised network, |weight x gradient| summed", synflow};
const Registration<proxy_registry> kZico{
    "zico", "sum over layers of log(sum of gradient mean / deviation)", zico};

}  // namespace

}  // namespace nasrun::evaluators::live
