// The proxies' common ground (the minibatch, the network each proxy gets, the timing) and the
// two proxies that count rather than compute: params and flops.
#include "evaluators/live_proxies.hpp"

#include <chrono>
#include <numeric>

#include "common/random.hpp"
#include "evaluators/live_batches.hpp"
#include "evaluators/live_proxies_module.hpp"

namespace nasrun::evaluators::live {

std::vector<torch::Tensor> layer_weights(torch::nn::Module& network) {
  std::vector<torch::Tensor> weights;
  for (const auto& m : network.modules(/*include_self=*/true)) {
    if (auto* conv = m->as<torch::nn::Conv2d>()) weights.push_back(conv->weight);
    else if (auto* linear = m->as<torch::nn::Linear>()) weights.push_back(linear->weight);
  }
  return weights;
}

void backpropagate_loss(NetworkModule& network, const torch::Tensor& images,
                        const torch::Tensor& labels) {
  network.train();
  network.zero_grad();
  torch::nn::functional::cross_entropy(network.forward(images), labels).backward();
}

std::pair<torch::Tensor, torch::Tensor> proxy_minibatch(const DataSplits& data, std::size_t size,
                                                        std::uint64_t seed) {
  const std::size_t n = data.train.count();
  if (size < 2 || size > n)
    throw std::invalid_argument("the proxies' minibatch (proxy_batch) must hold 2.." +
                                std::to_string(n) + " images (the training split's), got " +
                                std::to_string(size));
  // A partial Fisher-Yates shuffle from the front: the first `size` positions are a uniform
  // draw without replacement.
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  common::Rng rng(common::mix_seed(seed, 4));
  for (std::size_t i = 0; i < size; ++i)
    std::swap(order[i], order[i + common::uniform_below(rng, n - i)]);
  return BatchMaker(data.train, data).make(order, 0, size, nullptr);
}

ProxyValues compute_proxies(const NetworkBuilder& builder, const NetworkConfig& network,
                            const Choices& choices, const DataSplits& data, int batch,
                            std::uint64_t seed, const std::vector<bench::Proxy>& proxies) {
  for (auto p : proxies) proxy_registry().at(bench::proxy_name(p));
  ThreadScope threads(1);
  const auto [images, labels] = proxy_minibatch(data, static_cast<std::size_t>(std::max(batch, 0)), seed);
  ProxyValues values;
  for (auto p : proxies) {
    const auto& proxy = proxy_registry().at(bench::proxy_name(p)).factory;
    const auto net = initialised_network(builder, network, choices, seed);
    const auto start = std::chrono::steady_clock::now();
    const double value = proxy({*net, images, labels, seed});
    const auto i = static_cast<std::size_t>(p);
    values.time_s[i] =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    values.value[i] = value;
  }
  return values;
}

namespace {

// Trainable parameters.
double params(const ProxyInput& in) { return static_cast<double>(parameter_count(in.network)); }

// Multiply-accumulates of the convolutions and linear layers in one image's forward pass: per
// output element, one per weight of the filter that makes it (biases, batch normalisation,
// pooling and additions are not counted).
class MultiplyAccumulates : public ForwardProbe {
 public:
  torch::Tensor layer_output(const torch::Tensor& weight, const torch::Tensor& output) override {
    count += static_cast<double>(output[0].numel()) * static_cast<double>(weight[0].numel());
    return output;
  }
  double count = 0;
};

double flops(const ProxyInput& in) {
  c10::InferenceMode inference;
  in.network.eval();
  MultiplyAccumulates probe;
  const ProbeScope scope(probe);
  in.network.forward(in.images.slice(0, 0, 1));
  return probe.count;
}

const Registration<proxy_registry> kParams{"params", "trainable parameters", params};
const Registration<proxy_registry> kFlops{
    "flops", "multiply-accumulates of convolutions and linear layers for one image", flops};

}  // namespace

}  // namespace nasrun::evaluators::live
