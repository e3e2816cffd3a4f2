// Architecture code -> position in a benchmark's list of architectures, sized by the list rather
// than by the space: a benchmark may list a few architectures of a space far too large to list.
//
// A list that covers much of its space (NAS-Bench-201's tables list every cell) gets a table
// indexed by code, one load per lookup; any other gets a hash table, open addressing with linear
// probing, at most half full, Fibonacci hashing: a multiplication and almost always one probe.
// The direct table is chosen only where it takes no more memory than the hash table would.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "spaces/search_space.hpp"

namespace nasrun::bench {

class CodeIndex {
 public:
  // Room for `count` codes below `space_size`.
  explicit CodeIndex(std::size_t count = 0, std::uint64_t space_size = 0) {
    if (count > static_cast<std::size_t>(INT32_MAX))
      throw std::length_error("a benchmark of " + std::to_string(count) +
                              " architectures (at most 2^31 - 1)");
    std::size_t capacity = 2;
    shift_ = 63;
    while (capacity < 2 * count) {
      capacity *= 2;
      --shift_;
    }
    direct_ = space_size <= capacity * sizeof(Slot) / sizeof(std::int32_t);
    if (direct_)
      by_code_.assign(static_cast<std::size_t>(space_size), -1);
    else
      slots_.assign(capacity, Slot{});
  }

  // False, changing nothing, when `code` is already there. Precondition: code < space_size and
  // fewer than `count` codes inserted so far.
  bool insert(spaces::ArchCode code, std::size_t position) {
    const auto p = static_cast<std::int32_t>(position);
    if (direct_) {
      if (by_code_[code] >= 0) return false;
      by_code_[code] = p;
      return true;
    }
    std::size_t i = home(code);
    for (; slots_[i].position >= 0; i = (i + 1) & (slots_.size() - 1))
      if (slots_[i].code == code) return false;
    slots_[i] = {code, p};
    return true;
  }

  // The position of `code`, or -1 when the list does not hold it.
  std::int64_t find(spaces::ArchCode code) const {
    if (direct_) return code < by_code_.size() ? by_code_[code] : -1;
    for (std::size_t i = home(code);; i = (i + 1) & (slots_.size() - 1)) {
      const Slot& s = slots_[i];
      if (s.position < 0 || s.code == code) return s.position;
    }
  }

 private:
  struct Slot {
    spaces::ArchCode code = 0;
    std::int32_t position = -1;  // -1: empty
  };
  // The top bits of code * 2^64 / golden ratio: consecutive codes land far apart.
  std::size_t home(spaces::ArchCode code) const {
    return static_cast<std::size_t>((code * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  bool direct_ = true;
  std::vector<std::int32_t> by_code_;  // direct: the position of each code, -1 where absent
  std::vector<Slot> slots_;            // hashed: a power of two, at least twice the codes held
  int shift_ = 63;                     // 64 - log2(slots)
};

}  // namespace nasrun::bench
