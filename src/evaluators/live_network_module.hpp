// The networks the live source trains, as LibTorch modules: what every space's network is, and
// NAS-Bench-201's (see live_network.hpp for its structure). Include only from live*.cpp files:
// LibTorch headers are slow to compile.
#pragma once

#include <torch/torch.h>

#include "evaluators/live_network.hpp"
#include "evaluators/live_network_builder.hpp"

namespace nasrun::evaluators::live {

// A network of some space, as its builder makes it: images [batch, input_channels, S, S] to
// logits [batch, num_classes]. The trainer sees only this. Its forward pass applies its layers
// through the probed_* functions below, so that the zero-cost proxies (live_proxies.hpp) can
// look inside it: LibTorch's C++ modules have no forward hooks.
class NetworkModule : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
};

// What a proxy observes of the forward passes of the calling thread while it is set
// (ProbeScope). Every member defaults to observing nothing and changing nothing.
class ForwardProbe {
 public:
  virtual ~ForwardProbe() = default;
  // The output of a convolution or linear layer with this weight; what it returns replaces the
  // output (a proxy that needs the output's gradient returns it with retain_grad()).
  virtual torch::Tensor layer_output(const torch::Tensor& weight, const torch::Tensor& output) {
    (void)weight;
    return output;
  }
  // The input of a ReLU.
  virtual void relu_input(const torch::Tensor& input) { (void)input; }
  // The input of a batch normalisation, and whether to skip it (apply the identity).
  virtual void batch_norm_input(const torch::Tensor& input) { (void)input; }
  virtual bool skips_batch_norm() const { return false; }
  // The feature map before the classifier (that global pooling reduces).
  virtual void features(const torch::Tensor& map) { (void)map; }
};

// Sets the calling thread's probe for its lifetime (the previous one after it).
class ProbeScope {
 public:
  explicit ProbeScope(ForwardProbe& probe);
  ~ProbeScope();
  ProbeScope(const ProbeScope&) = delete;
  ProbeScope& operator=(const ProbeScope&) = delete;

 private:
  ForwardProbe* previous_;
};

// The layers as a network applies them: exactly the module's forward() when no probe is set.
torch::Tensor probed_conv(torch::nn::Conv2d& conv, const torch::Tensor& x);
torch::Tensor probed_linear(torch::nn::Linear& linear, const torch::Tensor& x);
torch::Tensor probed_relu(const torch::Tensor& x);
torch::Tensor probed_batch_norm(torch::nn::BatchNorm2d& bn, const torch::Tensor& x);
// Tells the probe that `map` is the network's feature map before its classifier.
void probed_features(const torch::Tensor& map);
// probed_features(map), then global average pooling of [batch, C, H, W] to [batch, C].
torch::Tensor probed_global_pool(const torch::Tensor& map);

// ReLU, convolution k x k (no bias, padding k/2), batch normalisation (affine, running
// statistics): NAS-Bench-201's ReLUConvBN.
class ReluConvBnImpl : public torch::nn::Module {
 public:
  ReluConvBnImpl(int in, int out, int kernel, int stride);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
};
TORCH_MODULE(ReluConvBn);

// One cell: the six edges of the NB201 DAG on a fixed channel count.
class CellImpl : public torch::nn::Module {
 public:
  CellImpl(int channels, const CellOps& ops);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  CellOps ops_;
  // Parametrised edges (the convolutions), by edge; empty holders elsewhere.
  std::vector<ReluConvBn> convs_;
  torch::nn::AvgPool2d pool_{nullptr};
};
TORCH_MODULE(Cell);

// The residual reduction block between stages (NB201's ResNetBasicblock with stride 2).
class ReductionImpl : public torch::nn::Module {
 public:
  ReductionImpl(int in_channels, int out_channels);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  ReluConvBn conv_a_{nullptr}, conv_b_{nullptr};
  torch::nn::AvgPool2d shortcut_pool_{nullptr};
  torch::nn::Conv2d shortcut_conv_{nullptr};
};
TORCH_MODULE(Reduction);

class Nb201NetworkImpl : public NetworkModule {
 public:
  Nb201NetworkImpl(const NetworkConfig& config, const CellOps& ops);
  // Logits, [batch, num_classes]. Input: [batch, input_channels, S, S], S divisible by 4.
  torch::Tensor forward(const torch::Tensor& x) override;

 private:
  torch::nn::Conv2d stem_conv_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr}, last_bn_{nullptr};
  torch::nn::Sequential body_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};
TORCH_MODULE(Nb201Network);

// Re-initialises every parameter with PyTorch's default rules (conv and linear weights and
// biases uniform in +-1/sqrt(fan_in), BN weight 1 and bias 0, running statistics reset), drawing
// from `generator` only, so that concurrent trainings never touch LibTorch's global generator.
void initialise_parameters(torch::nn::Module& module, at::Generator& generator);

// The network of `choices` as a training with `seed` initialises it: made by `builder`, its
// parameters drawn by initialise_parameters from a generator seeded with mix_seed(seed, 1).
std::shared_ptr<NetworkModule> initialised_network(const NetworkBuilder& builder,
                                                   const NetworkConfig& config,
                                                   const Choices& choices, std::uint64_t seed);

// Number of trainable parameter elements.
std::int64_t parameter_count(const torch::nn::Module& module);

}  // namespace nasrun::evaluators::live
