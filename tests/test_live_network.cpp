// The live network's parameter counts against NAS-Bench-201's records (the oracle).
#ifdef NASRUN_HAVE_LIVE

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "common/random.hpp"
#include "evaluators/live_network.hpp"
#include "spaces/nb201.hpp"

using namespace nasrun;
using evaluators::live::count_module_parameters;
using evaluators::live::count_parameters;
using evaluators::live::NetworkConfig;

namespace {

std::string shared_data_dir() {
  if (const char* env = std::getenv("NASRUN_SHARED_DATA")) return env;
  return std::string(NASRUN_SOURCE_DIR) + "/../shared/data";
}

struct Oracle {
  bool loaded = false;
  std::string path;
  // params[code][k] for datasets k = cifar10-valid (10), cifar100 (100), ImageNet16-120 (120).
  std::vector<std::array<std::int64_t, 3>> params;
};

constexpr std::array<int, 3> kClasses = {10, 100, 120};

const Oracle& oracle() {
  static const Oracle o = [] {
    Oracle r;
    r.path = shared_data_dir() + "/nb201/nb201_final.csv";
    std::ifstream in(r.path);
    if (!in) return r;
    const auto space = spaces::make_search_space("nb201");
    r.params.assign(space->size(), {-1, -1, -1});
    std::string line;
    std::getline(in, line);  // header: index,arch,dataset,seed,...,params_m
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream s(line);
      std::string cell;
      while (std::getline(s, cell, ',')) f.push_back(cell);
      if (line.back() == ',') f.emplace_back();
      if (f.size() < 9 || f.back().empty()) continue;
      int k = f[2] == "cifar10-valid" ? 0 : f[2] == "cifar100" ? 1 : f[2] == "ImageNet16-120" ? 2 : -1;
      if (k < 0) continue;
      const auto code = space->parse(f[1]);
      r.params[code][static_cast<std::size_t>(k)] = std::llround(std::stod(f.back()) * 1e6);
    }
    r.loaded = true;
    return r;
  }();
  return o;
}

NetworkConfig nb201_config(int classes) {
  NetworkConfig c;
  c.channels = 16;
  c.cells = 5;
  c.input_channels = 3;
  c.num_classes = classes;
  return c;
}

// Checks `codes` x 3 class counts; returns how many cells match exactly in all three.
// With `modules`, the formula is also checked against the real module's count.
std::size_t check_oracle(const std::vector<spaces::ArchCode>& codes, bool modules) {
  const auto& o = oracle();
  const auto space = spaces::make_search_space("nb201");
  std::map<spaces::ArchCode, std::vector<spaces::ArchCode>> members;
  for (spaces::ArchCode c = 0; c < space->size(); ++c) members[space->class_of(c)].push_back(c);
  std::size_t exact_cells = 0;
  for (auto code : codes) {
    bool exact = true;
    for (std::size_t k = 0; k < 3; ++k) {
      const auto expected = o.params[code][k];
      REQUIRE(expected > 0);
      const auto config = nb201_config(kClasses[k]);
      const auto count = count_parameters(config, space->decode(code));
      if (modules) CHECK(count == count_module_parameters(config, space->decode(code)));
      if (count == expected) continue;
      exact = false;
      bool member_matches = false;
      for (auto m : members[space->class_of(code)])
        member_matches = member_matches || count_parameters(config, space->decode(m)) == expected;
      INFO(space->to_string(code) << " with " << kClasses[k] << " classes: " << count
                                  << " parameters, NB201 records " << expected);
      CHECK(member_matches);
    }
    if (exact) ++exact_cells;
  }
  return exact_cells;
}

}  // namespace

TEST_CASE("live network: architecture 0 has NB201's 129,306 parameters", "[live]") {
  const auto space = spaces::make_search_space("nb201");
  const auto ops = space->decode(space->parse(
      "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"));
  CHECK(count_parameters(nb201_config(10), ops) == 129306);
  CHECK(count_module_parameters(nb201_config(10), ops) == 129306);
}

TEST_CASE("live network: parameter formula equals the module on a sample", "[live]") {
  const auto space = spaces::make_search_space("nb201");
  common::Rng rng(20240601);
  for (int i = 0; i < 60; ++i) {
    const auto code = common::uniform_below(rng, space->size());
    NetworkConfig c;
    c.channels = 4 + 4 * static_cast<int>(common::uniform_below(rng, 4));
    c.cells = static_cast<int>(common::uniform_below(rng, 4));
    c.input_channels = common::uniform_below(rng, 2) ? 1 : 3;
    c.num_classes = kClasses[common::uniform_below(rng, 3)];
    INFO(space->to_string(code) << " C=" << c.channels << " N=" << c.cells);
    CHECK(count_parameters(c, space->decode(code)) ==
          count_module_parameters(c, space->decode(code)));
  }
  // And at NB201's size, on some cells.
  for (int i = 0; i < 10; ++i) {
    const auto code = common::uniform_below(rng, space->size());
    CHECK(count_parameters(nb201_config(100), space->decode(code)) ==
          count_module_parameters(nb201_config(100), space->decode(code)));
  }
}

TEST_CASE("live network: parameter counts match NB201 on a sample of 1000 cells", "[live]") {
  // The formula, and the module itself, for 1000 seeded cells x 10 / 100 / 120 classes.
  if (!oracle().loaded) {
    WARN("skipped: " << oracle().path << " not found (set NASRUN_SHARED_DATA)");
    return;
  }
  const auto space = spaces::make_search_space("nb201");
  common::Rng rng(777);
  std::vector<spaces::ArchCode> codes;
  for (int i = 0; i < 1000; ++i) codes.push_back(common::uniform_below(rng, space->size()));
  const auto exact = check_oracle(codes, /*modules=*/true);
  CHECK(exact >= 980);  // ~1% of cells record another member of their class
}

// The formula is checked against the real module above, so all 15,625 cells x 3 class counts
// take milliseconds and run in the normal suite.
TEST_CASE("live network: parameter counts match NB201 for all 15,625 cells", "[live]") {
  if (!oracle().loaded) {
    WARN("skipped: " << oracle().path << " not found (set NASRUN_SHARED_DATA)");
    return;
  }
  std::vector<spaces::ArchCode> codes(15625);
  for (spaces::ArchCode c = 0; c < codes.size(); ++c) codes[c] = c;
  CHECK(check_oracle(codes, /*modules=*/false) == 15475);
}

#endif  // NASRUN_HAVE_LIVE
