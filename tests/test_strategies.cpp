// Search strategies: the contract every registered strategy keeps, then what makes RE and TPE
// what they are. Strategies are seen through ask/tell only.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/random.hpp"
#include "search/strategy.hpp"

using namespace nasrun;
using namespace nasrun::search;
using spaces::ArchCode;

namespace nasrun::search::tpe_detail {
// Defined in src/search/categorical_parzen.cpp (TPE's model); declared here only, so that no
// header exposes them.
std::size_t good_set_size(std::size_t n);
double forgetting_weight(std::size_t position, std::size_t size);
}  // namespace nasrun::search::tpe_detail

namespace {

// A small mixed-radix space (2 x 3 x 4 choices by default), so that nothing assumes
// NAS-Bench-201's shape.
class TinySpace : public spaces::SearchSpace {
 public:
  explicit TinySpace(std::vector<std::size_t> radices = {2, 3, 4}) : radices_(std::move(radices)) {}
  std::string name() const override { return "tiny"; }
  std::size_t num_dimensions() const override { return radices_.size(); }
  std::size_t num_choices(std::size_t dim) const override { return radices_.at(dim); }
  std::string dimension_name(std::size_t dim) const override { return "d" + std::to_string(dim); }
  std::string choice_name(std::size_t, std::size_t c) const override { return std::to_string(c); }
  std::string to_string(ArchCode code) const override { return std::to_string(code); }
  ArchCode parse(std::string_view text) const override { return std::stoull(std::string(text)); }

 private:
  std::vector<std::size_t> radices_;
};

TEST_CASE("Mutation changes one dimension that has an alternative", "[strategies]") {
  // Dimensions 0 and 2 have one choice each: only dimension 1 can change.
  const TinySpace space({1, 3, 1});
  common::Rng rng(5);
  for (ArchCode code = 0; code < space.size(); ++code)
    for (int i = 0; i < 20; ++i) {
      const auto mutated = space.mutate(code, rng);
      CHECK(mutated != code);
      CHECK(mutated < space.size());
    }
  CHECK_THROWS_WITH(TinySpace({1, 1}).mutate(0, rng), Catch::Contains("nothing to mutate"));
}

std::vector<std::string> strategy_names() {
  std::vector<std::string> names;
  for (const auto& [name, description] : strategy_registry().list()) names.push_back(name);
  return names;
}

StrategyContext nb201_context(std::uint64_t seed) {
  StrategyContext ctx;
  ctx.space = spaces::make_search_space("nb201");
  ctx.seed = seed;
  return ctx;
}

// A fixed pseudo-random score per architecture.
double hashed_score(ArchCode code) {
  return static_cast<double>(common::mix_seed(code, 99) >> 11) * 0x1.0p-53;
}

std::vector<ArchCode> run_serial(const std::string& name, const StrategyContext& ctx, int steps,
                                 double (*score)(ArchCode) = hashed_score) {
  auto strategy = make_strategy(name, ctx);
  std::vector<ArchCode> asked;
  for (int i = 0; i < steps; ++i) {
    asked.push_back(strategy->ask());
    strategy->tell(asked.back(), score(asked.back()));
  }
  return asked;
}

// Five workers: five asks, then the five tells in another order.
std::vector<ArchCode> run_async(const std::string& name, const StrategyContext& ctx, int rounds) {
  auto strategy = make_strategy(name, ctx);
  std::vector<ArchCode> asked;
  for (int r = 0; r < rounds; ++r) {
    ArchCode batch[5];
    for (auto& a : batch) {
      a = strategy->ask();
      asked.push_back(a);
    }
    for (int i : {3, 0, 4, 1, 2}) strategy->tell(batch[i], hashed_score(batch[i]));
  }
  return asked;
}

int hamming(const spaces::SearchSpace& space, ArchCode a, ArchCode b) {
  const auto x = space.decode(a), y = space.decode(b);
  int d = 0;
  for (std::size_t i = 0; i < x.size(); ++i) d += x[i] != y[i];
  return d;
}

// Architectures pairwise at least three edges apart, so that an architecture one edge away from
// one of them is at least two edges away from every other: a child names its parent.
std::vector<ArchCode> far_apart(const spaces::SearchSpace& space, std::size_t count) {
  std::vector<ArchCode> chosen;
  for (ArchCode c = 0; c < space.size() && chosen.size() < count; ++c) {
    bool ok = true;
    for (auto o : chosen) ok = ok && hamming(space, c, o) >= 3;
    if (ok) chosen.push_back(c);
  }
  return chosen;
}

// The index in `members` of the one member one edge away from `child`, or -1.
int parent_of(const spaces::SearchSpace& space, const std::vector<ArchCode>& members,
              ArchCode child) {
  int found = -1;
  for (std::size_t i = 0; i < members.size(); ++i)
    if (hamming(space, child, members[i]) == 1) {
      REQUIRE(found == -1);
      found = static_cast<int>(i);
    }
  return found;
}

// The synthetic objective for TPE: edges that are not nor_conv_3x3 (choice 3); 0 is best.
double edges_not_conv3(ArchCode code) {
  const auto ops = spaces::make_search_space("nb201")->decode(code);
  return static_cast<double>(std::count_if(ops.begin(), ops.end(), [](auto o) { return o != 3; }));
}

}  // namespace

TEST_CASE("The registry knows rs, re, tpe and ls, unknown names list them", "[search]") {
  for (const char* name : {"rs", "re", "tpe", "ls"}) CHECK(strategy_registry().contains(name));
  const auto ctx = nb201_context(1);
  try {
    make_strategy("no-such-strategy", ctx);
    FAIL("an unknown strategy was made");
  } catch (const UnknownNameError& e) {
    for (const auto& name : strategy_names()) CHECK_THAT(e.what(), Catch::Contains(name));
  }
  CHECK_THROWS_AS(make_strategy("rs", StrategyContext{}), std::invalid_argument);
}

TEST_CASE("Every strategy is reproducible from its seed", "[search]") {
  for (const auto& name : strategy_names()) {
    INFO("strategy " << name);
    const auto a = run_serial(name, nb201_context(11), 120);
    CHECK(a == run_serial(name, nb201_context(11), 120));
    CHECK(a != run_serial(name, nb201_context(12), 120));
    const auto b = run_async(name, nb201_context(11), 30);
    CHECK(b == run_async(name, nb201_context(11), 30));
    CHECK(b != run_async(name, nb201_context(12), 30));
  }
}

TEST_CASE("Every strategy proposes its initial design first", "[search]") {
  for (const auto& name : strategy_names()) {
    INFO("strategy " << name);
    {
      // A given design, in order (duplicates included).
      auto ctx = nb201_context(3);
      ctx.initial_design = {5, 15624, 17, 1000, 3, 5};
      const auto asked = run_serial(name, ctx, 10);
      CHECK(std::vector<ArchCode>(asked.begin(), asked.begin() + 6) == ctx.initial_design);
    }
    {
      // Else n_init random ones, asked all at once (pending) or one at a time.
      auto ctx = nb201_context(4);
      ctx.n_init = 7;
      InitialDesign design(ctx);
      std::vector<ArchCode> expected;
      while (!design.exhausted()) expected.push_back(design.next());
      REQUIRE(expected.size() == 7);
      auto strategy = make_strategy(name, ctx);
      std::vector<ArchCode> pending;
      for (int i = 0; i < 7; ++i) pending.push_back(strategy->ask());
      CHECK(pending == expected);
      CHECK(run_serial(name, ctx, 7) == expected);
    }
  }
}

TEST_CASE("Every strategy works with pending asks and on any mixed-radix space", "[search]") {
  for (const auto& name : strategy_names()) {
    INFO("strategy " << name);
    for (bool tiny : {false, true}) {
      auto ctx = nb201_context(5);
      if (tiny) ctx.space = std::make_shared<TinySpace>();
      ctx.n_init = 3;
      for (auto a : run_async(name, ctx, 60)) REQUIRE(a < ctx.space->size());
      for (auto a : run_serial(name, ctx, 300)) REQUIRE(a < ctx.space->size());
      // Nothing told at all: still proposals, never a failure.
      auto strategy = make_strategy(name, ctx);
      for (int i = 0; i < 50; ++i) REQUIRE(strategy->ask() < ctx.space->size());
    }
  }
}

TEST_CASE("RE: children are one-edge mutants of the population, the oldest dies", "[search]") {
  auto ctx = nb201_context(21);
  const auto& space = *ctx.space;
  // The design: B (best of all) told first, then X1..X100 with scores 1..100.
  const auto design = far_apart(space, 101);
  REQUIRE(design.size() == 101);
  ctx.initial_design = design;
  auto re = make_strategy("re", ctx);
  for (auto code : design) REQUIRE(re->ask() == code);
  for (int i = 0; i < 100; ++i) re->tell(design[i], i);

  // Population: B, X1..X99. B is the parent whenever a tournament draws it: 1 - 0.99^10 = 9.6%.
  int children_of_b = 0;
  for (int i = 0; i < 300; ++i) {
    const int parent = parent_of(space, design, re->ask());
    REQUIRE(parent >= 0);
    REQUIRE(parent <= 99);
    children_of_b += parent == 0;
  }
  CHECK(children_of_b >= 10);

  // The 101st result makes B the oldest of 101: it dies although it is the best.
  re->tell(design[100], 100);
  std::map<int, int> parents;
  for (int i = 0; i < 1000; ++i) {
    const int parent = parent_of(space, design, re->ask());
    REQUIRE(parent >= 1);
    ++parents[parent];
  }
  // Tournaments of 10 from 100: the parent is among the best 10 with 1 - 0.9^10 = 65%, the
  // worst member (X100) wins only if all ten draws are X100.
  int best_ten = 0;
  for (auto [parent, n] : parents) best_ten += parent <= 10 ? n : 0;
  CHECK(best_ten > 550);
  CHECK(best_ten < 750);
  CHECK(parents[100] == 0);
}

TEST_CASE("RE: tournaments draw 10 with replacement, even from a small population", "[search]") {
  auto ctx = nb201_context(22);
  const auto& space = *ctx.space;
  const auto design = far_apart(space, 5);
  ctx.initial_design = design;
  auto re = make_strategy("re", ctx);
  for (int i = 0; i < 5; ++i) re->tell(re->ask(), i);
  // The best of five wins unless all ten draws miss it: 1 - 0.8^10 = 89.3%. Without
  // replacement it would always win; with five draws, 67%.
  int best = 0;
  const int n = 2000;
  for (int i = 0; i < n; ++i) best += parent_of(space, design, re->ask()) == 0;
  CHECK(best > 0.85 * n);
  CHECK(best < 0.935 * n);
}

TEST_CASE("RE: with the design pending and nothing told, it proposes random samples", "[search]") {
  auto ctx = nb201_context(23);
  ctx.n_init = 2;
  auto re = make_strategy("re", ctx);
  std::set<ArchCode> seen;
  for (int i = 0; i < 40; ++i) seen.insert(re->ask());
  CHECK(seen.size() > 35);  // not stuck on one architecture
}

TEST_CASE("TPE: hyperopt's good-set size and linear forgetting weights", "[search]") {
  using namespace tpe_detail;
  CHECK(good_set_size(16) == 1);
  CHECK(good_set_size(20) == 2);
  CHECK(good_set_size(150) == 4);
  CHECK(good_set_size(9999) == 25);
  CHECK(good_set_size(100000) == 25);
  for (std::size_t i = 0; i < 25; ++i) CHECK(forgetting_weight(i, 24) == 1.0);
  for (std::size_t i = 0; i < 25; ++i) CHECK(forgetting_weight(i, 25) == 1.0);
  CHECK(forgetting_weight(0, 26) == Approx(1.0 / 26));
  CHECK(forgetting_weight(1, 26) == 1.0);
  // numpy.linspace(1/30, 1, 5) for the oldest five of thirty.
  const double ramp[] = {1.0 / 30, 0.275, 31.0 / 60, 0.7583333333333333, 1.0};
  for (std::size_t i = 0; i < 5; ++i) CHECK(forgetting_weight(i, 30) == Approx(ramp[i]));
  for (std::size_t i = 5; i < 30; ++i) CHECK(forgetting_weight(i, 30) == 1.0);
}

TEST_CASE("TPE: the first 20 proposals are its start-up samples, whatever it is told", "[search]") {
  for (std::uint64_t seed : {1, 2, 3}) {
    const auto ctx = nb201_context(seed);
    const auto told = run_serial("tpe", ctx, 40, edges_not_conv3);
    auto untold = make_strategy("tpe", ctx);  // never told anything: start-up forever
    std::vector<ArchCode> random;
    for (int i = 0; i < 40; ++i) random.push_back(untold->ask());
    CHECK(std::equal(told.begin(), told.begin() + 20, random.begin()));
    CHECK(!std::equal(told.begin() + 20, told.end(), random.begin() + 20));
  }
}

TEST_CASE("TPE beats random search on a simple objective", "[search]") {
  // Mean score of evaluations 51..100 over ten seeds; random search expects 6 * 4/5 = 4.8.
  auto late_mean = [](const std::string& name) {
    double sum = 0;
    int n = 0;
    for (std::uint64_t seed = 1; seed <= 10; ++seed) {
      const auto asked = run_serial(name, nb201_context(seed), 100, edges_not_conv3);
      for (std::size_t i = 50; i < asked.size(); ++i, ++n) sum += edges_not_conv3(asked[i]);
    }
    return sum / n;
  };
  const double tpe = late_mean("tpe"), rs = late_mean("rs");
  INFO("TPE " << tpe << ", RS " << rs);
  CHECK(rs > 4.5);
  CHECK(tpe < rs - 0.8);
}

#ifdef NASRUN_SOURCE_DIR
namespace {
std::string read_text(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string without_blank_lines(const std::string& text) {
  std::istringstream in(text);
  std::string out, line;
  while (std::getline(in, line))
    if (!line.empty()) out += line + '\n';
  return out;
}
}  // namespace

TEST_CASE("docs/adding-a-strategy.md quotes all of local_search.cpp, verbatim", "[search][docs]") {
  const std::string root = NASRUN_SOURCE_DIR;
  const auto doc = read_text(root + "/docs/adding-a-strategy.md");
  const auto source = read_text(root + "/src/search/local_search.cpp");
  std::string quoted;
  const std::string open = "```cpp\n", close = "```\n";
  for (auto at = doc.find(open); at != std::string::npos; at = doc.find(open, at)) {
    at += open.size();
    const auto end = doc.find(close, at);
    REQUIRE(end != std::string::npos);
    const auto block = doc.substr(at, end - at);
    INFO("block:\n" << block);
    CHECK(source.find(block) != std::string::npos);
    quoted += block;
    at = end + close.size();
  }
  // The blocks, in order, are the whole file but for blank lines.
  CHECK(without_blank_lines(quoted) == without_blank_lines(source));
}
#endif
