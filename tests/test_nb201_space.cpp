#include <catch2/catch.hpp>
#include <set>

#include "common/random.hpp"
#include "spaces/nb201.hpp"

using namespace nasrun::spaces;

TEST_CASE("NB201 strings round-trip for all 15,625 cells", "[spaces]") {
  const auto space = make_search_space("nb201");
  REQUIRE(space->size() == 15625);
  std::set<std::string> seen;
  for (ArchCode c = 0; c < space->size(); ++c) {
    const auto s = space->to_string(c);
    REQUIRE(space->parse(s) == c);
    seen.insert(s);
  }
  CHECK(seen.size() == 15625);
}

TEST_CASE("NB201 prints the official string form", "[spaces]") {
  const auto space = make_search_space("nb201");
  const std::string s =
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
  const auto code = space->parse(s);
  CHECK(space->to_string(code) == s);
  const auto ops = space->decode(code);
  CHECK(ops == Choices{3, 3, 4, 1, 3, 1});
}

TEST_CASE("NB201 malformed strings say where and what was expected", "[spaces]") {
  const auto space = make_search_space("nb201");
  auto message = [&](const std::string& s) {
    try {
      space->parse(s);
    } catch (const ArchParseError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(message(""), Catch::Contains("character 0") && Catch::Contains("'|'"));
  CHECK_THAT(message("|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|"),
             Catch::Contains("character 1") && Catch::Contains("an operation"));
  CHECK_THAT(message("|none~1|+|none~0|none~1|+|none~0|none~1|none~2|"),
             Catch::Contains("character 6") && Catch::Contains("'0'"));
  CHECK_THAT(message("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|x"),
             Catch::Contains("end of text"));
  CHECK_THAT(message("|none~0|+|none~0|none~1|+|none~0|none~1|"), Catch::Contains("end of text"));
}

TEST_CASE("NB201 has exactly 6,466 isomorphism classes", "[spaces]") {
  const auto space = make_search_space("nb201");
  const auto reps = space->class_representatives();
  CHECK(reps.size() == 6466);
  for (auto r : reps) REQUIRE(space->class_of(r) == r);
  // A cell whose output does not depend on node 1 through 2 shares a class with the cells that
  // differ only on edges that cannot reach the output.
  const auto a = space->parse("|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|");
  const auto b = space->parse("|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|");
  CHECK(space->class_of(a) == space->class_of(b));
  const auto c = space->parse("|avg_pool_3x3~0|+|none~0|none~1|+|skip_connect~0|skip_connect~1|none~2|");
  CHECK(space->class_of(a) != space->class_of(c));
}

TEST_CASE("Mutation changes exactly one edge, neighbours are the one-edge changes", "[spaces]") {
  const auto space = make_search_space("nb201");
  Rng rng(42);
  for (int i = 0; i < 20000; ++i) {
    const auto a = space->sample(rng);
    const auto b = space->mutate(a, rng);
    const auto x = space->decode(a), y = space->decode(b);
    int diff = 0;
    for (std::size_t d = 0; d < x.size(); ++d) diff += x[d] != y[d];
    REQUIRE(diff == 1);
  }
  const auto n = space->neighbours(1234);
  CHECK(n.size() == 24);
  for (auto m : n) {
    const auto x = space->decode(1234), y = space->decode(m);
    int diff = 0;
    for (std::size_t d = 0; d < x.size(); ++d) diff += x[d] != y[d];
    REQUIRE(diff == 1);
  }
}

TEST_CASE("Sampling is driven by the generator alone and covers the space", "[spaces]") {
  const auto space = make_search_space("nb201");
  Rng a(7), b(7);
  std::set<ArchCode> seen;
  for (int i = 0; i < 200000; ++i) {
    const auto x = space->sample(a);
    REQUIRE(x == space->sample(b));
    seen.insert(x);
  }
  CHECK(seen.size() > 15500);
}

TEST_CASE("Unknown space names list the known ones", "[spaces]") {
  CHECK_THROWS_WITH(make_search_space("nb101"), Catch::Contains("expected one of: ") &&
                                                   Catch::Contains("nats-sss") &&
                                                   Catch::Contains("nb201"));
}
