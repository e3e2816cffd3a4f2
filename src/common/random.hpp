// Portable random draws. std::uniform_int_distribution and friends differ between standard
// libraries; these do not, so a seed gives the same run everywhere.
#pragma once

#include <cstdint>
#include <random>

namespace nasrun::common {

// The generator behind every random choice; seeded explicitly, never from the clock.
using Rng = std::mt19937_64;

// Uniform integer in [0, n), n > 0, by rejection (no modulo bias).
inline std::uint64_t uniform_below(Rng& rng, std::uint64_t n) {
  const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  std::uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return x % n;
}

// Uniform double in [0, 1) from the top 53 bits.
inline double uniform_unit(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// A generator for a named sub-stream of a seed (splitmix64 mixing), so that runs, strategies
// and data draws get independent streams that do not depend on what else runs.
inline std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t stream) {
  std::uint64_t z = seed + 0x9E3779B97F4A7C15ULL * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace nasrun::common
