#include "apps/cli_common.hpp"

#include <boost/program_options/errors.hpp>
#include <cstdlib>
#include <iostream>

namespace nasrun::cli {

int guarded_main(const char* program, const std::function<int()>& body) {
  try {
    return body();
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

std::vector<std::string> split_list(const std::string& text, const std::string& option) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (out.back().empty())
      throw UsageError("--" + option + " '" + text + "' has an empty item (expected a comma list)");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string default_benchmark_path() {
  const char* dir = std::getenv("NASRUN_DATA_DIR");
  return std::string(dir ? dir : NASRUN_DEFAULT_DATA_DIR) + "/fashion-mnist-nb201.nasbench";
}

}  // namespace nasrun::cli
