// What an architecture is: a point in a product of categorical dimensions.
//
// Every space in nas-run is a fixed number of categorical dimensions (for NAS-Bench-201 the six
// cell edges, each one of five operations). An architecture is its compact code: the mixed-radix
// number of its choices, dimension 0 being the least significant digit. Strategies work on codes
// and choices only; the space says how a code prints, parses, which codes are isomorphic and
// which numbers describe an architecture to a model (features).
//
// A space may be far too large to list (10^12 architectures, say): sampling, mutation and
// neighbours need nothing proportional to its size. Code that needs every architecture (a full
// table, the isomorphism classes, a median over the space) calls require_listable() first.
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
// The choice of each dimension, dimension 0 first. 32 bits, as a dimension may offer more than
// 256 choices.
using Choices = std::vector<std::uint32_t>;

// The one random generator type used across nas-run: results depend on the seed only, never on
// the standard library, because every draw goes through the helpers in random.hpp.
using common::Rng;

class ArchParseError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Thrown by code that needs every architecture of a space that holds too many to list.
class SpaceTooLargeError : public std::length_error {
 public:
  using std::length_error::length_error;
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
  // One representative per class, ascending. Lists the space (require_listable).
  virtual std::vector<ArchCode> class_representatives() const;

  // Numbers that describe an architecture to a model-based estimator (LcSVR), the same count
  // for every architecture of the space, named by feature_names(). By default, for each choice
  // name in order of first appearance over the dimensions, how many dimensions choose it.
  virtual std::vector<std::string> feature_names() const;
  virtual std::vector<double> features(ArchCode code) const;

  // Derived from the dimensions, the same for every space.
  // Throws std::overflow_error when the space holds 2^64 architectures or more (codes are 64
  // bits), and std::logic_error for a dimension with no choice or more than 2^32.
  std::uint64_t size() const;
  Choices decode(ArchCode code) const;
  ArchCode encode(const Choices& choices) const;
  ArchCode sample(Rng& rng) const;
  // Changes exactly one dimension to a different choice.
  ArchCode mutate(ArchCode code, Rng& rng) const;
  // All codes that differ from `code` in exactly one dimension.
  std::vector<ArchCode> neighbours(ArchCode code) const;
  // Throws std::out_of_range when `code` is not in the space.
  void check(ArchCode code) const;

  // The most architectures a space may hold for code that lists every one of them: a list of
  // 2^24 codes takes 128 MiB.
  static constexpr std::uint64_t kMaxListable = std::uint64_t{1} << 24;
  // Throws SpaceTooLargeError naming the space, its size and `purpose` (what needs every
  // architecture) when size() > kMaxListable.
  void require_listable(const std::string& purpose) const;
};

using SearchSpacePtr = std::shared_ptr<const SearchSpace>;

// Spaces by name ("nb201"); an unknown name lists the known ones.
SearchSpacePtr make_search_space(const std::string& name);
std::vector<std::string> search_space_names();

}  // namespace nasrun::spaces
