// What nas-run and nas-bench share: error reporting, lists, the default benchmark.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/benchmark.hpp"

namespace nasrun::cli {

// Runs `body`, turning any exception into "<program>: error: <message>" and exit status 1
// (2 for a usage error).
int guarded_main(const char* program, const std::function<int()>& body);

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "a,b,c" -> {"a","b","c"}; empty items are a UsageError naming `option`.
std::vector<std::string> split_list(const std::string& text, const std::string& option);

// "3,10,20" -> {3, 10, 20}; an item that is not an integer of at least `min` is a UsageError
// naming `option`.
std::vector<std::int64_t> parse_integer_list(const std::string& text, const std::string& option,
                                             std::int64_t min);

// `--source-option key=value` items -> {"key": "value", ...}.
nlohmann::json parse_source_options(const std::vector<std::string>& items);

// Opens `path` when `given`, else the embedded benchmark (saying how to get one when it is
// missing).
std::shared_ptr<bench::Benchmark> open_benchmark(bool given, const std::string& path);

// The benchmark's dataset when it has exactly one; else a UsageError listing them (or saying
// that it has none).
std::string only_dataset(const bench::Benchmark& benchmark);

// The benchmark shipped with nas-run: $NASRUN_DATA_DIR, else the data folder of the source tree
// the program was built from, holds it.
std::string default_benchmark_path();

}  // namespace nasrun::cli
