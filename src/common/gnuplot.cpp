#include "common/gnuplot.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <stdexcept>
#include <utility>
#include <vector>

#include "common/file_io.hpp"

namespace nasrun::common {

namespace {

// Whether gnuplot's `file` is whole: gnuplot can exit 0 having written only part of an image
// (a full disk), so the end of each format is checked before the file takes its place.
bool image_complete(const std::string& file, const std::string& ext) {
  std::string bytes;
  try {
    bytes = common::read_file(file);
  } catch (const std::exception&) {
    return false;
  }
  if (ext == ".png") {
    // The last chunk of every PNG: IEND, empty, with its fixed CRC.
    static const std::string iend("\0\0\0\0IEND\xae\x42\x60\x82", 12);
    return bytes.size() > iend.size() && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0 &&
           bytes.compare(bytes.size() - iend.size(), iend.size(), iend) == 0;
  }
  const auto end = bytes.find_last_not_of(" \n\r\t");
  return end != std::string::npos && end >= 5 && bytes.compare(end - 5, 6, "</svg>") == 0;
}

}  // namespace

std::string gp_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* plot_colour(std::size_t k) {
  static const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                  "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};
  return kColors[k % std::size(kColors)];
}

namespace {

constexpr const char* kSize = "size 900,600 enhanced font 'sans,11'";

// Starts gnuplot drawing `script` on `terminal` into `output`, its messages into `log`.
pid_t start_gnuplot(const std::string& terminal, const std::string& output,
                    const std::string& script, const std::string& log) {
  std::string setup = "set terminal " + terminal + " " + kSize + "; set output " + gp_string(output);
  std::string program = "gnuplot", option = "-e", file = script;
  char* argv[] = {program.data(), option.data(), setup.data(), file.data(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_t pid = 0;
  const int error = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0)
    throw std::runtime_error("cannot run gnuplot to draw " + output +
                             " (is the Debian package gnuplot-nox installed?): " +
                             std::strerror(error));
  return pid;
}

bool exited_cleanly(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return false;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

}  // namespace

void render_gnuplot(const std::string& stem, const std::string& body) {
  // The script leaves the terminal to its caller, as its first line says.
  const std::string name = std::filesystem::path(stem).filename().string();
  common::write_file_atomically(stem + ".gp", "# gnuplot -e \"set terminal pngcairo " +
                                                  std::string(kSize) + "; set output '" + name +
                                                  ".png'\" " + name + ".gp\n" + body + "\n");
  // The PNG and the SVG by two gnuplots at once (most of a figure's time is gnuplot starting),
  // each into a temporary name first, so that a failure leaves no half-written figure behind.
  const std::vector<std::pair<std::string, std::string>> formats = {{".png", "pngcairo"},
                                                                    {".svg", "svg"}};
  std::vector<pid_t> drawing;
  std::string failed;
  for (const auto& [ext, terminal] : formats) {
    try {
      drawing.push_back(start_gnuplot(terminal, stem + ext + ".tmp", stem + ".gp", stem + ext + ".log"));
    } catch (const std::runtime_error& e) {
      failed = e.what();
    }
  }
  for (std::size_t i = 0; i < drawing.size(); ++i)
    if (!exited_cleanly(drawing[i]) && failed.empty()) {
      std::string log;
      try {
        log = common::read_file(stem + formats[i].first + ".log");
      } catch (const std::exception&) {
      }
      failed = "gnuplot failed drawing " + stem + formats[i].first +
               " (is the Debian package gnuplot-nox installed?): " + log;
    }
  for (const auto& [ext, terminal] : formats) std::remove((stem + ext + ".log").c_str());
  for (const auto& [ext, terminal] : formats)
    if (failed.empty() && !image_complete(stem + ext + ".tmp", ext))
      failed = "gnuplot wrote an incomplete " + stem + ext + " (is the disk full?); no figure was written";
  if (!failed.empty()) {
    for (const auto& [ext, terminal] : formats) std::remove((stem + ext + ".tmp").c_str());
    throw std::runtime_error(failed);
  }
  for (const auto& [ext, terminal] : formats)
    if (std::rename((stem + ext + ".tmp").c_str(), (stem + ext).c_str()) != 0)
      throw std::runtime_error("cannot write " + stem + ext);
}

}  // namespace nasrun::common
