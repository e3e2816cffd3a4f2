#include "apps/cli_common.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/program_options/errors.hpp>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "common/lists.hpp"
#include "common/numbers.hpp"

namespace nasrun::cli {

namespace {

// Flushes both standard output streams (iostream and stdio share one buffer here) and says
// whether everything written reached its destination.
bool standard_output_written() {
  std::cout.flush();
  return std::fflush(stdout) == 0 && !std::ferror(stdout) && std::cout.good();
}

volatile std::sig_atomic_t g_stop_signal = 0;
char g_stop_message[160];
std::size_t g_stop_message_length = 0;

extern "C" void on_stop_signal(int sig) {
  g_stop_signal = sig;
  // Only async-signal-safe calls here: write(2), and signal(2) to make the next one fatal.
  [[maybe_unused]] const auto n = ::write(STDERR_FILENO, g_stop_message, g_stop_message_length);
  std::signal(sig, SIG_DFL);
}

}  // namespace

StopOnSignal::StopOnSignal(const char* program) {
  g_stop_signal = 0;
  const int n = std::snprintf(g_stop_message, sizeof g_stop_message,
                              "\n%s: stopping after the work in progress is saved (signal again "
                              "to stop at once)\n", program);
  g_stop_message_length = std::min(sizeof g_stop_message - 1, static_cast<std::size_t>(std::max(n, 0)));
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGTERM, on_stop_signal);
}

StopOnSignal::~StopOnSignal() {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

bool StopOnSignal::requested() const { return g_stop_signal != 0; }
int StopOnSignal::signal() const { return g_stop_signal; }

int guarded_main(const char* program, const std::function<int()>& body) {
  try {
    const int status = body();
    if (!standard_output_written())
      throw std::runtime_error(std::string("cannot write standard output: ") +
                               std::strerror(errno));
    return status;
  } catch (const UsageError& e) {
    std::cerr << program << ": error: " << e.what() << "\n(see " << program << " --help)\n";
    return 2;
  } catch (const boost::program_options::error& e) {
    std::cerr << program << ": error: " << e.what() << "\n(see " << program << " --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << program << ": error: " << e.what() << "\n";
    return 1;
  }
}

boost::program_options::parsed_options parse_arguments(
    const boost::program_options::options_description& desc, const std::vector<std::string>& args,
    const char* positional) {
  // Without a positional description Boost returns bare words with an empty key, and store()
  // skips them; they are named here instead.
  auto parsed = boost::program_options::command_line_parser(args).options(desc).run();
  bool positional_taken = positional == nullptr;
  std::string previous;
  for (auto& option : parsed.options) {
    if (!option.string_key.empty()) {
      previous = option.original_tokens.empty() ? "" : option.original_tokens.front();
      for (std::size_t i = 1; i < option.original_tokens.size(); ++i)
        previous += " " + option.original_tokens[i];
      continue;
    }
    const std::string word = option.value.empty() ? "" : option.value.front();
    if (!positional_taken) {
      option.string_key = positional;
      option.position_key = -1;
      positional_taken = true;
      continue;
    }
    throw UsageError("unexpected argument '" + word + "'" +
                     (previous.empty() ? "" : " after '" + previous + "'") +
                     ": every word belongs to an option (a value with spaces needs quotes)");
  }
  return parsed;
}

std::vector<std::string> split_list(const std::string& text, const std::string& option) {
  return usage_error_on<std::invalid_argument>([&] { return common::split_list(text, option); });
}

std::vector<std::int64_t> parse_integer_list(const std::string& text, const std::string& option,
                                             std::int64_t min) {
  std::vector<std::int64_t> out;
  for (const auto& item : split_list(text, option)) {
    const auto v = common::parse_decimal_integer(item);
    if (!v || *v < min)
      throw UsageError("--" + option + " '" + text + "': '" + item + "' is not an integer >= " +
                       std::to_string(min));
    if (std::find(out.begin(), out.end(), *v) != out.end())
      throw UsageError("--" + option + " '" + text + "' gives " + std::to_string(*v) +
                       " twice (expected each value once)");
    out.push_back(*v);
  }
  return out;
}

std::string listing(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out;
  for (const auto& [name, description] : entries) {
    char line[256];
    std::snprintf(line, sizeof line, "    %-10s %s\n", name.c_str(), description.c_str());
    out += line;
  }
  return out;
}

nlohmann::json parse_source_options(const std::vector<std::string>& items) {
  nlohmann::json extra = nlohmann::json::object();
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--source-option '" + item + "' is not of the form key=value");
    extra[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return extra;
}

std::string default_benchmark_path() {
  constexpr const char* kFile = "/fashion-mnist-nb201.nasbench";
  if (const char* dir = std::getenv("NASRUN_DATA_DIR")) return std::string(dir) + kFile;
  // An installed program (cmake --install) finds it in <prefix>/share/nas-run.
  std::error_code error;
  const auto program = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const auto installed = program.parent_path().parent_path() / "share/nas-run" / (kFile + 1);
    if (std::filesystem::exists(installed, error)) return installed.string();
  }
  return std::string(NASRUN_DEFAULT_DATA_DIR) + kFile;
}

}  // namespace nasrun::cli
