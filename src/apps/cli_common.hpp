// What nas-run, nas-bench and nas-rank share: error reporting (usage errors among it), option
// parsing and lists, the listings of --help, the embedded benchmark's path.
#pragma once

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace nasrun::cli {

// Runs `body`, turning any exception into "<program>: error: <message>" and exit status 1
// (2 for a usage error). Output that could not be written (a full disk, a closed pipe) is an
// error too: the program never exits 0 with its output lost.
int guarded_main(const char* program, const std::function<int()>& body);

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses `args` (the words after the program or command name) against `desc`. When
// `positional` names an option, the first bare word is its value; any other bare word is a
// UsageError naming it, where Boost.Program_options would drop it (so that "--budget 150 h"
// never runs with 150 seconds).
boost::program_options::parsed_options parse_arguments(
    const boost::program_options::options_description& desc, const std::vector<std::string>& args,
    const char* positional = nullptr);

// While it lives, SIGINT and SIGTERM ask the program to stop rather than kill it: the first
// says so on standard error and makes requested() true (the program finishes what is in
// progress, saves it and exits with 128 + the signal); a second one kills as usual.
class StopOnSignal {
 public:
  explicit StopOnSignal(const char* program);
  ~StopOnSignal();
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
  bool requested() const;
  int signal() const;  // the signal received, 0 when none
};

// "a,b,c" -> {"a","b","c"}; an empty or repeated item is a UsageError naming `option`.
std::vector<std::string> split_list(const std::string& text, const std::string& option);

// "3,10,20" -> {3, 10, 20}; an item that is not a decimal integer of at least `min`, or that
// repeats another's value, is a UsageError naming `option`.
std::vector<std::int64_t> parse_integer_list(const std::string& text, const std::string& option,
                                             std::int64_t min);

// Runs `body`, reporting the `Refusal` it throws (a library's refusal of the options given) as a
// UsageError with the same message.
template <typename Refusal, typename Body>
auto usage_error_on(Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const Refusal& e) {
    throw UsageError(e.what());
  }
}

// "    name       description" lines, as --help lists what a registry offers.
std::string listing(const std::vector<std::pair<std::string, std::string>>& entries);

// `--source-option key=value` items -> {"key": "value", ...}.
nlohmann::json parse_source_options(const std::vector<std::string>& items);

// The benchmark shipped with nas-run: in $NASRUN_DATA_DIR when set, else in <prefix>/share/nas-run
// for an installed program (<prefix>/bin), else in the data folder of the source tree the program
// was built from.
std::string default_benchmark_path();

}  // namespace nasrun::cli
