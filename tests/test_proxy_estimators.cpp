// Zero-cost proxies in a tabular benchmark: stored per row and seed with their seconds, read by
// the estimators named after them at 0 epochs, charged those seconds. Files without proxies
// read and write as before. (Tabulating them: test_tabulation.cpp.)
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "bench/benchmark_builder.hpp"
#include "evaluators/evaluator.hpp"
#include "evaluators/tabular_source.hpp"
#include "test_support.hpp"

using namespace nasrun;
using bench::Proxy;

namespace {

// The proxy value of (arch, seed slot) in with_proxies(): distinct for every proxy, and
// negative for some (as logarithms are).
double proxy_value(Proxy p, std::size_t arch, int slot) {
  return (static_cast<double>(p) - 3) * 10 + static_cast<double>(arch) + 0.5 * slot;
}
double proxy_seconds(Proxy p) { return 0.001 * (1 + static_cast<double>(p)); }

// small_builder()'s benchmark with every proxy of every training it holds.
bench::BenchmarkBuilder with_proxies() {
  auto b = testing::small_builder();
  auto& t = b.tables().at(0);
  for (std::size_t a = 0; a < 5; ++a)
    for (int s = 0; s < 2; ++s)
      if (t.is_present(a, s))
        for (auto p : bench::all_proxies()) t.set_proxy(p, a, s, proxy_value(p, a, s), proxy_seconds(p));
  return b;
}

}  // namespace

TEST_CASE("Proxies are stored per row and seed with their seconds, and read back", "[proxies]") {
  const auto bm = with_proxies().build();
  const auto& t = bm.tables().at(0);
  for (auto p : bench::all_proxies()) {
    REQUIRE(t.has_proxy(p));
    CHECK(t.proxy(p, 3, {1}) == proxy_value(p, 3, 1));
    CHECK(t.proxy_time(p, 3, {0}) == proxy_seconds(p));
    // The mean over the seeds present; architecture 0 has seed slot 0 only.
    CHECK(t.proxy(p, 3, {}) == (proxy_value(p, 3, 0) + proxy_value(p, 3, 1)) / 2);
    CHECK(t.proxy(p, 0, {}) == proxy_value(p, 0, 0));
    CHECK(std::isnan(t.proxy(p, 0, {1})));
    CHECK(std::isnan(t.proxy(p, 5, {})));  // no results
  }
  CHECK(bench::parse_proxy("grad_norm") == Proxy::GradNorm);
  CHECK_THROWS_WITH(bench::parse_proxy("synflo"),
                    Catch::Contains("unknown proxy 'synflo'") && Catch::Contains("synflow"));
}

TEST_CASE("A benchmark without proxies is written as before they existed", "[proxies]") {
  const auto bytes = testing::small_builder().serialize();
  const auto parts = testing::split_file(bytes);
  CHECK_FALSE(parts.header["tables"][0].contains("proxies"));
  const auto bm = bench::Benchmark::from_bytes(common::own_bytes(bytes), "old");
  for (auto p : bench::all_proxies()) CHECK_FALSE(bm.tables().at(0).has_proxy(p));
  const auto with = testing::split_file(with_proxies().serialize());
  CHECK(with.header["tables"][0]["proxies"].size() == bench::kNumProxies);
}

TEST_CASE("The builder and the reader refuse impossible proxy values, naming them", "[proxies]") {
  auto b = testing::small_builder();
  auto& t = b.tables().at(0);
  CHECK_THROWS_WITH(t.set_proxy(Proxy::Zen, 1, 0, INFINITY, 0.1),
                    Catch::Contains("proxy zen value") && Catch::Contains("architecture index 1"));
  CHECK_THROWS_WITH(t.set_proxy(Proxy::Snip, 1, 0, 1.0, 0.0),
                    Catch::Contains("proxy snip time_s") && Catch::Contains("(0, inf)"));
  CHECK_NOTHROW(t.set_proxy(Proxy::Snip, 1, 0, -5.0, NAN));  // unknown time, negative value
  // log 0: the network's output ignores its input.
  CHECK_NOTHROW(t.set_proxy(Proxy::Nwot, 1, 0, -INFINITY, 0.1));

  testing::TempDir dir("proxy-format");
  auto parts = testing::split_file(with_proxies().serialize());
  testing::check_damage(
      parts, dir.file("bad.nasbench"),
      {{"an infinite value",
        [](testing::Parts& p) {
          const auto at = testing::offset_of(p.header["tables"][0]["proxies"]["nwot"]["value"]);
          const double inf = INFINITY;
          std::memcpy(&p.data[at], &inf, sizeof inf);
        },
        {"proxy nwot value", "outside the accepted range"}},
       {"a negative time",
        [](testing::Parts& p) {
          const auto at = testing::offset_of(p.header["tables"][0]["proxies"]["fisher"]["time_s"]);
          const double minus = -1;
          std::memcpy(&p.data[at + 8], &minus, sizeof minus);
        },
        {"proxy fisher time_s", "(0, inf)"}},
       {"an unknown proxy",
        [](testing::Parts& p) {
          auto& proxies = p.header["tables"][0]["proxies"];
          proxies["synflux"] = proxies["synflow"];
        },
        {"unknown proxy 'synflux'"}}});
}

TEST_CASE("A proxy estimator scores -proxy at 0 epochs and is charged the proxy's seconds",
          "[proxies][estimators]") {
  const auto bm = std::make_shared<const bench::Benchmark>(with_proxies().build());
  for (auto p : bench::all_proxies()) {
    const auto name = bench::proxy_name(p);
    INFO(name);
    auto estimator = evaluators::make_estimator(name, {});
    CHECK(estimator->epochs_needed(4) == 0);
    CHECK_FALSE(evaluators::scores_any_epoch(name, 4));  // no rungs: it trains nothing
    auto source = std::make_shared<evaluators::TabularCurveSource>(
        bm, "toy", "", evaluators::TabularPolicy{bench::SeedPolicy::fixed(2)});
    evaluators::Evaluator evaluator(std::move(estimator), source);
    CHECK(evaluator.epochs_per_evaluation() == 0);
    common::Rng rng(0);
    const auto e = evaluator.evaluate(bm->code(3), rng);
    CHECK(e.score == -proxy_value(p, 3, 1));
    CHECK(e.cost_s == proxy_seconds(p));
    CHECK(e.epochs == 0);
    CHECK(e.truth.test_error == Approx(100 - 63.5));
  }
}

TEST_CASE("A proxy estimator over a table without proxies is refused before it runs",
          "[proxies][estimators]") {
  const auto bm = std::make_shared<const bench::Benchmark>(testing::small_builder().build());
  auto source = std::make_shared<evaluators::TabularCurveSource>(bm, "toy", "");
  CHECK_THROWS_MATCHES(
      evaluators::Evaluator(evaluators::make_estimator("synflow", {}), source),
      bench::MissingDataError,
      Catch::Matchers::Message("table toy@4 has no proxy synflow (nas-bench tabulate --proxies "
                               "computes them)"));
}

TEST_CASE("An evaluator's warm-up proxy scores warm-up jobs and one that trains is refused",
          "[proxies][estimators][warmup]") {
  const auto bm = std::make_shared<const bench::Benchmark>(with_proxies().build());
  auto source = std::make_shared<evaluators::TabularCurveSource>(
      bm, "toy", "", evaluators::TabularPolicy{bench::SeedPolicy::fixed(2)});
  evaluators::EstimatorOptions options;
  options.T = 2;
  auto proxy = [&](const std::string& name) {
    return std::make_unique<evaluators::Evaluator>(evaluators::make_estimator(name, options),
                                                   source);
  };
  evaluators::Evaluator warmed(evaluators::make_estimator("sotle", options), source, {}, {},
                               proxy("zico"));
  common::Rng rng(0);
  const auto e = warmed.evaluate_warmup(bm->code(3), rng);
  CHECK(e.score == -proxy_value(Proxy::Zico, 3, 1));
  CHECK(e.cost_s == proxy_seconds(Proxy::Zico));
  CHECK(e.epochs == 0);
  CHECK(warmed.epochs_per_evaluation() == 2);  // its own estimator unchanged

  evaluators::Evaluator plain(evaluators::make_estimator("sotle", options), source);
  CHECK_THROWS_WITH(plain.evaluate_warmup(bm->code(3), rng),
                    "this evaluator has no warm-up proxy");
  CHECK_THROWS_WITH(evaluators::Evaluator(evaluators::make_estimator("sotle", options), source,
                                          {}, {}, proxy("val-early")),
                    "a warm-up is scored by a zero-cost proxy, which trains nothing; this one "
                    "trains 2 epochs");
}
