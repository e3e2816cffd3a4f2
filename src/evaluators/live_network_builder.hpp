// Network builders by search space: how the live source turns an architecture of a space into
// a network it can train. A space that can be trained live registers its builder under the
// space's name from the file that builds its network (NAS-Bench-201's: live_network.cpp), with
// one `const NetworkBuilderRegistration kRegistration{"space", "description", builder};`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/registry.hpp"
#include "evaluators/live_network.hpp"

namespace nasrun::evaluators::live {

class NetworkModule;  // live_network_module.hpp (LibTorch)

// An architecture as its choices, one per dimension (SearchSpace::decode).
using Choices = std::vector<std::uint8_t>;

// The untrained module of the architecture with these choices; throws std::invalid_argument
// when the choices or the settings do not fit the space's network.
using NetworkBuilder =
    std::function<std::shared_ptr<NetworkModule>(const NetworkConfig&, const Choices&)>;

inline Registry<NetworkBuilder>& network_builder_registry() {
  return Registry<NetworkBuilder>::instance("network builder");
}

struct NetworkBuilderRegistration {
  NetworkBuilderRegistration(const std::string& space, std::string description,
                             NetworkBuilder builder) {
    network_builder_registry().add(space, std::move(description), std::move(builder));
  }
};

// The builder of `space`; throws std::invalid_argument naming the space and the spaces that
// have one.
inline const NetworkBuilder& network_builder(const std::string& space) {
  const auto& registry = network_builder_registry();
  if (!registry.contains(space)) {
    std::string known;
    for (const auto& [name, description] : registry.list())
      known += (known.empty() ? "" : ", ") + name;
    throw std::invalid_argument("the live source has no network for the search space '" + space +
                                "' (spaces with a network builder: " + known + ")");
  }
  return registry.at(space).factory;
}

}  // namespace nasrun::evaluators::live
