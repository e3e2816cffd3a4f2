// The NAS-Bench-201 cell: four nodes, six edges (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2), each edge one
// of five operations. Dimension d of the space is edge d in that order.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "spaces/search_space.hpp"

namespace nasrun::spaces {

class Nb201Space : public SearchSpace {
 public:
  static constexpr std::size_t kEdges = 6;
  static constexpr std::size_t kOps = 5;
  static constexpr std::array<const char*, kOps> kOpNames = {
      "none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};
  // Edge d feeds node kEdgeTo[d] from node kEdgeFrom[d].
  static constexpr std::array<int, kEdges> kEdgeFrom = {0, 0, 1, 0, 1, 2};
  static constexpr std::array<int, kEdges> kEdgeTo = {1, 2, 2, 3, 3, 3};

  Nb201Space();

  std::string name() const override { return "nb201"; }
  std::size_t num_dimensions() const override { return kEdges; }
  std::size_t num_choices(std::size_t) const override { return kOps; }
  std::string dimension_name(std::size_t dim) const override;
  std::string choice_name(std::size_t dim, std::size_t choice) const override;
  std::string to_string(ArchCode code) const override;
  ArchCode parse(std::string_view text) const override;
  ArchCode class_of(ArchCode code) const override;
  // The operation counts (SearchSpace's features), then the cell's depth: the most non-skip
  // operations on one input-to-output path of non-none edges (0 when the output is cut off
  // from the input).
  std::vector<std::string> feature_names() const override;
  std::vector<double> features(ArchCode code) const override;

  // The expression the cell computes, by NAS-Bench-201's isomorphism rule; equal expressions
  // mean isomorphic cells.
  static std::string output_expression(const Choices& ops);

  // Empty when `space` has NAS-Bench-201's shape (its six edges, in this order, each offering
  // the five operations in this order), so that NB201's architecture strings and codes mean the
  // same in it; else what differs, naming the space. For the importers of NB201's files.
  static std::string shape_error(const SearchSpace& space);

 private:
  // The class of every code, computed by the first class_of(): ~50 ms of expressions that
  // opening a benchmark or running a search never needs.
  const std::vector<std::uint16_t>& classes() const;
  mutable std::once_flag classes_computed_;
  mutable std::vector<std::uint16_t> class_of_;
};

}  // namespace nasrun::spaces
