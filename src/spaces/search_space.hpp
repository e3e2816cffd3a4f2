// What an architecture is: a point in a product of categorical dimensions.
//
// Every space in nas-run is a fixed number of categorical dimensions (for NAS-Bench-201 the six
// cell edges, each one of five operations). An architecture is its compact code: the mixed-radix
// number of its choices, dimension 0 being the least significant digit. Strategies work on codes
// and choices only; the space says how a code prints, parses and which codes are isomorphic.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/random.hpp"

namespace nasrun::spaces {

using ArchCode = std::uint64_t;

// The one random generator type used across nas-run: results depend on the seed only, never on
// the standard library, because every draw goes through the helpers in random.hpp.
using common::Rng;

class ArchParseError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class SearchSpace {
 public:
  virtual ~SearchSpace() = default;

  virtual std::string name() const = 0;
  virtual std::size_t num_dimensions() const = 0;
  virtual std::size_t num_choices(std::size_t dim) const = 0;
  virtual std::string dimension_name(std::size_t dim) const = 0;
  virtual std::string choice_name(std::size_t dim, std::size_t choice) const = 0;

  virtual std::string to_string(ArchCode code) const = 0;
  // Throws ArchParseError saying where the text went wrong and what was expected.
  virtual ArchCode parse(std::string_view text) const = 0;

  // Isomorphism: architectures that compute the same function share a class. The class id is
  // the smallest code in the class, so it is also the class's representative.
  virtual ArchCode class_of(ArchCode code) const { return code; }
  // One representative per class, ascending.
  virtual std::vector<ArchCode> class_representatives() const;

  // Derived from the dimensions, the same for every space.
  std::uint64_t size() const;
  std::vector<std::uint8_t> decode(ArchCode code) const;
  ArchCode encode(const std::vector<std::uint8_t>& choices) const;
  ArchCode sample(Rng& rng) const;
  // Changes exactly one dimension to a different choice.
  ArchCode mutate(ArchCode code, Rng& rng) const;
  // All codes that differ from `code` in exactly one dimension.
  std::vector<ArchCode> neighbours(ArchCode code) const;
  // Throws std::out_of_range when `code` is not in the space.
  void check(ArchCode code) const;
};

using SearchSpacePtr = std::shared_ptr<const SearchSpace>;

// Spaces by name ("nb201"); an unknown name lists the known ones.
SearchSpacePtr make_search_space(const std::string& name);
std::vector<std::string> search_space_names();

}  // namespace nasrun::spaces
