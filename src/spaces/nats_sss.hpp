// NATS-Bench's size search space: one fixed cell topology, five layers whose channel counts are
// searched, each one of 8, 16, ..., 64 (8^5 = 32,768 architectures). An architecture prints as
// NATS-Bench writes it, the five counts in layer order joined by ':' ("8:8:8:16:32").
//
// NATS-Bench numbers its architectures with the last layer varying fastest ("8:8:8:8:8" is 0,
// "8:8:8:8:16" is 1, "8:8:8:16:8" is 8). Dimension d of this space is layer 5 - d, so that a
// code, whose dimension 0 is the least significant digit, is NATS-Bench's index.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "spaces/search_space.hpp"

namespace nasrun::spaces {

class NatsSssSpace : public SearchSpace {
 public:
  static constexpr std::size_t kLayers = 5;
  static constexpr std::array<int, 8> kChannels = {8, 16, 24, 32, 40, 48, 56, 64};

  std::string name() const override { return "nats-sss"; }
  std::size_t num_dimensions() const override { return kLayers; }
  std::size_t num_choices(std::size_t) const override { return kChannels.size(); }
  // "layer 5" for dimension 0 .. "layer 1" for dimension 4.
  std::string dimension_name(std::size_t dim) const override;
  std::string choice_name(std::size_t dim, std::size_t choice) const override;
  std::string to_string(ArchCode code) const override;
  ArchCode parse(std::string_view text) const override;
  // The channel count of each layer, layer 1 first: a model sees how wide the network is where,
  // which counting the choice names over the layers would lose.
  std::vector<std::string> feature_names() const override;
  std::vector<double> features(ArchCode code) const override;

  // Empty when `space` has this space's shape (its layers, in this order, each offering the
  // channel counts in this order), so that NATS-Bench's size-space strings and indices mean the
  // same in it; else what differs, naming the space. For the importer of NATS-Bench's files.
  static std::string shape_error(const SearchSpace& space);
};

}  // namespace nasrun::spaces
