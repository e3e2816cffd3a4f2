#include <ATen/CPUGeneratorImpl.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "common/random.hpp"
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

std::int64_t conv_params(std::int64_t in, std::int64_t out, std::int64_t k) {
  return in * out * k * k;
}
std::int64_t bn_params(std::int64_t c) { return 2 * c; }

thread_local ForwardProbe* current_probe = nullptr;

}  // namespace

ProbeScope::ProbeScope(ForwardProbe& probe) : previous_(current_probe) { current_probe = &probe; }
ProbeScope::~ProbeScope() { current_probe = previous_; }

torch::Tensor probed_conv(torch::nn::Conv2d& conv, const torch::Tensor& x) {
  auto y = conv->forward(x);
  return current_probe ? current_probe->layer_output(conv->weight, y) : y;
}

torch::Tensor probed_linear(torch::nn::Linear& linear, const torch::Tensor& x) {
  auto y = linear->forward(x);
  return current_probe ? current_probe->layer_output(linear->weight, y) : y;
}

torch::Tensor probed_relu(const torch::Tensor& x) {
  if (current_probe) current_probe->relu_input(x);
  return torch::relu(x);
}

torch::Tensor probed_batch_norm(torch::nn::BatchNorm2d& bn, const torch::Tensor& x) {
  if (!current_probe) return bn->forward(x);
  current_probe->batch_norm_input(x);
  return current_probe->skips_batch_norm() ? x : bn->forward(x);
}

void probed_features(const torch::Tensor& map) {
  if (current_probe) current_probe->features(map);
}

torch::Tensor probed_global_pool(const torch::Tensor& map) {
  probed_features(map);
  return torch::adaptive_avg_pool2d(map, {1, 1}).flatten(1);
}

ReluConvBnImpl::ReluConvBnImpl(int in, int out, int kernel, int stride)
    : conv_(register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                                                          .stride(stride)
                                                          .padding(kernel / 2)
                                                          .bias(false)))),
      bn_(register_module("bn", torch::nn::BatchNorm2d(torch::nn::BatchNorm2dOptions(out)
                                                            .affine(true)
                                                            .track_running_stats(true)))) {}

torch::Tensor ReluConvBnImpl::forward(const torch::Tensor& x) {
  return probed_batch_norm(bn_, probed_conv(conv_, probed_relu(x)));
}

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
  convs_.resize(ops.size(), ReluConvBn(nullptr));
  for (std::size_t d = 0; d < ops.size(); ++d) {
    if (ops[d] == kConv1x1 || ops[d] == kConv3x3)
      convs_[d] = register_module("edge" + std::to_string(d),
                                  ReluConvBn(channels, channels, ops[d] == kConv1x1 ? 1 : 3, 1));
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
  conv_a_ = register_module("conv_a", ReluConvBn(in_channels, out_channels, 3, 2));
  conv_b_ = register_module("conv_b", ReluConvBn(out_channels, out_channels, 3, 1));
  shortcut_pool_ = register_module(
      "shortcut_pool", torch::nn::AvgPool2d(torch::nn::AvgPool2dOptions(2).stride(2).padding(0)));
  shortcut_conv_ = register_module(
      "shortcut_conv",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 1).bias(false)));
}

torch::Tensor ReductionImpl::forward(const torch::Tensor& x) {
  return probed_conv(shortcut_conv_, shortcut_pool_->forward(x)) +
         conv_b_->forward(conv_a_->forward(x));
}

Nb201NetworkImpl::Nb201NetworkImpl(const NetworkConfig& config, const CellOps& ops) {
  config.validate();
  check_ops(ops);
  const int c = config.channels;
  stem_conv_ = register_module(
      "stem_conv",
      torch::nn::Conv2d(torch::nn::Conv2dOptions(config.input_channels, c, 3).padding(1).bias(false)));
  stem_bn_ = register_module("stem_bn", torch::nn::BatchNorm2d(c));
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
  last_bn_ = register_module("last_bn", torch::nn::BatchNorm2d(channels));
  classifier_ = register_module("classifier", torch::nn::Linear(channels, config.num_classes));
}

torch::Tensor Nb201NetworkImpl::forward(const torch::Tensor& x) {
  const auto stem = probed_batch_norm(stem_bn_, probed_conv(stem_conv_, x));
  const auto map = probed_relu(probed_batch_norm(last_bn_, body_->forward(stem)));
  return probed_linear(classifier_, probed_global_pool(map));
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

std::shared_ptr<NetworkModule> initialised_network(const NetworkBuilder& builder,
                                                   const NetworkConfig& config,
                                                   const Choices& choices, std::uint64_t seed) {
  // A private generator: concurrent trainings never touch LibTorch's global one.
  auto generator = at::make_generator<at::CPUGeneratorImpl>(common::mix_seed(seed, 1));
  auto net = builder(config, choices);
  initialise_parameters(*net, generator);
  return net;
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
