#include "study/initial_designs.hpp"

#include <map>
#include <sstream>

#include "common/file_io.hpp"

namespace nasrun::experiment {

std::vector<std::vector<spaces::ArchCode>> read_initial_designs(const std::string& path,
                                                               const spaces::SearchSpace& space) {
  std::istringstream in(common::read_file(path));
  std::string line;
  std::size_t n = 0;
  auto fail = [&](const std::string& msg) {
    throw std::runtime_error(path + ":" + std::to_string(n) + ": " + msg);
  };
  std::map<long, std::map<long, spaces::ArchCode>> by_seed;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (n == 1) {
      if (line != "seed\tposition\tarch")
        fail("expected the header 'seed<TAB>position<TAB>arch', found '" + line + "'");
      continue;
    }
    if (line.empty()) continue;
    std::istringstream ls(line);
    std::string seed, position, arch;
    if (!std::getline(ls, seed, '\t') || !std::getline(ls, position, '\t') ||
        !std::getline(ls, arch) || arch.find('\t') != std::string::npos)
      fail("expected three tab-separated fields: seed, position, arch");
    long s = 0, p = 0;
    try {
      std::size_t u1 = 0, u2 = 0;
      s = std::stol(seed, &u1);
      p = std::stol(position, &u2);
      if (u1 != seed.size() || u2 != position.size() || s < 0 || p < 0) throw std::exception();
    } catch (const std::exception&) {
      fail("seed and position must be non-negative integers");
    }
    try {
      if (!by_seed[s].emplace(p, space.parse(arch)).second)
        fail("seed " + std::to_string(s) + " lists position " + std::to_string(p) + " twice");
    } catch (const spaces::ArchParseError& e) {
      fail(e.what());
    }
  }
  if (by_seed.empty()) fail("the file lists no initial architectures");
  std::vector<std::vector<spaces::ArchCode>> designs;
  for (const auto& [seed, positions] : by_seed) {
    if (seed != static_cast<long>(designs.size()))
      throw std::runtime_error(path + ": seeds must run 0, 1, 2, ... without gaps; seed " +
                               std::to_string(designs.size()) + " is missing");
    designs.emplace_back();
    for (const auto& [p, code] : positions) designs.back().push_back(code);
  }
  return designs;
}

}  // namespace nasrun::experiment
