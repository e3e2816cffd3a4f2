// Comma lists as the programs' options take them (--strategy re,tpe), shared with the Python
// module's run_study.
#pragma once

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

namespace nasrun::common {

// "a,b,c" -> {"a","b","c"}; an empty item, or a repeated one unless `repeats` allows it, throws
// std::invalid_argument naming `--option`.
inline std::vector<std::string> split_list(const std::string& text, const std::string& option,
                                           bool repeats = false) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (out.back().empty())
      throw std::invalid_argument("--" + option + " '" + text +
                                  "' has an empty item (expected a comma list)");
    if (!repeats && std::find(out.begin(), out.end() - 1, out.back()) != out.end() - 1)
      throw std::invalid_argument("--" + option + " '" + text + "' names '" + out.back() +
                                  "' twice (expected each item once)");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace nasrun::common
