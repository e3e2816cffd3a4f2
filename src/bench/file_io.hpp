// Files: read whole, memory-map read-only, and write atomically (temporary name, then rename),
// so a reader never sees a half-written file and a failed write leaves nothing behind.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace nasrun::bench {

class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Read-only bytes that stay valid as long as any copy of the pointer lives.
using SharedBytes = std::shared_ptr<const std::string_view>;

SharedBytes map_file(const std::string& path);
SharedBytes own_bytes(std::string bytes);
std::string read_file(const std::string& path);
// Writes `bytes` to `path` through a temporary file in the same folder, flushed to disk before
// it is renamed over `path`.
void write_file_atomically(const std::string& path, std::string_view bytes);

}  // namespace nasrun::bench
