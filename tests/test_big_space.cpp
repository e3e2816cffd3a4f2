// A second search space, defined and registered here and nowhere else: 10^12 architectures
// (far too many to list), with choice counts from 1 to 1000 per dimension, searched over a synthetic
// curve source (synthetic_curves.hpp). It proves that a space is files of its
// own (here, this one), that the strategies, the benchmark index and the studies need nothing
// proportional to the space, and that what does need every architecture says so.
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "bench/nats_importer.hpp"
#include "evaluators/curve_source.hpp"
#include "run/training_cost.hpp"
#include "search/strategy.hpp"
#include "spaces/search_space_registry.hpp"
#include "study/study.hpp"
#include "tabulate/tabulation.hpp"
#include "synthetic_curves.hpp"
#include "test_support.hpp"

using namespace nasrun;
using spaces::ArchCode;

namespace {

// Choices per dimension: 1000 * 2 * 10 * 1000 * 5 * 1 * 10^4 = 10^12 architectures. Dimension 5
// has a single choice, so mutation and neighbours must skip it.
constexpr std::array<std::size_t, 10> kChoices = {1000, 2, 10, 1000, 5, 1, 10, 10, 10, 10};
constexpr std::uint64_t kSize = 1000000000000ULL;
// The best architecture of the synthetic curves; choices above 255 in the 1000-choice dimensions.
const spaces::Choices kTarget = {700, 1, 7, 999, 2, 0, 3, 9, 0, 5};

class BigSpace : public spaces::SearchSpace {
 public:
  std::string name() const override { return "test-big"; }
  std::size_t num_dimensions() const override { return kChoices.size(); }
  std::size_t num_choices(std::size_t dim) const override { return kChoices.at(dim); }
  std::string dimension_name(std::size_t dim) const override { return "d" + std::to_string(dim); }
  std::string choice_name(std::size_t, std::size_t choice) const override {
    return "c" + std::to_string(choice);
  }
  // The choices, dimension 0 first, joined by '-': "700-1-7-999-2-0-3-9-0-5".
  std::string to_string(ArchCode code) const override {
    std::string out;
    for (auto c : decode(code)) out += (out.empty() ? "" : "-") + std::to_string(c);
    return out;
  }
  ArchCode parse(std::string_view text) const override {
    spaces::Choices choices;
    std::size_t pos = 0;
    while (choices.size() < num_dimensions()) {
      const std::size_t start = pos;
      std::uint32_t value = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && pos - start < 4)
        value = value * 10 + static_cast<std::uint32_t>(text[pos++] - '0');
      const bool last = choices.size() + 1 == num_dimensions();
      if (pos == start || value >= num_choices(choices.size()) ||
          (last ? pos != text.size() : pos >= text.size() || text[pos] != '-'))
        throw spaces::ArchParseError("test-big architecture '" + std::string(text) +
                                     "': expected " + std::to_string(num_dimensions()) +
                                     " choices joined by '-', choice " +
                                     std::to_string(choices.size()) + " below " +
                                     std::to_string(num_choices(choices.size())) +
                                     ", at character " + std::to_string(pos));
      choices.push_back(value);
      ++pos;
    }
    return encode(choices);
  }
};

const Registration<spaces::search_space_registry> kRegistration{
    "test-big", "test only: 10 dimensions of 1 to 1000 choices, 10^12 architectures",
    [] { return std::make_shared<BigSpace>(); }};

std::shared_ptr<const spaces::SearchSpace> big() { return spaces::make_search_space("test-big"); }

int dimensions_apart(const spaces::SearchSpace& space, ArchCode a, ArchCode b) {
  const auto x = space.decode(a), y = space.decode(b);
  int n = 0;
  for (std::size_t d = 0; d < x.size(); ++d) n += x[d] != y[d];
  return n;
}

experiment::StudyConfig short_study() {
  experiment::StudyConfig c;
  c.strategies = {"rs", "re", "tpe", "ls"};
  c.evaluators = {"sotle"};
  c.seeds = 2;
  c.estimator.T = 5;
  c.budget.budget_s = 20000;  // 5 epochs of 10 to 15 s: about 300 evaluations a run
  c.threads = 2;
  return c;
}

}  // namespace

TEST_CASE("A space too large to list: codes, choices above 255, mutation and neighbours", "[spaces]") {
  const auto space = big();
  REQUIRE(space->size() == kSize);
  common::Rng rng(7);
  for (int i = 0; i < 2000; ++i) {
    const auto a = space->sample(rng);
    REQUIRE(a < kSize);
    REQUIRE(space->encode(space->decode(a)) == a);
    REQUIRE(space->parse(space->to_string(a)) == a);
    const auto b = space->mutate(a, rng);
    REQUIRE(dimensions_apart(*space, a, b) == 1);
    REQUIRE(space->decode(b)[5] == 0);
  }
  const auto target = space->encode(kTarget);
  CHECK(space->decode(target) == kTarget);
  CHECK(space->to_string(target) == "700-1-7-999-2-0-3-9-0-5");
  const auto n = space->neighbours(target);
  CHECK(n.size() == 999 + 1 + 9 + 999 + 4 + 0 + 9 * 4);
  for (auto m : n) REQUIRE(dimensions_apart(*space, target, m) == 1);
  CHECK(std::set<ArchCode>(n.begin(), n.end()).size() == n.size());
  // The default features: how many dimensions choose each choice name (c0 .. c999).
  const auto features = space->features(target);
  CHECK(space->feature_names().size() == 1000);
  CHECK(features.size() == 1000);
  CHECK(features[0] == 2);  // dimensions 5 and 8 choose c0
  CHECK(features[999] == 1);
  CHECK(std::accumulate(features.begin(), features.end(), 0.0) == kChoices.size());
}

TEST_CASE("What needs every architecture refuses a space too large to list, naming it", "[spaces]") {
  const auto space = big();
  auto refusal = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const spaces::SpaceTooLargeError& e) {
      return std::string(e.what());
    } catch (const std::exception& e) {
      return std::string("other exception: ") + e.what();
    }
    return std::string("no error");
  };
  // The refusal names the space, its size and what needed every architecture.
  const auto names_space = Catch::Contains("space 'test-big', which holds 1000000000000");
  CHECK_THAT(refusal([&] { space->class_representatives(); }),
             names_space && Catch::Contains("isomorphism classes"));
  for (const std::string spec : {"all", "classes", "sample:3"})
    CHECK_THAT(refusal([&] { experiment::select_archs(spec, *space, 0); }),
               names_space && Catch::Contains("--archs " + spec));

  auto source = std::make_shared<testing::SyntheticCurves>(space, kTarget);
  evaluators::Evaluator full(evaluators::make_estimator("val-final", {}), source);
  CHECK_THAT(refusal([&] { experiment::median_evaluation_cost(full, *space); }),
             names_space && Catch::Contains("median full-training cost"));

  // A tabulation writes a benchmark of every architecture: refused before anything is written.
  testing::TempDir dir("big-space-tabulate");
  experiment::TabulationConfig config;
  config.source_options.space = space;
  config.archs = {1, 2};
  config.out = dir.file("big.nasbench");
  CHECK_THAT(refusal([&] { experiment::tabulate(config); }),
             names_space && Catch::Contains("tabulation"));
  CHECK(std::filesystem::is_empty(dir.path()));
}

TEST_CASE("A benchmark may list a few architectures of a space too large to list", "[bench]") {
  const auto space = big();
  const std::vector<ArchCode> codes = {kSize - 1, 0, space->encode(kTarget), 123456789012ULL};
  bench::BenchmarkBuilder builder("test-big", codes);
  auto& t = builder.add_table("toy", "2", 2, {1, 2}, {0}, bench::Metric::TestAcc);
  for (std::size_t a = 0; a < codes.size(); ++a)
    for (int e : {1, 2}) t.set(bench::Metric::TestAcc, a, 0, e, 50.0 + static_cast<double>(a));
  const auto b = builder.build();
  CHECK(&b.space() == space.get());
  for (std::size_t i = 0; i < codes.size(); ++i) CHECK(b.index_of(codes[i]) == i);
  CHECK_THROWS_AS(b.index_of(1), bench::MissingDataError);
  CHECK_THROWS_AS(b.index_of(kSize), bench::MissingDataError);
  CHECK(b.coverage(b.table("toy")).to_string() ==
        "results for 4 of the space's 1000000000000 architectures");
}

TEST_CASE("The code index finds what it holds in a list that covers little of its space", "[bench]") {
  // Codes that differ only in their high bits, and codes at the top of the space.
  std::vector<ArchCode> codes;
  for (ArchCode k = 0; k < 2000; ++k) codes.push_back(k << 20);
  for (ArchCode k = 0; k < 1000; ++k) codes.push_back(kSize - 1 - 3 * k);
  bench::CodeIndex index(codes.size(), kSize);
  for (std::size_t i = 0; i < codes.size(); ++i) REQUIRE(index.insert(codes[i], i));
  CHECK_FALSE(index.insert(codes[7], 0));
  for (std::size_t i = 0; i < codes.size(); ++i) REQUIRE(index.find(codes[i]) == std::int64_t(i));
  for (ArchCode absent : {ArchCode{1}, (ArchCode{1} << 20) + 1, kSize - 2, kSize, ~ArchCode{0}})
    CHECK(index.find(absent) == -1);
}

TEST_CASE("RS, RE, TPE and LS run studies on a space too large to list, reproducibly", "[search]") {
  const auto space = big();
  auto source = std::make_shared<testing::SyntheticCurves>(space, kTarget);
  const experiment::EvaluatorMaker maker = [source](const std::string& name,
                                                    const evaluators::EstimatorOptions& o) {
    return std::make_unique<evaluators::Evaluator>(evaluators::make_estimator(name, o), source);
  };
  const auto config = short_study();
  const auto first = experiment::run_study(config, space, maker);
  const auto again = experiment::run_study(config, space, maker);
  REQUIRE(first.size() == 8);
  REQUIRE(again.size() == first.size());
  auto other_seed = config;
  other_seed.base_seed = 1;
  const auto other = experiment::run_study(other_seed, space, maker);
  for (std::size_t r = 0; r < first.size(); ++r) {
    INFO(first[r].strategy << " run " << first[r].run);
    const auto& rows = first[r].trace.rows;
    REQUIRE(rows.size() > 200);
    REQUIRE(again[r].trace.rows.size() == rows.size());
    for (std::size_t k = 0; k < rows.size(); ++k) {
      REQUIRE(rows[k].arch < kSize);
      REQUIRE(again[r].trace.rows[k].arch == rows[k].arch);
      REQUIRE(again[r].trace.rows[k].score == rows[k].score);
    }
    CHECK(other[r].trace.rows[config.n_init].arch != rows[config.n_init].arch);
    // Every strategy ends better than the best of its 10 random initial architectures.
    double initial_best = INFINITY;
    for (std::size_t k = 0; k < config.n_init; ++k)
      initial_best = std::min(initial_best, rows[k].test_error);
    CHECK(rows.back().incumbent_test_error < initial_best);
  }
}

TEST_CASE("TPE models choices above 255", "[search]") {
  // Two results with choice 999 of dimension 3 are the good set; 23 worse ones use choices 0..22
  // there. Among 1000 choices, 999 alone then has a high l/g, so it is the choice TPE proposes
  // most for that dimension (a model that kept choices in 8 bits would count it as 999 % 256).
  search::StrategyContext ctx;
  ctx.space = big();
  ctx.seed = 3;
  ctx.initial_design = {0};
  auto tpe = search::make_strategy("tpe", ctx);
  tpe->ask();
  auto with_dim3 = [&](std::uint32_t choice, std::uint32_t dim0) {
    spaces::Choices c(kChoices.size(), 0);
    c[0] = dim0;
    c[3] = choice;
    return ctx.space->encode(c);
  };
  tpe->tell(with_dim3(999, 0), 0.0);
  tpe->tell(with_dim3(999, 1), 0.0);
  for (std::uint32_t k = 0; k < 23; ++k) tpe->tell(with_dim3(k, k), 1.0);
  std::map<std::uint32_t, int> proposed;
  for (int i = 0; i < 300; ++i) ++proposed[ctx.space->decode(tpe->ask())[3]];
  const auto most = std::max_element(proposed.begin(), proposed.end(),
                                     [](const auto& a, const auto& b) { return a.second < b.second; });
  CHECK(most->first == 999);
}

TEST_CASE("The NB201 importers refuse a space of another shape, naming it", "[bench]") {
  CHECK_THAT(testing::error_of([] { bench::import_nb201_csv(big(), {"unread.csv"}); }),
             Catch::Contains("'test-big'") && Catch::Contains("NAS-Bench-201"));
  CHECK_THAT(testing::error_of([] { bench::import_nats_archive(big(), "unread"); }),
             Catch::Contains("'test-big'") && Catch::Contains("NAS-Bench-201"));
}

TEST_CASE("A space of more than 2^64 architectures is refused, naming it", "[spaces]") {
  struct Huge : BigSpace {
    std::string name() const override { return "test-huge"; }
    std::size_t num_dimensions() const override { return 20; }
    std::size_t num_choices(std::size_t) const override { return 10; }
  };
  CHECK_THAT(testing::error_of([] { Huge().size(); }),
             Catch::Contains("'test-huge'") && Catch::Contains("2^64"));
}
