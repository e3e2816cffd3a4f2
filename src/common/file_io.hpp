// Files: read whole, memory-map read-only, and write atomically (temporary name, then rename),
// so a reader never sees a half-written file and a failed write leaves nothing behind.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nasrun::common {

class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Read-only bytes that stay valid as long as any copy of the pointer lives.
using SharedBytes = std::shared_ptr<const std::string_view>;

SharedBytes map_file(const std::string& path);
SharedBytes own_bytes(std::string bytes);
std::string read_file(const std::string& path);
// When a file written atomically reaches the disk.
enum class Durability {
  // Flushed (fsync) before it is renamed over its path: after a crash of the machine the path
  // holds the old file or the whole new one.
  flushed,
  // Renamed at once, left to the kernel to write back: a killed process never leaves half a
  // file, but a crash of the machine before write-back may leave it cut short. For many files
  // that a reader can tell whole (a closing line) and that flush_filesystem() makes durable in
  // one step, where a flush each was most of the time spent writing them.
  deferred,
};

// Writes `bytes` to `path` through a temporary file in the same folder, renamed over `path`
// when written. The temporary's name is temporary_name(path).
void write_file_atomically(const std::string& path, std::string_view bytes,
                           Durability durability = Durability::flushed);
// Flushes to disk every file written (deferred) on the file system that holds `path` (syncfs).
void flush_filesystem(const std::string& path);

// "<name>.tmp.<pid>.<n>" beside `path`, with <name> shortened when the whole would exceed the
// file system's 255-byte limit on a name (a valid long output name must stay writable).
std::string temporary_name(const std::string& path);
// Removes the temporaries in `dir` left by processes that no longer run (a kill, a crash); a
// live process's are kept. Returns how many were removed.
std::size_t remove_stale_temporaries(const std::string& dir);

// Whether `a` and `b` name the same existing file, through any path, hard or symbolic link.
bool same_file(const std::string& a, const std::string& b);

// What an output file of a command may replace: an output is never one of the command's inputs
// (`inputs` are (option, path) pairs), never a folder, and lies in a folder that exists; an
// existing file is replaced only when `is_earlier_output(path)` recognises it as this command's
// own earlier output, or when `force` is set. Call it before any work starts. Throws FileError
// naming `option`, the path and what was expected.
struct OutputRule {
  std::string option;   // e.g. "--out"
  std::string command;  // e.g. "nas-bench import"
  std::function<bool(const std::string& path)> is_earlier_output;
};
void check_output_file(const std::string& path,
                       const std::vector<std::pair<std::string, std::string>>& inputs,
                       const OutputRule& rule, bool force);
// Refuses `path` (an output of `option`) when it is the same file as one of `inputs`.
void check_not_an_input(const std::string& path, const std::string& option,
                        const std::vector<std::pair<std::string, std::string>>& inputs);

}  // namespace nasrun::common

// --- Advisory locks ---------------------------------------------------------------------------

namespace nasrun::common {

// Another process (or another FileLock of this one) holds the lock.
class FileLockedError : public FileError {
 public:
  FileLockedError(const std::string& path, long holder_pid);
  long holder_pid() const { return holder_pid_; }  // 0 when the holder has not written it yet
  // "pid N", or "pid unknown" before the holder has written it: for messages.
  std::string holder() const;

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

}  // namespace nasrun::common
