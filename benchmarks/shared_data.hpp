// Where the NAS-Bench data for benchmarks lives: $NASRUN_SHARED_DATA, else ../shared/data beside
// the source tree. Benchmarks that need it skip themselves when it is absent.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace nasrun::benchmarks {

inline std::string shared_data_dir() {
  if (const char* env = std::getenv("NASRUN_SHARED_DATA")) return env;
  const auto dir = std::filesystem::path(NASRUN_SOURCE_DIR) / ".." / "shared" / "data";
  return std::filesystem::exists(dir) ? dir.lexically_normal().string() : std::string();
}

}  // namespace nasrun::benchmarks
