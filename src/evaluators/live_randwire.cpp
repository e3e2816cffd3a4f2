// RandWire's network (Xie et al., ICCV 2019, Sec. 3.3), registered as the live builder of the
// space "randwire" (spaces/randwire.hpp):
//   stem: conv 3x3 (no bias, input channels -> C) + BN, at the input's resolution;
//   three stages at C, 2C, 4C channels, each wired by its stage's DAG and each halving the
//     resolution: an input node (no predecessor) transforms the stage's input with stride 2, any
//     other node the sigmoid-weighted sum of its predecessors' outputs (one learnable weight per
//     input edge, initialised to 0, so each input counts 0.5 at first; a node with a single
//     input has none, as BN after its convolution would cancel the scale); the transformation is
//     ReLU - separable conv 3x3 (depthwise 3x3 then pointwise 1x1, no biases) - BN; the stage's
//     output is the unweighted mean of its output nodes (no successor);
//   head: ReLU, global average pooling, linear classifier.
// The paper's head (a 1x1 conv to 1280 channels before pooling) and its two strided stem convs
// are for 224x224 ImageNet images; here the stem keeps the resolution of the small images the
// live source trains on (16x16 Fashion-MNIST: 16 -> 8 -> 4 -> 2). NetworkConfig::cells is not
// used: the nodes per stage are the space's (RandWireSpace::kNodes).
#include <stdexcept>
#include <string>

#include "evaluators/live_network_module.hpp"
#include "spaces/randwire.hpp"

namespace nasrun::evaluators::live {

namespace {

using spaces::RandWireSpace;
using spaces::randwire::Dag;

// ReLU - depthwise conv 3x3 (stride) - pointwise conv 1x1 - BN, applied through the probed_*
// functions (live_network_module.hpp) so that the zero-cost proxies see its layers.
class SeparableConvImpl : public torch::nn::Module {
 public:
  SeparableConvImpl(int in, int out, int stride)
      : depthwise_(register_module(
            "depthwise", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, in, 3)
                                               .stride(stride)
                                               .padding(1)
                                               .groups(in)
                                               .bias(false)))),
        pointwise_(register_module(
            "pointwise", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1).bias(false)))),
        bn_(register_module("bn", torch::nn::BatchNorm2d(out))) {}

  torch::Tensor forward(const torch::Tensor& x) {
    return probed_batch_norm(bn_,
                             probed_conv(pointwise_, probed_conv(depthwise_, probed_relu(x))));
  }

 private:
  torch::nn::Conv2d depthwise_, pointwise_;
  torch::nn::BatchNorm2d bn_;
};
TORCH_MODULE(SeparableConv);

class RandWireStageImpl : public torch::nn::Module {
 public:
  RandWireStageImpl(Dag dag, int in_channels, int out_channels)
      : dag_(std::move(dag)), outputs_(dag_.output_nodes()) {
    for (std::size_t j = 0; j < dag_.nodes(); ++j) {
      const auto& preds = dag_.predecessors[j];
      const bool input = preds.empty();
      nodes_.push_back(register_module(
          "node" + std::to_string(j),
          SeparableConv(input ? in_channels : out_channels, out_channels, input ? 2 : 1)));
      weights_.push_back(preds.size() < 2 ? torch::Tensor()
                                          : register_parameter("weights" + std::to_string(j),
                                                               torch::zeros({static_cast<long>(
                                                                   preds.size())})));
    }
  }

  torch::Tensor forward(const torch::Tensor& x) {
    std::vector<torch::Tensor> out(dag_.nodes());
    for (std::size_t j = 0; j < dag_.nodes(); ++j) {
      const auto& preds = dag_.predecessors[j];
      torch::Tensor in;
      if (preds.empty()) {
        in = x;
      } else if (preds.size() == 1) {
        in = out[preds[0]];
      } else {
        const auto w = torch::sigmoid(weights_[j]);
        for (std::size_t i = 0; i < preds.size(); ++i) {
          const auto term = w[static_cast<long>(i)] * out[preds[i]];
          in = in.defined() ? in + term : term;
        }
      }
      out[j] = nodes_[j]->forward(in);
    }
    torch::Tensor sum;
    for (auto j : outputs_) sum = sum.defined() ? sum + out[j] : out[j];
    return sum / static_cast<double>(outputs_.size());
  }

 private:
  Dag dag_;
  std::vector<std::size_t> outputs_;
  std::vector<SeparableConv> nodes_;
  std::vector<torch::Tensor> weights_;  // undefined for nodes with fewer than two inputs
};
TORCH_MODULE(RandWireStage);

class RandWireNetwork : public NetworkModule {
 public:
  RandWireNetwork(const NetworkConfig& config, const RandWireSpace::StageDags& dags) {
    config.validate();
    const int c = config.channels;
    stem_conv_ = register_module(
        "stem_conv",
        torch::nn::Conv2d(
            torch::nn::Conv2dOptions(config.input_channels, c, 3).padding(1).bias(false)));
    stem_bn_ = register_module("stem_bn", torch::nn::BatchNorm2d(c));
    stages_ = torch::nn::Sequential();
    int channels = c;
    for (std::size_t s = 0; s < dags.size(); ++s) {
      const int out = s == 0 ? c : 2 * channels;
      stages_->push_back(RandWireStage(dags[s], channels, out));
      channels = out;
    }
    stages_ = register_module("stages", stages_);
    classifier_ = register_module("classifier", torch::nn::Linear(channels, config.num_classes));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    const auto stem = probed_batch_norm(stem_bn_, probed_conv(stem_conv_, x));
    const auto map = probed_relu(stages_->forward(stem));
    return probed_linear(classifier_, probed_global_pool(map));
  }

 private:
  torch::nn::Conv2d stem_conv_{nullptr};
  torch::nn::BatchNorm2d stem_bn_{nullptr};
  torch::nn::Sequential stages_{nullptr};
  torch::nn::Linear classifier_{nullptr};
};

const Registration<network_builder_registry> kRegistration{
    "randwire",
    "RandWire's network: stem, three randomly wired stages of separable convolutions "
    "(live_randwire.cpp)",
    [](const NetworkConfig& config, const Choices& choices) -> std::shared_ptr<NetworkModule> {
      if (choices.size() != 2)
        throw std::invalid_argument("a RandWire architecture has 2 choices (setting, wiring "
                                    "seed), got " + std::to_string(choices.size()));
      return std::make_shared<RandWireNetwork>(config, RandWireSpace::stage_dags(choices));
    }};

}  // namespace

}  // namespace nasrun::evaluators::live
