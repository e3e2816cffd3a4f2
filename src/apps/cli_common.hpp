// What nas-run and nas-bench share: error reporting, lists, the default benchmark.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

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

// The benchmark shipped with nas-run: $NASRUN_DATA_DIR, else the data folder of the source tree
// the program was built from, holds it.
std::string default_benchmark_path();

}  // namespace nasrun::cli
