// The RandWire space (Xie et al., ICCV 2019): a network of three stages, each wired by a random
// graph of kNodes nodes turned into a DAG (randwire_graph.hpp). An architecture is a generator
// setting (dimension 0: one of the 69 of generator_settings()) and a wiring seed (dimension 1:
// 0..7); stage s's graph is drawn from Rng(mix_seed(mix_seed(wiring seed, setting), s)), so the
// same (setting, seed) is the same network everywhere. 69 x 8 = 552 architectures. docs/randwire.md
// gives the grid and why N = 32.
#pragma once

#include <array>
#include <mutex>
#include <string>
#include <vector>

#include "spaces/randwire_graph.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::spaces {

class RandWireSpace : public SearchSpace {
 public:
  static constexpr std::size_t kNodes = 32;   // N, nodes per stage, as in the paper and Xie et al.
  static constexpr std::size_t kMaxAttachments = 9;  // BA(M) for M = 1 .. kMaxAttachments
  static constexpr std::size_t kStages = 3;
  static constexpr std::size_t kWirings = 8;  // wiring seeds per setting
  using StageDags = std::array<randwire::Dag, kStages>;

  // ER(P) for P = 0.05 .. 0.80 in steps of 0.05; BA(M) for M = 1 .. 9; WS(K, P) for
  // K = 2, 4, 6, 8 and P = 0.0 .. 1.0 in steps of 0.1. In this order; 16 + 9 + 44 = 69.
  static const std::vector<randwire::GeneratorSetting>& generator_settings();
  // The stage graphs of the architecture with these choices (setting, wiring seed).
  static StageDags stage_dags(const Choices& choices);

  std::string name() const override { return "randwire"; }
  std::size_t num_dimensions() const override { return 2; }
  std::size_t num_choices(std::size_t dim) const override;
  std::string dimension_name(std::size_t dim) const override;
  std::string choice_name(std::size_t dim, std::size_t choice) const override;
  // "WS(4,0.30)@5": the setting, '@', the wiring seed.
  std::string to_string(ArchCode code) const override;
  ArchCode parse(std::string_view text) const override;
  // Architectures whose three stage DAGs are the same (WS(K, 0) for every seed, say) build the
  // same network: their class is the smallest such code.
  ArchCode class_of(ArchCode code) const override;
  // The model (one indicator each), its P, M and K, and the stages' mean edges, input nodes,
  // output nodes and depth.
  std::vector<std::string> feature_names() const override;
  std::vector<double> features(ArchCode code) const override;

 private:
  const std::vector<ArchCode>& classes() const;
  mutable std::once_flag classes_computed_;
  mutable std::vector<ArchCode> class_of_;
};

}  // namespace nasrun::spaces
