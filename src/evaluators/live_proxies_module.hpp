// The zero-cost proxies as LibTorch functions, registered by their names (bench::proxy_name),
// and the minibatch they see. Include only from live*.cpp files (LibTorch).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "common/registry.hpp"
#include "evaluators/live_data.hpp"
#include "evaluators/live_network_module.hpp"

namespace nasrun::evaluators::live {

// What a proxy computes on: a network at initialisation, which the proxy may change (each
// proxy gets its own), one minibatch of normalised images [B, C, S, S] with their labels [B],
// and a seed for what a proxy draws itself (Zen-score's Gaussian weights and inputs).
struct ProxyInput {
  NetworkModule& network;
  torch::Tensor images, labels;
  std::uint64_t seed;
};

// A proxy's value; higher is better.
using ProxyFunction = std::function<double(const ProxyInput&)>;

inline Registry<ProxyFunction>& proxy_registry() {
  return Registry<ProxyFunction>::instance("proxy");
}

// The weights of the network's convolutions and linear layers, in module order: the layers
// whose saliencies the gradient proxies sum.
std::vector<torch::Tensor> layer_weights(torch::nn::Module& network);

// Cross-entropy of the network's logits on (images, labels) in training mode (batch
// normalisation with the batch's statistics), back-propagated into the parameters' gradients,
// which start from zero.
void backpropagate_loss(NetworkModule& network, const torch::Tensor& images,
                        const torch::Tensor& labels);

// `size` images of the training split, drawn by `seed` (the first `size` of a seeded shuffle of
// the split, as the trainer's permutations are drawn), normalised as the trainer normalises
// them and not augmented, with their labels. Throws std::invalid_argument unless 2 <= size <=
// the training images.
std::pair<torch::Tensor, torch::Tensor> proxy_minibatch(const DataSplits& data, std::size_t size,
                                                        std::uint64_t seed);

}  // namespace nasrun::evaluators::live
