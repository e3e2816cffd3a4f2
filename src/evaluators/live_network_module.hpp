// The networks the live source trains, as LibTorch modules: what every space's network is, and
// NAS-Bench-201's (see live_network.hpp for its structure). Include only from live*.cpp files:
// LibTorch headers are slow to compile.
#pragma once

#include <torch/torch.h>

#include "evaluators/live_network.hpp"
#include "evaluators/live_network_builder.hpp"

namespace nasrun::evaluators::live {

// A network of some space, as its builder makes it: images [batch, input_channels, S, S] to
// logits [batch, num_classes]. The trainer sees only this.
class NetworkModule : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
};

// One cell: the six edges of the NB201 DAG on a fixed channel count.
class CellImpl : public torch::nn::Module {
 public:
  CellImpl(int channels, const CellOps& ops);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  CellOps ops_;
  // Parametrised edges (the convolutions), by edge; empty holders elsewhere.
  std::vector<torch::nn::Sequential> convs_;
  torch::nn::AvgPool2d pool_{nullptr};
};
TORCH_MODULE(Cell);

// The residual reduction block between stages (NB201's ResNetBasicblock with stride 2).
class ReductionImpl : public torch::nn::Module {
 public:
  ReductionImpl(int in_channels, int out_channels);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Sequential conv_a_{nullptr}, conv_b_{nullptr}, shortcut_{nullptr};
};
TORCH_MODULE(Reduction);

class Nb201NetworkImpl : public NetworkModule {
 public:
  Nb201NetworkImpl(const NetworkConfig& config, const CellOps& ops);
  // Logits, [batch, num_classes]. Input: [batch, input_channels, S, S], S divisible by 4.
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  torch::nn::Sequential stem_{nullptr}, body_{nullptr}, last_act_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};
TORCH_MODULE(Nb201Network);

// Re-initialises every parameter with PyTorch's default rules (conv and linear weights and
// biases uniform in +-1/sqrt(fan_in), BN weight 1 and bias 0, running statistics reset), drawing
// from `generator` only, so that concurrent trainings never touch LibTorch's global generator.
void initialise_parameters(torch::nn::Module& module, at::Generator& generator);

// Number of trainable parameter elements.
std::int64_t parameter_count(const torch::nn::Module& module);

}  // namespace nasrun::evaluators::live
