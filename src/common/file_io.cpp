#include "common/file_io.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace nasrun::common {

namespace {

std::string os_error(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

SharedBytes map_file(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw FileError(os_error("cannot open", path));
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw FileError(os_error("cannot stat", path));
  if (!S_ISREG(st.st_mode)) throw FileError("'" + path + "' is not a regular file");
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) return own_bytes({});
  void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, f.fd, 0);
  if (p == MAP_FAILED) throw FileError(os_error("cannot memory-map", path));
  auto* view = new std::string_view(static_cast<const char*>(p), size);
  return SharedBytes(view, [](const std::string_view* v) {
    ::munmap(const_cast<char*>(v->data()), v->size());
    delete v;
  });
}

SharedBytes own_bytes(std::string bytes) {
  struct Owned {
    std::string data;
    std::string_view view;
  };
  auto owned = std::make_shared<Owned>();
  owned->data = std::move(bytes);
  owned->view = owned->data;
  return SharedBytes(owned, &owned->view);  // aliasing: the view lives as long as its string
}

std::string read_file(const std::string& path) {
  const auto bytes = map_file(path);
  return std::string(*bytes);
}

std::string temporary_name(const std::string& path) {
  // The counter keeps two threads writing one path from sharing a temporary.
  static std::atomic<unsigned long> counter{0};
  const std::string suffix =
      ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  const auto slash = path.rfind('/');
  const std::size_t name_start = slash == std::string::npos ? 0 : slash + 1;
  std::string name = path.substr(name_start);
  if (name.size() + suffix.size() > NAME_MAX) name.resize(NAME_MAX - suffix.size());
  return path.substr(0, name_start) + name + suffix;
}

std::size_t remove_stale_temporaries(const std::string& dir) {
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    // <name>.tmp.<pid>.<n>, or <name>.tmp.<pid> as written before the counter.
    const auto tmp = name.rfind(".tmp.");
    if (tmp == std::string::npos) continue;
    const std::string rest = name.substr(tmp + 5);
    const auto dot = rest.find('.');
    const std::string pid_text = rest.substr(0, dot);
    const std::string count_text = dot == std::string::npos ? "0" : rest.substr(dot + 1);
    auto digits = [](const std::string& s) {
      return !s.empty() && s.size() < 12 &&
             s.find_first_not_of("0123456789") == std::string::npos;
    };
    if (!digits(pid_text) || !digits(count_text)) continue;
    const auto pid = static_cast<pid_t>(std::stol(pid_text));
    if (pid == ::getpid() || ::kill(pid, 0) == 0 || errno != ESRCH) continue;
    if (entry.is_regular_file(ec) && std::filesystem::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

void check_not_an_input(const std::string& path, const std::string& option,
                        const std::vector<std::pair<std::string, std::string>>& inputs) {
  for (const auto& [input_option, input] : inputs)
    if (same_file(path, input))
      throw FileError(option + " '" + path + "' is the same file as the input " + input_option +
                      " '" + input + "': an output never replaces an input; choose another " +
                      option);
}

void check_output_file(const std::string& path,
                       const std::vector<std::pair<std::string, std::string>>& inputs,
                       const OutputRule& rule, bool force) {
  namespace fs = std::filesystem;
  check_not_an_input(path, rule.option, inputs);
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw FileError(rule.option + " " + path + " is a folder (expected the path of a file)");
  const auto parent = fs::path(path).parent_path();
  if (!parent.empty() && !fs::exists(parent, ec))
    throw FileError(rule.option + " " + path + ": its folder " + parent.string() +
                    " does not exist");
  if (!parent.empty() && !fs::is_directory(parent, ec))
    throw FileError(rule.option + " " + path + ": " + parent.string() + " is not a folder");
  if (!fs::exists(fs::symlink_status(path, ec)) || force) return;
  if (!rule.is_earlier_output || !rule.is_earlier_output(path))
    throw FileError(rule.option + " '" + path + "' exists and is not an earlier output of " +
                    rule.command + "; pass --force to replace it, or choose another " +
                    rule.option);
}

void write_file_atomically(const std::string& path, std::string_view bytes,
                           Durability durability) {
  const std::string tmp = temporary_name(path);
  Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
  if (f.fd < 0) throw FileError(os_error("cannot create", tmp));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(f.fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const auto msg = os_error("cannot write", tmp);
      ::unlink(tmp.c_str());
      throw FileError(msg);
    }
    done += static_cast<std::size_t>(n);
  }
  // A deferred file's write-back starts now, while the program goes on: flush_filesystem()
  // then waits for what is left rather than for all of it.
  if (durability == Durability::deferred)
    ::sync_file_range(f.fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  if ((durability == Durability::flushed && ::fsync(f.fd) != 0) || ::close(f.fd) != 0) {
    f.fd = -1;
    const auto msg = os_error("cannot flush", tmp);
    ::unlink(tmp.c_str());
    throw FileError(msg);
  }
  f.fd = -1;
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const auto msg = os_error("cannot rename onto", path);
    ::unlink(tmp.c_str());
    throw FileError(msg);
  }
}

void flush_filesystem(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0 || ::syncfs(f.fd) != 0) throw FileError(os_error("cannot flush to disk", path));
}

}  // namespace nasrun::common

// --- Advisory locks ---------------------------------------------------------------------------

namespace nasrun::common {

namespace {

std::string holder_of(long pid) {
  return "pid " + (pid > 0 ? std::to_string(pid) : std::string("unknown"));
}

}  // namespace

FileLockedError::FileLockedError(const std::string& path, long holder_pid)
    : FileError("'" + path + "' is locked by another process (" + holder_of(holder_pid) + ")"),
      holder_pid_(holder_pid) {}

std::string FileLockedError::holder() const { return holder_of(holder_pid_); }

FileLock::FileLock(std::string path) : path_(std::move(path)) {
  while (true) {
    Fd f{::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
    if (f.fd < 0) throw FileError(os_error("cannot create the lock file", path_));
    if (::flock(f.fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK) throw FileError(os_error("cannot lock", path_));
      char text[32] = {};
      const auto n = ::pread(f.fd, text, sizeof text - 1, 0);
      throw FileLockedError(path_, n > 0 ? std::strtol(text, nullptr, 10) : 0);
    }
    // The holder before us removes the file as it lets go: if it did so after we opened it, we
    // hold a lock on a file that nobody else will open. Start again on the file at the path.
    struct stat held {}, at_path {};
    if (::fstat(f.fd, &held) != 0) throw FileError(os_error("cannot stat", path_));
    if (::stat(path_.c_str(), &at_path) != 0 || at_path.st_dev != held.st_dev ||
        at_path.st_ino != held.st_ino)
      continue;
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(f.fd, 0) != 0 || ::pwrite(f.fd, pid.data(), pid.size(), 0) < 0)
      throw FileError(os_error("cannot write", path_));
    fd_ = f.fd;
    f.fd = -1;
    return;
  }
}

FileLock::~FileLock() {
  // Removed while still held, so that no one locks the file just before it goes.
  ::unlink(path_.c_str());
  ::close(fd_);
}

}  // namespace nasrun::common
