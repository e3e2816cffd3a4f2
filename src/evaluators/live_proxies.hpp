// Zero-cost proxies of live networks (docs/evaluators.md defines each, with its paper): numbers
// computed from an architecture's network at initialisation and one minibatch, without
// training. The header is free of LibTorch types; the proxies themselves are functions
// registered by name in live_proxies_module.hpp.
#pragma once

#include <cstdint>
#include <vector>

#include "evaluators/learning_curve.hpp"
#include "evaluators/live_data.hpp"
#include "evaluators/live_network.hpp"
#include "evaluators/live_network_builder.hpp"

namespace nasrun::evaluators::live {

// The proxies `proxies` of the network of `choices`, initialised as a training with `seed`
// initialises it (live_trainer.hpp), on the minibatch proxy_minibatch(data, batch, seed), each
// on its own copy of that network, with the seconds each took (its computation, not building
// the network). They run on the CPU with one LibTorch thread, so that a seed gives the same
// values, bit for bit, whatever the threads of the trainings around them. Throws
// std::invalid_argument when `batch` is not in 2..the training images, or a proxy has no
// registered function.
ProxyValues compute_proxies(const NetworkBuilder& builder, const NetworkConfig& network,
                            const Choices& choices, const DataSplits& data, int batch,
                            std::uint64_t seed, const std::vector<bench::Proxy>& proxies);

}  // namespace nasrun::evaluators::live
