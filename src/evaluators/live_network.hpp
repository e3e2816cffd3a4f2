// The NAS-Bench-201 training network, described without LibTorch types so that callers (tests,
// the live source's header) need not include LibTorch. The module itself is in
// live_network_module.hpp.
//
// Macro structure (as NAS-Bench-201's "TinyNetwork"): stem conv 3x3 (no bias) + BN; three stages
// of N cells at C, 2C, 4C channels, joined by residual reduction blocks (ReLU-conv3x3/2-BN,
// ReLU-conv3x3-BN, shortcut AvgPool2d(2,2) + conv 1x1 without bias); then BN + ReLU, global
// average pooling and a linear classifier. In a cell, node j sums its incoming edges; none adds
// nothing, skip_connect is the identity, nor_conv_kxk is ReLU-conv kxk (no bias, padding k/2)-BN
// (affine, running statistics), avg_pool_3x3 is AvgPool(3, stride 1, padding 1, padding not
// counted). With C=16, N=5, 3 input channels and 10 classes, architecture 0 has 129,306 parameters,
// as NAS-Bench-201 records.
#pragma once

#include <cstdint>
#include <vector>

#include "spaces/search_space.hpp"

namespace nasrun::evaluators::live {

struct NetworkConfig {
  int channels = 16;        // C
  int cells = 5;            // N, cells per stage
  int num_classes = 10;
  int input_channels = 3;   // 1 for Fashion-MNIST, 3 for CIFAR

  // Throws std::invalid_argument naming the field when a value is out of range.
  void validate() const;
};

// `ops` holds the six edge operations in NB201 order (edge d feeds node kEdgeTo[d] from
// kEdgeFrom[d]; op ids index Nb201Space::kOpNames).
using CellOps = spaces::Choices;

// Trainable parameters, by a formula that mirrors the module's structure (no LibTorch work).
std::int64_t count_parameters(const NetworkConfig& config, const CellOps& ops);
// Trainable parameters of the real LibTorch module (builds it: a few milliseconds).
std::int64_t count_module_parameters(const NetworkConfig& config, const CellOps& ops);

}  // namespace nasrun::evaluators::live
