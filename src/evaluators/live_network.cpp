#include <cmath>
#include <stdexcept>
#include <string>

#include "evaluators/live_network_module.hpp"
#include "spaces/nb201.hpp"

namespace nasrun::evaluators::live {

using spaces::Nb201Space;

namespace {

enum Op : std::uint8_t { kNone = 0, kSkip = 1, kConv1x1 = 2, kConv3x3 = 3, kAvgPool = 4 };

void check_ops(const CellOps& ops) {
  if (ops.size() != Nb201Space::kEdges)
    throw std::invalid_argument("an NB201 cell has 6 edges, got " + std::to_string(ops.size()));
  for (auto op : ops)
    if (op >= Nb201Space::kOps)
      throw std::invalid_argument("NB201 operation id " + std::to_string(op) + " out of range");
}

// ReLU - Conv(k x k, stride, padding k/2, no bias) - BatchNorm(affine, running statistics).
torch::nn::Sequential relu_conv_bn(int in, int out, int kernel, int stride) {
  return torch::nn::Sequential(
      torch::nn::ReLU(),
      torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                            .stride(stride)
                            .padding(kernel / 2)
                            .bias(false)),
      torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(out).affine(true).track_running_stats(
          true)));
}

std::int64_t conv_params(std::int64_t in, std::int64_t out, std::int64_t k) {
  return in * out * k * k;
}
std::int64_t bn_params(std::int64_t c) { return 2 * c; }

}  // namespace

void NetworkConfig::validate() const {
  auto check = [](const char* name, int v, int lo, int hi) {
    if (v < lo || v > hi)
      throw std::invalid_argument(std::string("network ") + name + " must be in [" +
                                  std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                                  std::to_string(v));
  };
  check("channels", channels, 1, 4096);
  check("cells", cells, 0, 64);
  check("num_classes", num_classes, 2, 100000);
  check("input_channels", input_channels, 1, 64);
}

std::int64_t count_parameters(const NetworkConfig& config, const CellOps& ops) {
  config.validate();
  check_ops(ops);
  auto cell = [&](std::int64_t c) {
    std::int64_t n = 0;
    for (auto op : ops) {
      if (op == kConv1x1) n += conv_params(c, c, 1) + bn_params(c);
      if (op == kConv3x3) n += conv_params(c, c, 3) + bn_params(c);
    }
    return n;
  };
  auto reduction = [](std::int64_t in, std::int64_t out) {
    return conv_params(in, out, 3) + bn_params(out) + conv_params(out, out, 3) + bn_params(out) +
           conv_params(in, out, 1);
  };
  const std::int64_t c = config.channels;
  std::int64_t n = conv_params(config.input_channels, c, 3) + bn_params(c);
  n += config.cells * cell(c) + reduction(c, 2 * c);
  n += config.cells * cell(2 * c) + reduction(2 * c, 4 * c);
  n += config.cells * cell(4 * c);
  n += bn_params(4 * c) + 4 * c * config.num_classes + config.num_classes;
  return n;
}

std::int64_t count_module_parameters(const NetworkConfig& config, const CellOps& ops) {
  Nb201Network net(config, ops);
  return parameter_count(*net);
}

CellImpl::CellImpl(int channels, const CellOps& ops) : ops_(ops) {
  check_ops(ops);
  convs_.resize(ops.size(), torch::nn::Sequential(nullptr));
  for (std::size_t d = 0; d < ops.size(); ++d) {
    if (ops[d] == kConv1x1 || ops[d] == kConv3x3)
      convs_[d] = register_module("edge" + std::to_string(d),
                                  relu_conv_bn(channels, channels, ops[d] == kConv1x1 ? 1 : 3, 1));
  }
  pool_ = register_module(
      "pool", torch::nn::AvgPool2d(
                  torch::nn::AvgPool2dOptions(3).stride(1).padding(1).count_include_pad(false)));
}

torch::Tensor CellImpl::forward(const torch::Tensor& x) {
  std::array<torch::Tensor, 4> node;
  node[0] = x;
  for (int j = 1; j < 4; ++j) {
    torch::Tensor sum;
    for (std::size_t d = 0; d < ops_.size(); ++d) {
      if (Nb201Space::kEdgeTo[d] != j || ops_[d] == kNone) continue;
      const torch::Tensor& in = node[static_cast<std::size_t>(Nb201Space::kEdgeFrom[d])];
      torch::Tensor y;
      switch (ops_[d]) {
        case kSkip: y = in; break;
        case kAvgPool: y = pool_->forward(in); break;
        default: y = convs_[d]->forward(in); break;
      }
      sum = sum.defined() ? sum + y : y;
    }
    // A node whose every input is `none` is zero (and so are the ops it feeds).
    node[static_cast<std::size_t>(j)] = sum.defined() ? sum : torch::zeros_like(x);
  }
  return node[3];
}

ReductionImpl::ReductionImpl(int in_channels, int out_channels) {
  conv_a_ = register_module("conv_a", relu_conv_bn(in_channels, out_channels, 3, 2));
  conv_b_ = register_module("conv_b", relu_conv_bn(out_channels, out_channels, 3, 1));
  shortcut_ = register_module(
      "shortcut",
      torch::nn::Sequential(
          torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(2).stride(2).padding(0)),
          torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 1).bias(false))));
}

torch::Tensor ReductionImpl::forward(const torch::Tensor& x) {
  return shortcut_->forward(x) + conv_b_->forward(conv_a_->forward(x));
}

Nb201NetworkImpl::Nb201NetworkImpl(const NetworkConfig& config, const CellOps& ops) {
  config.validate();
  check_ops(ops);
  const int c = config.channels;
  stem_ = register_module(
      "stem", torch::nn::Sequential(
                  torch::nn::Conv2d(
                      torch::nn::Conv2dOptions(config.input_channels, c, 3).padding(1).bias(false)),
                  torch::nn::BatchNorm2d(c)));
  body_ = torch::nn::Sequential();
  int channels = c;
  for (int stage = 0; stage < 3; ++stage) {
    if (stage > 0) {
      body_->push_back(Reduction(channels, 2 * channels));
      channels *= 2;
    }
    for (int i = 0; i < config.cells; ++i) body_->push_back(Cell(channels, ops));
  }
  body_ = register_module("body", body_);
  last_act_ = register_module(
      "last_act", torch::nn::Sequential(torch::nn::BatchNorm2d(channels), torch::nn::ReLU()));
  classifier_ = register_module("classifier", torch::nn::Linear(channels, config.num_classes));
}

torch::Tensor Nb201NetworkImpl::forward(const torch::Tensor& x) {
  auto y = last_act_->forward(body_->forward(stem_->forward(x)));
  y = torch::adaptive_avg_pool2d(y, {1, 1}).flatten(1);
  return classifier_->forward(y);
}

void initialise_parameters(torch::nn::Module& module, at::Generator& generator) {
  torch::NoGradGuard no_grad;
  auto uniform = [&](torch::Tensor& t, double fan_in) {
    const double bound = 1.0 / std::sqrt(fan_in);
    t.uniform_(-bound, bound, generator);
  };
  for (const auto& m : module.modules(/*include_self=*/true)) {
    if (auto* conv = m->as<torch::nn::Conv2d>()) {
      const double fan_in = static_cast<double>(conv->weight[0].numel());
      uniform(conv->weight, fan_in);
      if (conv->bias.defined()) uniform(conv->bias, fan_in);
    } else if (auto* linear = m->as<torch::nn::Linear>()) {
      const double fan_in = static_cast<double>(linear->weight.size(1));
      uniform(linear->weight, fan_in);
      if (linear->bias.defined()) uniform(linear->bias, fan_in);
    } else if (auto* bn = m->as<torch::nn::BatchNorm2d>()) {
      bn->reset_parameters();  // weight 1, bias 0, running mean 0, running variance 1
    }
  }
}

std::int64_t parameter_count(const torch::nn::Module& module) {
  std::int64_t n = 0;
  for (const auto& p : module.parameters())
    if (p.requires_grad()) n += p.numel();
  return n;
}

namespace {

const Registration<network_builder_registry> kRegistration{
    "nb201", "NAS-Bench-201's network: the cell repeated in three stages (live_network.hpp)",
    [](const NetworkConfig& config, const Choices& ops) -> std::shared_ptr<NetworkModule> {
      return Nb201Network(config, ops).ptr();
    }};

}  // namespace

}  // namespace nasrun::evaluators::live
