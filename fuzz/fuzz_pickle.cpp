// libFuzzer target: nasrun::fuzz::pickle_input (entry_points.hpp). Built by scripts/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "entry_points.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nasrun::fuzz::pickle_input(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
