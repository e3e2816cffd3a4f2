#include "spaces/nats_sss.hpp"

#include <algorithm>

#include "spaces/search_space_registry.hpp"

namespace nasrun::spaces {

namespace {

const Registration<search_space_registry> kRegistration{
    "nats-sss", "NATS-Bench size space: 5 layers x 8 channel counts (8..64), 32,768 architectures",
    [] { return std::make_shared<NatsSssSpace>(); }};

constexpr const char* kForm =
    "five channel counts joined by ':', each one of 8, 16, 24, 32, 40, 48, 56, 64, e.g. "
    "8:8:8:16:32";

// The dimension of layer `layer` (1-based, in the order of the string).
std::size_t dimension_of_layer(std::size_t layer) { return NatsSssSpace::kLayers - layer; }

}  // namespace

std::string NatsSssSpace::dimension_name(std::size_t dim) const {
  return "layer " + std::to_string(kLayers - dim);
}

std::string NatsSssSpace::choice_name(std::size_t, std::size_t choice) const {
  return std::to_string(kChannels.at(choice));
}

std::string NatsSssSpace::to_string(ArchCode code) const {
  const auto choices = decode(code);
  std::string s;
  for (std::size_t layer = 1; layer <= kLayers; ++layer) {
    if (layer > 1) s += ':';
    s += std::to_string(kChannels[choices[dimension_of_layer(layer)]]);
  }
  return s;
}

ArchCode NatsSssSpace::parse(std::string_view text) const {
  auto fail = [&](const std::string& problem) {
    return ArchParseError("invalid NATS-Bench size-space architecture string '" +
                          std::string(text.substr(0, 60)) + "': " + problem + " (expected " +
                          kForm + ")");
  };
  std::vector<std::string_view> fields;
  for (std::size_t pos = 0;;) {
    const auto colon = text.find(':', pos);
    fields.push_back(text.substr(pos, colon == std::string_view::npos ? colon : colon - pos));
    if (colon == std::string_view::npos) break;
    pos = colon + 1;
  }
  if (fields.size() != kLayers)
    throw fail("it has " + std::to_string(fields.size()) +
               (fields.size() == 1 ? " field" : " fields"));
  Choices choices(kLayers);
  for (std::size_t layer = 1; layer <= kLayers; ++layer) {
    const auto field = fields[layer - 1];
    const auto it = std::find_if(kChannels.begin(), kChannels.end(),
                                 [&](int c) { return field == std::to_string(c); });
    if (it == kChannels.end())
      throw fail("layer " + std::to_string(layer) + " is '" + std::string(field.substr(0, 12)) + "'");
    choices[dimension_of_layer(layer)] = static_cast<std::uint32_t>(it - kChannels.begin());
  }
  return encode(choices);
}

std::vector<std::string> NatsSssSpace::feature_names() const {
  std::vector<std::string> names;
  for (std::size_t layer = 1; layer <= kLayers; ++layer)
    names.push_back("channels:layer " + std::to_string(layer));
  return names;
}

std::vector<double> NatsSssSpace::features(ArchCode code) const {
  const auto choices = decode(code);
  std::vector<double> out;
  for (std::size_t layer = 1; layer <= kLayers; ++layer)
    out.push_back(kChannels[choices[dimension_of_layer(layer)]]);
  return out;
}

std::string NatsSssSpace::shape_error(const SearchSpace& space) {
  const NatsSssSpace reference;
  std::string differs;
  if (space.num_dimensions() != kLayers)
    differs = "has " + std::to_string(space.num_dimensions()) + " dimensions";
  for (std::size_t d = 0; d < kLayers && differs.empty(); ++d) {
    const auto layer = reference.dimension_name(d);
    if (space.dimension_name(d) != layer)
      differs = "has dimension " + std::to_string(d) + " '" + space.dimension_name(d) + "'";
    else if (space.num_choices(d) != kChannels.size())
      differs = "offers " + std::to_string(space.num_choices(d)) + " choices on " + layer;
    for (std::size_t c = 0; c < kChannels.size() && differs.empty(); ++c)
      if (space.choice_name(d, c) != reference.choice_name(d, c))
        differs = "has choice " + std::to_string(c) + " '" + space.choice_name(d, c) + "' on " + layer;
  }
  if (differs.empty()) return {};
  return "space '" + space.name() + "' " + differs +
         ", not NATS-Bench's size-space shape (dimensions layer 5 .. layer 1, each one of the "
         "channel counts 8, 16, 24, 32, 40, 48, 56, 64)";
}

}  // namespace nasrun::spaces
