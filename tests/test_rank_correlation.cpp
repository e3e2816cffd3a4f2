// The rank-correlation study: Spearman and Kendall against hand-computed values (ties included),
// the study on the toy benchmark against independently computed correlations, LcSVR's data
// split and predictions, and nas-rank as a user runs it.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "analysis/lcsvr.hpp"
#include "analysis/rank_correlation.hpp"
#include "analysis/rank_study.hpp"
#include "common/file_io.hpp"
#include "common/random.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::experiment;

namespace {

const double kNaN = std::nan("");

// O(n^2) tau-b straight from its definition, to check the O(n log n) one.
double brute_kendall(const std::vector<double>& x, const std::vector<double>& y) {
  double c = 0, d = 0, tx = 0, ty = 0, n0 = 0;
  for (std::size_t i = 0; i < x.size(); ++i)
    for (std::size_t j = i + 1; j < x.size(); ++j) {
      n0 += 1;
      const double sx = (x[j] > x[i]) - (x[j] < x[i]), sy = (y[j] > y[i]) - (y[j] < y[i]);
      if (sx == 0) tx += 1;
      if (sy == 0) ty += 1;
      if (sx * sy > 0) c += 1;
      if (sx * sy < 0) d += 1;
    }
  return (c - d) / std::sqrt((n0 - tx) * (n0 - ty));
}

// Average ranks by counting (rank = 1 + #smaller + #equal-others / 2), and Pearson on them.
double brute_spearman(const std::vector<double>& x, const std::vector<double>& y) {
  auto ranks = [](const std::vector<double>& v) {
    std::vector<double> r(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      double less = 0, equal = 0;
      for (std::size_t j = 0; j < v.size(); ++j) {
        less += v[j] < v[i];
        equal += j != i && v[j] == v[i];
      }
      r[i] = 1 + less + equal / 2;
    }
    return r;
  };
  const auto a = ranks(x), b = ranks(y);
  const double n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ma += a[i] / n, mb += b[i] / n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

}  // namespace

TEST_CASE("Average ranks share tied positions", "[rank]") {
  const auto r = average_ranks({10, 20, 20, 30});
  CHECK(r == std::vector<double>{1, 2.5, 2.5, 4});
  const auto s = average_ranks({3, kNaN, 1, 3, 3});
  CHECK(s[0] == 3);  // 3, 3, 3 take ranks 2, 3, 4
  CHECK(std::isnan(s[1]));
  CHECK(s[2] == 1);
  CHECK(s[3] == 3);
  CHECK(s[4] == 3);
}

TEST_CASE("Spearman and Kendall against hand-computed values with ties", "[rank]") {
  SECTION("ties in each sample, none joint") {
    // Ranks x {1, 2.5, 2.5, 4, 5}, y {2, 1, 3.5, 3.5, 5}: sum dx*dy = 7.25, sum dx^2 = sum dy^2
    // = 9.5, rho = 7.25 / 9.5. Pairs: 7 concordant, 1 discordant, 1 tied in x, 1 tied in y of
    // 10: tau-b = (7 - 1) / sqrt(9 * 9) = 2/3.
    const std::vector<double> x{1, 2, 2, 3, 4}, y{2, 1, 3, 3, 5};
    CHECK(spearman(x, y) == Approx(7.25 / 9.5).epsilon(1e-12));
    CHECK(kendall_tau_b(x, y) == Approx(2.0 / 3.0).epsilon(1e-12));
    const auto c = rank_correlation(x, y);
    CHECK(c.n == 5);
    CHECK(c.spearman == Approx(7.25 / 9.5).epsilon(1e-12));
    CHECK(c.kendall == Approx(2.0 / 3.0).epsilon(1e-12));
  }
  SECTION("a pair tied in both samples") {
    // Ranks x {1.5, 1.5, 3, 5, 5, 5}, y {2, 2, 4.5, 4.5, 6, 2}: rho = 8.5 / 15. Of 15 pairs: 7
    // concordant, 1 discordant, 4 tied in x, 4 tied in y (one of them in both): tau-b = 6 / 11.
    const std::vector<double> x{1, 1, 2, 3, 3, 3}, y{1, 1, 2, 2, 3, 1};
    CHECK(spearman(x, y) == Approx(8.5 / 15).epsilon(1e-12));
    CHECK(kendall_tau_b(x, y) == Approx(6.0 / 11.0).epsilon(1e-12));
  }
  SECTION("perfect agreement and disagreement") {
    const std::vector<double> x{1, 2, 3, 4, 5}, up{10, 20, 30, 40, 50}, down{5, 4, 3, 2, 1};
    CHECK(spearman(x, up) == Approx(1.0));
    CHECK(kendall_tau_b(x, up) == Approx(1.0));
    CHECK(spearman(x, down) == Approx(-1.0));
    CHECK(kendall_tau_b(x, down) == Approx(-1.0));
    // Monotone, not linear: still 1.
    CHECK(spearman(x, {1, 8, 27, 64, 125}) == Approx(1.0));
    // Infinities are extreme values, not missing ones.
    CHECK(spearman({-INFINITY, 1, 2, INFINITY}, {1, 2, 3, 4}) == Approx(1.0));
  }
  SECTION("NaN pairs are left out") {
    // The first section's samples with a NaN x and a NaN y inserted.
    const std::vector<double> x{1, kNaN, 2, 2, 3, 4, 7}, y{2, 5, 1, 3, 3, 5, kNaN};
    const auto c = rank_correlation(x, y);
    CHECK(c.n == 5);
    CHECK(c.spearman == Approx(7.25 / 9.5).epsilon(1e-12));
    CHECK(c.kendall == Approx(2.0 / 3.0).epsilon(1e-12));
  }
  SECTION("undefined cases") {
    CHECK(std::isnan(spearman({1, 1, 1}, {1, 2, 3})));
    CHECK(std::isnan(kendall_tau_b({1, 1, 1}, {1, 2, 3})));
    CHECK(std::isnan(spearman({1}, {2})));
    CHECK(std::isnan(kendall_tau_b({}, {})));
    CHECK(rank_correlation({kNaN, 1}, {1, kNaN}).n == 0);
    CHECK_THROWS_AS(spearman({1, 2}, {1}), std::invalid_argument);
  }
}

TEST_CASE("O(n log n) Kendall and Spearman equal the definitions on tie-heavy data", "[rank]") {
  common::Rng rng(42);
  for (int round = 0; round < 20; ++round) {
    const std::size_t n = 2 + common::uniform_below(rng, 300);
    const std::uint64_t levels = 1 + common::uniform_below(rng, 12);
    std::vector<double> x(n), y(n);
    for (std::size_t i = 0; i < n; ++i) {
      x[i] = static_cast<double>(common::uniform_below(rng, levels));
      y[i] = static_cast<double>(common::uniform_below(rng, levels)) + (round % 2 ? x[i] : 0);
    }
    const double bk = brute_kendall(x, y), bs = brute_spearman(x, y);
    if (std::isnan(bk)) {
      CHECK(std::isnan(kendall_tau_b(x, y)));
    } else {
      CHECK(kendall_tau_b(x, y) == Approx(bk).margin(1e-12));
      CHECK(spearman(x, y) == Approx(bs).margin(1e-12));
    }
  }
}

namespace {

std::shared_ptr<const bench::Benchmark> toy() {
  static auto b = std::make_shared<const bench::Benchmark>(testing::toy_builder().build());
  return b;
}

// The toy's values under the mean seed policy (seed 2 of code 0 is missing): train loss
// (c % 97 + 1) / t + mean slot, valid loss twice that, valid acc 50 + c % 41 + t, final test
// accuracy 60 + c % 31 + mean slot.
double toy_mean_slot(std::size_t c) { return c == 0 ? 0.0 : 0.5; }
double toy_train_loss(std::size_t c, int t) {
  return static_cast<double>(c % 97 + 1) / t + toy_mean_slot(c);
}
double toy_truth(std::size_t c) { return 60.0 + static_cast<double>(c % 31) + toy_mean_slot(c); }

const RankRow* find_row(const RankStudyResult& r, int T, const std::string& label) {
  for (const auto& row : r.rows)
    if (row.T == T && row.estimator == label) return &row;
  return nullptr;
}

}  // namespace

TEST_CASE("Rank study on the toy benchmark equals correlations computed from its closed form", "[rank]") {
  RankStudyConfig config;
  config.dataset = "toy";
  config.estimators = parse_rank_estimators(
      {"sotle", "sotl", "sovl-e-E2", "val-early", "tse-ema", "test-loss", "sotl+val-early"},
      {1, 3});
  config.sample = 2000;
  config.seed = 11;
  const auto r = run_rank_study(toy(), config);
  CHECK(r.T_end == 10);
  CHECK(r.T_values == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  CHECK(r.truth_metric == "test_acc");
  REQUIRE(r.archs.size() == 2000);
  CHECK(std::set<std::size_t>(r.archs.begin(), r.archs.end()).size() == 2000);
  CHECK(std::is_sorted(r.archs.begin(), r.archs.end()));

  std::vector<double> truth;
  for (auto c : r.archs) truth.push_back(toy_truth(c));
  for (int T = 1; T <= 10; ++T) {
    // The negated scores, computed here from the closed form.
    std::vector<double> sotle1, sotle3, sotl, sovle2, val, ema;
    for (auto c : r.archs) {
      double s1 = toy_train_loss(c, T), s3 = 0, all = 0, v2 = 0, e = 0;
      for (int t = 1; t <= T; ++t) {
        all += toy_train_loss(c, t);
        if (t > T - 3) s3 += toy_train_loss(c, t);
        if (t > T - 2) v2 += 2 * toy_train_loss(c, t);
        // TSE-EMA (rubinxin/TSE): the moving average's value, the newest epoch weighted 0.9.
        e = t == 1 ? toy_train_loss(c, t) : 0.1 * e + 0.9 * toy_train_loss(c, t);
      }
      sotle1.push_back(-s1);
      sotle3.push_back(-s3);
      sotl.push_back(-all);
      sovle2.push_back(-v2);
      val.push_back(50.0 + static_cast<double>(c % 41) + T);
      ema.push_back(-e);
    }
    // The toy's epoch t trains for 10 + t seconds and validates for 1: what an evaluator is
    // charged for T epochs and the validation passes the estimator reads.
    const double training = 10.0 * T + T * (T + 1) / 2.0;
    auto check = [&](const std::string& label, const std::vector<double>& x, int validations) {
      INFO(label << " at T=" << T);
      const auto* row = find_row(r, T, label);
      REQUIRE(row);
      CHECK(row->n == 2000);
      CHECK(row->spearman == Approx(spearman(x, truth)).margin(1e-9));
      CHECK(row->kendall == Approx(kendall_tau_b(x, truth)).margin(1e-9));
      CHECK(row->median_cost_s == training + validations);
    };
    check("sotle-E1", sotle1, 0);
    check("sotl", sotl, 0);
    check("val-early", val, 1);
    check("tse-ema", ema, 0);
    if (T >= 3) check("sotle-E3", sotle3, 0);
    if (T >= 2) check("sovl-e-E2", sovle2, 2);
    // The hybrid: the mean of the two ranks, each scaled to 0..1; one training shared, with
    // val-early's validation pass.
    std::vector<double> hybrid;
    const auto by_sotl = average_ranks(sotl), by_val = average_ranks(val);
    for (std::size_t i = 0; i < by_sotl.size(); ++i)
      hybrid.push_back(((by_sotl[i] - 1) / 1999 + (by_val[i] - 1) / 1999) / 2);
    check("sotl+val-early", hybrid, 1);
    // A window longer than T is skipped, with the estimator's own reason.
    if (T < 3) CHECK_FALSE(find_row(r, T, "sotle-E3"));
  }
  // The losses fall with c % 97 and the truth rises with c % 31: barely related, but the sign
  // flip makes SoTL-E's correlation exactly that of -(c % 97) with c % 31 on the sample.
  {
    std::vector<double> a, b;
    for (auto c : r.archs) {
      a.push_back(-static_cast<double>(c % 97) - (c == 0 ? -0.5 : 0.0));
      b.push_back(toy_truth(c));
    }
    CHECK(find_row(r, 5, "sotle-E1")->spearman == Approx(spearman(a, b)).margin(1e-9));
  }
  // The toy has no test loss: skipped at every T, with the reason.
  CHECK_FALSE(find_row(r, 1, "test-loss"));
  std::size_t test_loss_skips = 0;
  for (const auto& s : r.skipped)
    if (s.estimator == "test-loss") {
      ++test_loss_skips;
      CHECK_THAT(s.reason, Catch::Contains("has no test_loss"));
    }
  CHECK(test_loss_skips == 10);
  const auto lines = describe_skips(r);
  CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
    return l.find("sotle-E3: skipped at T = 1-2: E=3 must lie in 1..T") != std::string::npos;
  }));
  // The CSV: header, then one line per row.
  const auto csv = rank_csv(r);
  CHECK(csv.rfind("T,estimator,spearman,kendall,n,median_cost_s\n", 0) == 0);
  CHECK(static_cast<std::size_t>(std::count(csv.begin(), csv.end(), '\n')) == r.rows.size() + 1);
  CHECK_THAT(csv, Catch::Contains("\n3,val-early,") && Catch::Contains(",37\n"));
}

TEST_CASE("Rank study: samples, seeds and configuration errors", "[rank]") {
  RankStudyConfig config;
  config.dataset = "toy";
  config.estimators = parse_rank_estimators({"sotle"});
  config.T_values = {2, 10};
  config.sample = 500;
  config.seed = 1;
  const auto a = run_rank_study(toy(), config);
  const auto b = run_rank_study(toy(), config);
  CHECK(a.archs == b.archs);
  config.seed = 2;
  CHECK(run_rank_study(toy(), config).archs != a.archs);
  // One thread or all: the same numbers.
  config.threads = 1;
  const auto one = run_rank_study(toy(), config);
  config.threads = 0;
  const auto all = run_rank_study(toy(), config);
  REQUIRE(one.rows.size() == all.rows.size());
  for (std::size_t i = 0; i < one.rows.size(); ++i) CHECK(one.rows[i].spearman == all.rows[i].spearman);
  // A random data seed is drawn once per architecture: every T reads the same training run.
  config.data = bench::SeedPolicy::random();
  config.sample = 0;
  config.estimators = parse_rank_estimators({"sotle", "sotl"});
  const auto random = run_rank_study(toy(), config);
  CHECK(find_row(random, 2, "sotle")->n == 15625);

  config.sample = 15626;
  CHECK_THROWS_WITH(run_rank_study(toy(), config),
                    Catch::Contains("larger than the 15625 with results"));
  config.sample = 0;
  config.T_values = {11};
  CHECK_THROWS_WITH(run_rank_study(toy(), config), Catch::Contains("T=11 is outside 1..10"));
  config.T_values = {};
  config.ema_mu = 0.5;  // sotle and sotl do not read it
  CHECK_THROWS_WITH(run_rank_study(toy(), config),
                    Catch::Contains("none of the estimators reads it"));
  config.ema_mu.reset();
  config.dataset = "cifar10";
  CHECK_THROWS_WITH(run_rank_study(toy(), config), Catch::Contains("cifar10"));
  CHECK_THROWS_WITH(parse_rank_estimator("bogus"),
                    Catch::Contains("unknown estimator 'bogus'") && Catch::Contains("sotle") &&
                        Catch::Contains("lcsvr") && Catch::Contains("test-loss"));
  CHECK_THROWS_WITH(parse_rank_estimator("sotl-E3"), Catch::Contains("sotl takes no window"));
  CHECK_THROWS_WITH(parse_rank_estimator("sotle-E0"), Catch::Contains("positive integer"));
  CHECK(parse_rank_estimator("sovl-e-E5").name == "sovl-e");
  CHECK(parse_rank_estimator("sovl-e-E5").E == 5);
  CHECK_THROWS_WITH(parse_rank_estimators({"sotle", "sotle"}), Catch::Contains("twice"));
  // Hybrids: registry estimators a search may use, each once.
  const auto hybrid = parse_rank_estimator("jacov+sotle-E2");
  CHECK(hybrid.label == "jacov+sotle-E2");
  REQUIRE(hybrid.parts.size() == 2);
  CHECK(hybrid.parts[1].name == "sotle");
  CHECK(hybrid.parts[1].E == 2);
  CHECK_THROWS_WITH(parse_rank_estimator("sotle+lcsvr"),
                    "estimator 'sotle+lcsvr': a hybrid combines estimators a search may use, "
                    "not lcsvr");
  CHECK_THROWS_WITH(parse_rank_estimator("sotle+test-acc"), Catch::Contains("not test-acc"));
  CHECK_THROWS_WITH(parse_rank_estimator("sotl+sotl"),
                    "estimator 'sotl+sotl' combines sotl twice");
  CHECK_THROWS_WITH(parse_rank_estimator("sotl+"), Catch::Contains("unknown estimator ''"));
  // A part the table lacks skips the hybrid, naming the part.
  config.dataset = "toy";
  config.estimators = parse_rank_estimators({"sotl+synflow"});
  config.T_values = {2};
  const auto skipped = run_rank_study(toy(), config);
  REQUIRE(skipped.skipped.size() == 1);
  CHECK(skipped.skipped[0].reason == "synflow: table toy@10 has no proxy synflow");
  CHECK(T_grid(200, 50) == std::vector<int>{1, 50, 100, 150, 200});
  CHECK(T_grid(10, 4) == std::vector<int>{1, 4, 8, 10});
}

TEST_CASE("Rank study: a table without per-epoch curves says what is missing", "[rank]") {
  std::vector<spaces::ArchCode> codes(15625);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i;
  bench::BenchmarkBuilder builder("nb201", codes);
  auto& t = builder.add_table("cifar100", "200", 200, {200}, {777}, bench::Metric::TestAcc);
  for (std::size_t c = 0; c < 50; ++c) {
    t.set(bench::Metric::ValidAcc, c, 0, 200, 50.0 + c % 7);
    t.set(bench::Metric::TestAcc, c, 0, 200, 50.0 + c % 5);
  }
  const auto b = std::make_shared<const bench::Benchmark>(builder.build());
  RankStudyConfig config;
  config.dataset = "cifar100";
  config.estimators = parse_rank_estimators({"sotle"});
  CHECK_THROWS_WITH(run_rank_study(b, config),
                    Catch::Contains("table cifar100@200 has no per-epoch curves") &&
                        Catch::Contains("epoch 200 of 200 only") &&
                        Catch::Contains("train_loss (absent)"));
}

TEST_CASE("LcSVR: 200 training architectures, none of them evaluated", "[rank][lcsvr]") {
  RankStudyConfig config;
  config.dataset = "toy";
  config.estimators = parse_rank_estimators({"val-early", "lcsvr"});
  config.T_values = {3};
  config.sample = 3000;
  config.seed = 5;
  config.lcsvr.search_draws = 4;
  const auto r = run_rank_study(toy(), config);
  REQUIRE(r.lcsvr_train.size() == 200);
  const std::set<std::size_t> train(r.lcsvr_train.begin(), r.lcsvr_train.end());
  CHECK(train.size() == 200);
  const std::set<std::size_t> evaluated(r.archs.begin(), r.archs.end());
  for (auto i : r.lcsvr_eval) {
    CHECK_FALSE(train.count(i));
    CHECK(evaluated.count(i));
  }
  // Every other architecture of the evaluation set is evaluated (the toy shares no results).
  std::size_t overlap = 0;
  for (auto i : r.archs) overlap += train.count(i);
  CHECK(r.lcsvr_eval.size() == r.archs.size() - overlap);
  const auto* row = find_row(r, 3, "lcsvr");
  REQUIRE(row);
  CHECK(row->n == r.lcsvr_eval.size());
  REQUIRE(r.lcsvr_fits.size() == 1);
  CHECK(r.lcsvr_fits[0].T == 3);
  CHECK(r.lcsvr_fits[0].cv_mse >= 0);
  CHECK(r.lcsvr_features.back() == "diff2@3..3");
  // The same seed draws the same training set.
  CHECK(run_rank_study(toy(), config).lcsvr_train == r.lcsvr_train);
  // Too few fully evaluated architectures: skipped with the reason.
  config.lcsvr_train = 20000;
  const auto too_many = run_rank_study(toy(), config);
  CHECK_FALSE(find_row(too_many, 3, "lcsvr"));
  REQUIRE_FALSE(too_many.skipped.empty());
  CHECK_THAT(too_many.skipped[0].reason, Catch::Contains("LcSVR trains on 20000"));
}

TEST_CASE("LcSVR: architectures sharing a training architecture's results are not evaluated", "[rank][lcsvr]") {
  // As a tabulation stores them: each isomorphism class's members share its representative's row.
  const auto space = spaces::make_search_space("nb201");
  std::vector<spaces::ArchCode> codes(15625);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i;
  bench::BenchmarkBuilder builder("nb201", codes);
  std::vector<int> epochs{1, 2, 3};
  auto& t = builder.add_table("toy", "3", 3, epochs, {0}, bench::Metric::TestAcc);
  for (std::size_t c = 0; c < codes.size(); ++c)
    if (space->class_of(c) == c)
      for (int e = 1; e <= 3; ++e) {
        t.set(bench::Metric::ValidAcc, c, 0, e, 50.0 + static_cast<double>(c % 41) + e);
        t.set(bench::Metric::TestAcc, c, 0, e, 60.0 + static_cast<double>(c % 31));
        t.set(bench::Metric::TrainTime, c, 0, e, 1.0);
      }
  for (std::size_t c = 0; c < codes.size(); ++c)
    if (space->class_of(c) != c) t.share_results(c, space->class_of(c));
  const auto b = std::make_shared<const bench::Benchmark>(builder.build());
  RankStudyConfig config;
  config.dataset = "toy";
  config.estimators = parse_rank_estimators({"lcsvr"});
  config.T_values = {2};
  config.lcsvr.search_draws = 2;
  const auto r = run_rank_study(b, config);
  REQUIRE(r.lcsvr_train.size() == 200);
  std::set<spaces::ArchCode> train_classes;
  for (auto i : r.lcsvr_train) train_classes.insert(space->class_of(b->code(i)));
  std::size_t expected = 0;
  for (auto i : r.archs) expected += !train_classes.count(space->class_of(b->code(i)));
  for (auto i : r.lcsvr_eval) CHECK_FALSE(train_classes.count(space->class_of(b->code(i))));
  CHECK(r.lcsvr_eval.size() == expected);
  // Cells that share a row are one training: the study counts each class once.
  CHECK(r.archs.size() == 6466);
  CHECK(expected == r.archs.size() - 200);
}

namespace {

// A table where the final accuracy is a smooth function of the early curve: two latent
// qualities u, v per architecture; valid acc at epoch t = 40 + 30 u (1 - e^(-t/2)) + 20 v (t/10)^2,
// so epoch 2 mostly shows u but the final accuracy weighs v nearly as much.
std::shared_ptr<const bench::Benchmark> smooth_benchmark(std::size_t archs) {
  std::vector<spaces::ArchCode> codes(15625);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i;
  bench::BenchmarkBuilder builder("nb201", codes);
  std::vector<int> epochs;
  for (int e = 1; e <= 10; ++e) epochs.push_back(e);
  auto& t = builder.add_table("smooth", "10", 10, epochs, {0}, bench::Metric::TestAcc);
  // Spread over the space (13 is prime to 5^6): the first codes are mostly isomorphic to each
  // other (edge 3<-2 none), and LcSVR leaves its training architectures' classes out.
  for (std::size_t i = 0; i < archs; ++i) {
    const std::size_t c = i * 13 % codes.size();
    common::Rng rng(common::mix_seed(99, c));
    const double u = common::uniform_unit(rng), v = common::uniform_unit(rng);
    for (int e = 1; e <= 10; ++e) {
      const double va = 40 + 30 * u * (1 - std::exp(-e / 2.0)) + 20 * v * (e / 10.0) * (e / 10.0);
      t.set(bench::Metric::ValidAcc, c, 0, e, va);
      t.set(bench::Metric::TestAcc, c, 0, e, va + 0.1 * common::uniform_unit(rng));
      t.set(bench::Metric::TrainTime, c, 0, e, 1.0);
    }
    t.set_cost(bench::Cost::Params, c, 1e5 * (1 + u));
  }
  return std::make_shared<const bench::Benchmark>(builder.build());
}

}  // namespace

TEST_CASE("LcSVR extrapolates a smooth learning curve better than early stopping", "[rank][lcsvr]") {
  RankStudyConfig config;
  config.dataset = "smooth";
  config.estimators = parse_rank_estimators({"val-early", "lcsvr"});
  config.T_values = {2};
  config.lcsvr.search_draws = 10;
  const auto r = run_rank_study(smooth_benchmark(1200), config);
  REQUIRE(r.lcsvr_train.size() == 200);
  // Inputs: operation counts, depth, the parameter count (the table has it), the curve.
  CHECK(r.lcsvr_features ==
        std::vector<std::string>{"count:none", "count:skip_connect", "count:nor_conv_1x1",
                                 "count:nor_conv_3x3", "count:avg_pool_3x3", "depth", "params",
                                 "valid_acc@1..2", "diff1@2..2"});
  for (const auto& s : r.skipped) UNSCOPED_INFO(s.estimator << ": " << s.reason);
  INFO("LcSVR evaluated on " << r.lcsvr_eval.size());
  const auto* svr = find_row(r, 2, "lcsvr");
  const auto* early = find_row(r, 2, "val-early");
  REQUIRE(svr);
  REQUIRE(early);
  CHECK(svr->n == r.lcsvr_eval.size());
  CHECK(svr->n >= 700);
  INFO("lcsvr " << svr->spearman << ", val-early " << early->spearman);
  CHECK(svr->spearman > 0.95);
  CHECK(svr->spearman > early->spearman + 0.05);
  CHECK(svr->kendall > 0.8);
}

TEST_CASE("LcSVR model: fits a smooth function, standardises, rejects bad input", "[lcsvr]") {
  common::Rng rng(3);
  auto f = [](double a, double b) { return std::sin(3 * a) + b * b; };
  std::vector<std::vector<double>> X, Xt;
  std::vector<double> y, yt;
  for (int i = 0; i < 250; ++i) {
    // The second feature lives on a scale 1000 times the first: standardisation copes.
    const double a = common::uniform_unit(rng), b = common::uniform_unit(rng);
    (i < 150 ? X : Xt).push_back({a, 1000 * b, 7.0});  // a constant feature too
    (i < 150 ? y : yt).push_back(f(a, b));
  }
  LcSvrOptions options;
  options.search_draws = 12;
  const auto model = LcSvr::fit_with_search(X, y, options);
  std::vector<double> predicted;
  for (const auto& x : Xt) predicted.push_back(model.predict(x));
  CHECK(spearman(predicted, yt) > 0.9);
  CHECK(model.num_features() == 3);
  CHECK(model.cv_mse() < 0.5);
  // Deterministic for a seed.
  CHECK(LcSvr::fit_with_search(X, y, options).hyper_parameters().C == model.hyper_parameters().C);
  CHECK_THROWS_WITH(model.predict({1.0}), Catch::Contains("has 1 features"));
  CHECK_THROWS_AS(LcSvr::fit({}, {}, {}), std::invalid_argument);
  CHECK_THROWS_WITH(LcSvr::fit({{1.0}, {kNaN}}, {1, 2}, {}), Catch::Contains("missing or infinite"));
  CHECK_THROWS_WITH(LcSvr::fit({{1.0}, {2.0}}, {1, 2}, {1, 2.0, 0.1}), Catch::Contains("libsvm rejects"));
}

TEST_CASE("LcSVR features: operation counts, NB201 depth, curve differences", "[lcsvr]") {
  const auto space = spaces::make_search_space("nb201");
  CHECK(space->feature_names() ==
        std::vector<std::string>{"count:none", "count:skip_connect", "count:nor_conv_1x1",
                                 "count:nor_conv_3x3", "count:avg_pool_3x3", "depth"});
  // conv3x3 0->1, skip 1->2, conv1x1 2->3, pool 0->3, none elsewhere: longest path 0-1-2-3
  // has two non-skip operations.
  const auto a = space->parse("|nor_conv_3x3~0|+|none~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_1x1~2|");
  CHECK(space->features(a) == std::vector<double>{2, 1, 1, 1, 1, 2});
  // All none: output cut off, depth 0.
  const auto cut = space->parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
  CHECK(space->features(cut) == std::vector<double>{6, 0, 0, 0, 0, 0});
  // Only 1->3 and 0->1: the output is reachable through node 1.
  const auto two = space->parse("|nor_conv_3x3~0|+|none~0|none~1|+|none~0|nor_conv_3x3~1|none~2|");
  CHECK(space->features(two).back() == 2);
  CHECK(curve_features({1, 3, 7, 8}) == std::vector<double>{1, 3, 7, 8, 2, 4, 1, 2, -3});
  CHECK(curve_features({5}) == std::vector<double>{5});
}

namespace {

testing::ProgramResult run_rank(const std::string& args) {
  return testing::run_program("nas-rank", args);
}

}  // namespace

TEST_CASE("nas-rank: CSV, figure and clear errors", "[cli][rank]") {
  testing::TempDir dir("cli-rank");
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  auto r = run_rank("--help");
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("--E-grid") && Catch::Contains("lcsvr"));

  r = run_rank("--benchmark " + bench + " --estimators sotle,val-early,test-loss --E-grid 1,3 "
               "--T-step 5 --sample 1000 --seed 3 --out " + dir.file("rank.csv") + " --plot");
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto csv = common::read_file(dir.file("rank.csv"));
  CHECK(csv.rfind("T,estimator,spearman,kendall,n,median_cost_s\n", 0) == 0);
  CHECK_THAT(csv, Catch::Contains("\n5,sotle-E3,") && Catch::Contains("\n10,val-early,"));
  CHECK_THAT(csv, !Catch::Contains("test-loss"));
  CHECK_THAT(r.output, Catch::Contains("test-loss: skipped at every T: table toy@10 has no test_loss"));
  CHECK_THAT(r.output, Catch::Contains("sotle-E3: skipped at T = 1: E=3 must lie in 1..T"));
  CHECK(std::filesystem::exists(dir.file("rank.png")));
  CHECK(std::filesystem::exists(dir.file("rank.svg")));

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"--benchmark " + bench + " --estimators sotle,bogus --out x.csv",
       "unknown estimator 'bogus' (expected one of: "},
      {"--benchmark " + bench + " --estimators sotle", "--out FILE.csv is required"},
      {"--benchmark " + bench + " --frobnicate --out x.csv", "frobnicate"},
      {"--benchmark " + bench + " --E-grid 1,x --out x.csv", "'x' is not an integer"},
      {"--benchmark " + bench + " --sample 20000 --out " + dir.file("x.csv"),
       "larger than the 15625 with results"},
      {"--benchmark " + bench + " --dataset cifar10 --out " + dir.file("x.csv"),
       "no table for dataset 'cifar10'"},
      {"--benchmark " + dir.file("absent.nasbench") + " --out " + dir.file("x.csv"), "cannot open"},
      {"--benchmark " + bench + " --T 0,5 --out " + dir.file("x.csv"), "T=0 is outside 1..10"},
  };
  for (const auto& [args, message] : bad) {
    INFO(args);
    const auto b = run_rank(args);
    CHECK(b.status != 0);
    CHECK_THAT(b.output, Catch::Contains(message));
  }
  CHECK_FALSE(std::filesystem::exists(dir.file("x.csv")));
}

namespace {

// 60 cells trained with seed 0, the first 20 of them with seeds 1 and 2 too (as the embedded
// benchmark trains a tenth of its classes with three seeds). Final test accuracy: seed 0
// 60 + c % 7, seed 1 60 + c % 5, seed 2 60 + c % 3, so the seeds rank the cells differently;
// final test loss 3 - (c % (11 + 2 seed)) / 10. Training loss 1 / t + c % 13.
bench::BenchmarkBuilder three_seeds_builder() {
  std::vector<spaces::ArchCode> codes(15625);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i;
  bench::BenchmarkBuilder builder("nb201", codes);
  auto& t = builder.add_table("seeds", "4", 4, {1, 2, 3, 4}, {0, 1, 2}, bench::Metric::TestAcc);
  for (std::size_t c = 0; c < 60; ++c)
    for (int s = 0; s < (c < 20 ? 3 : 1); ++s)
      for (int e = 1; e <= 4; ++e) {
        t.set(bench::Metric::TrainLoss, c, s, e, 1.0 / e + static_cast<double>(c % 13));
        t.set(bench::Metric::TrainTime, c, s, e, 1.0);
        t.set(bench::Metric::TestAcc, c, s, e, 60.0 + static_cast<double>(c % (s == 0 ? 7 : s == 1 ? 5 : 3)));
        t.set(bench::Metric::TestLoss, c, s, e, 3.0 - static_cast<double>(c % (11 + 2 * s)) / 10);
      }
  return builder;
}

std::shared_ptr<const bench::Benchmark> three_seeds() {
  static auto b = std::make_shared<const bench::Benchmark>(three_seeds_builder().build());
  return b;
}

}  // namespace

TEST_CASE("Rank study: an independent training seed as the truth, on the cells that have it", "[rank]") {
  RankStudyConfig config;
  config.dataset = "seeds";
  config.estimators = parse_rank_estimators({"sotle", "test-loss", "test-acc"});
  config.T_values = {4};
  config.data = bench::SeedPolicy::fixed(0);
  config.truth = bench::SeedPolicy::fixed(1);
  config.require_seeds = {0, 1};
  const auto r = run_rank_study(three_seeds(), config);
  // Only the cells trained with both seeds are correlated.
  REQUIRE(r.archs.size() == 20);
  CHECK(r.archs.back() == 19);
  // The estimators read seed 0's run, the truth is seed 1's: test-acc is the two seeds'
  // agreement, and test-loss is seed 0's (not the truth's own run's).
  std::vector<double> acc0, acc1, loss0, sotle;
  for (std::size_t c = 0; c < 20; ++c) {
    acc0.push_back(60.0 + static_cast<double>(c % 7));
    acc1.push_back(60.0 + static_cast<double>(c % 5));
    loss0.push_back(-(3.0 - static_cast<double>(c % 11) / 10));
    sotle.push_back(-(0.25 + static_cast<double>(c % 13)));
  }
  const auto* agreement = find_row(r, 4, "test-acc");
  REQUIRE(agreement);
  CHECK(agreement->n == 20);
  CHECK(agreement->spearman == Approx(brute_spearman(acc0, acc1)).margin(1e-12));
  CHECK(agreement->spearman < 0.9);
  CHECK(find_row(r, 4, "test-loss")->spearman == Approx(brute_spearman(loss0, acc1)).margin(1e-12));
  CHECK(find_row(r, 4, "sotle")->spearman == Approx(brute_spearman(sotle, acc1)).margin(1e-12));
  // The same run as truth: test-acc is the truth itself.
  config.truth = bench::SeedPolicy::fixed(0);
  CHECK(find_row(run_rank_study(three_seeds(), config), 4, "test-acc")->spearman == Approx(1.0));
  // Without the restriction, seed 1's truth still limits the correlations to its 20 cells,
  // while the evaluation set holds all 60.
  config.truth = bench::SeedPolicy::fixed(1);
  config.require_seeds = {};
  const auto all = run_rank_study(three_seeds(), config);
  CHECK(all.archs.size() == 60);
  CHECK(find_row(all, 4, "test-acc")->n == 20);
  // A seed the table lacks is named.
  config.require_seeds = {0, 7};
  CHECK_THROWS_WITH(run_rank_study(three_seeds(), config),
                    Catch::Contains("no training seed 7") && Catch::Contains("0, 1, 2"));
}

TEST_CASE("nas-rank --require-seeds keeps the architectures trained with every seed given", "[rank][cli]") {
  testing::TempDir dir("rank-require-seeds");
  const auto bench = dir.file("seeds.nasbench");
  three_seeds_builder().write(bench);
  const auto out = dir.file("rank.csv");
  const std::string args = "--benchmark " + bench + " --estimators test-acc --T 4 --data-seed 0 "
                           "--truth-seed 1 --out " + out;
  auto r = run_rank(args + " --require-seeds 0,1");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("20 architectures") && Catch::Contains("trained with seeds 0, 1"));
  CHECK_THAT(common::read_file(out), Catch::Contains("test-acc,") && Catch::Contains(",20,"));
  r = run_rank(args + " --require-seeds 0,x");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("--require-seeds"));
  r = run_rank(args + " --require-seeds 9");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("no training seed 9"));
}
