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

// --- Advisory locks ---------------------------------------------------------------------------

namespace nasrun::bench {

// Another process (or another FileLock of this one) holds the lock.
class FileLockedError : public FileError {
 public:
  FileLockedError(const std::string& path, long holder_pid);
  long holder_pid() const { return holder_pid_; }  // 0 when the holder has not written it yet

 private:
  long holder_pid_;
};

// An exclusive lock on the file `path` (created if missing), held for the object's lifetime, so
// that two programs never work on the same output at once. flock() locks belong to the open
// file, so the kernel releases one when its holder dies, even by SIGKILL: no lock is ever stale.
// The file holds the holder's pid, for the message of whoever is refused, and is removed on
// release.
class FileLock {
 public:
  // Never waits: throws FileLockedError when the lock is held, FileError when the file cannot
  // be created or locked.
  explicit FileLock(std::string path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace nasrun::bench
