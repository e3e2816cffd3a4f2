#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <thread>

#include "evaluators/curve_source.hpp"
#include "evaluators/evaluator.hpp"
#include "evaluators/tabular_source.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::evaluators;

namespace {

// A source with hand-set curves: train loss l_t = 10 - t, valid loss 20 - t, valid acc 40 + t,
// train time 2 s and eval time 0.5 s per epoch, T_end = 12.
class HandSource : public LearningCurveSource {
 public:
  std::string describe() const override { return "hand"; }
  int schedule_epochs() const override { return 12; }
  Curve observe(ArchCode, int epochs, const std::vector<CurveNeed>& needs, Rng&) override {
    Curve c;
    c.schedule_epochs = 12;
    c.epochs_trained = epochs;
    for (const auto& n : needs) {
      auto& s = c.series[static_cast<int>(n.metric)];
      s.assign(static_cast<std::size_t>(epochs), NAN);
      for (int t = n.first_epoch; t <= n.last_epoch; ++t) {
        double v = 0;
        switch (n.metric) {
          case Metric::TrainLoss: v = 10 - t; break;
          case Metric::ValidLoss: v = 20 - t; break;
          case Metric::ValidAcc: v = 40 + t; break;
          default: FAIL("unexpected metric");
        }
        s[static_cast<std::size_t>(t - 1)] = v;
      }
    }
    c.train_time_s.assign(static_cast<std::size_t>(epochs), 2.0);
    c.eval_time_s.assign(static_cast<std::size_t>(epochs), 0.5);
    c.diverged = diverge;
    return c;
  }
  double final_test_error(ArchCode) override { return 12.5; }
  bool diverge = false;
};

Evaluation evaluate(const std::string& name, EstimatorOptions opts, CostModel cost = {},
                    bool diverge = false) {
  auto source = std::make_shared<HandSource>();
  source->diverge = diverge;
  Evaluator e(make_estimator(name, opts), source, cost);
  Rng rng(0);
  return e.evaluate(0, rng);
}

}  // namespace

TEST_CASE("Estimators on hand-computed curves", "[evaluators]") {
  // SoTL-E, E=1, T=5: the loss of epoch 5 = 5; train cost 5 epochs x 2 s.
  auto e = evaluate("sotle", {5, std::nullopt, 0.9});
  CHECK(e.score == Approx(5));
  CHECK(e.cost_s == Approx(10));
  CHECK(e.epochs == 5);
  CHECK(e.truth.test_error == 12.5);
  // SoTL-E, E=3, T=5: 7 + 6 + 5.
  CHECK(evaluate("sotle", {5, 3, 0.9}).score == Approx(18));
  // SoTL, T=4: 9 + 8 + 7 + 6.
  CHECK(evaluate("sotl", {4, std::nullopt, 0.9}).score == Approx(30));
  // SoVL, T=3: 19 + 18 + 17, and it pays 3 validation passes.
  const auto sovl = evaluate("sovl", {3, std::nullopt, 0.9});
  CHECK(sovl.score == Approx(54));
  CHECK(sovl.cost_s == Approx(3 * 2 + 3 * 0.5));
  // SoVL-E defaults to E=10: T=12 sums epochs 3..12 = 17 + ... + 8.
  CHECK(evaluate("sovl-e", {12, std::nullopt, 0.9}).score == Approx(125));
  // SoVA-E, E=3, T=5: minus (43 + 44 + 45), paying the 3 validation passes it reads.
  const auto sova = evaluate("sova-e", {5, 3, 0.9});
  CHECK(sova.score == Approx(-132));
  CHECK(sova.cost_s == Approx(5 * 2 + 3 * 0.5));
  // SoVA-E defaults to E=10: T=12 sums the accuracies of epochs 3..12 = 43 + ... + 52.
  CHECK(evaluate("sova-e", {12, std::nullopt, 0.9}).score == Approx(-475));
  // TSE-EMA as rubinxin/TSE computes it, T=3, mu=0.5: ema = 9, then 0.5*9 + 0.5*8 = 8.5, then
  // 0.5*8.5 + 0.5*7 = 7.75, its last value.
  CHECK(evaluate("tse-ema", {3, std::nullopt, 0.5}).score == Approx(7.75));
  // mu = 0.9 (the default): 9, then 0.1*9 + 0.9*8 = 8.1, then 0.1*8.1 + 0.9*7 = 7.11; at T=1 the
  // loss itself.
  CHECK(evaluate("tse-ema", {3, std::nullopt, 0.9}).score == Approx(7.11));
  CHECK(evaluate("tse-ema", {1, std::nullopt, 0.9}).score == Approx(9));
  // TSE-EMA as NASLib's soloss.py computes it, mu fixed at 0.99 whatever --mu says: the series
  // 9, 0.01*9 + 0.99*8 = 8.01, 0.01*8.01 + 0.99*7 = 7.0101, summed.
  CHECK(evaluate("tse-ema-naslib", {3, std::nullopt, 0.5}).score == Approx(24.0201));
  CHECK(evaluate("tse-ema-naslib", {3, std::nullopt, 0.5}).cost_s == Approx(6));
  // Validation accuracy is negated so that lower is better.
  const auto early = evaluate("val-early", {4, std::nullopt, 0.9});
  CHECK(early.score == Approx(-44));
  CHECK(early.cost_s == Approx(4 * 2 + 0.5));
  const auto final = evaluate("val-final", {4, std::nullopt, 0.9});
  CHECK(final.score == Approx(-52));
  CHECK(final.epochs == 12);
  CHECK(final.cost_s == Approx(12 * 2 + 0.5));
  // The paper's cost model: training time only.
  CHECK(evaluate("val-final", {4, std::nullopt, 0.9}, {true}).cost_s == Approx(24));
}

TEST_CASE("Estimator options that do not fit are clear errors", "[evaluators]") {
  CHECK_THROWS_WITH(evaluate("sotle", {13, std::nullopt, 0.9}),
                    Catch::Contains("T=13 is outside the schedule's 1..12 epochs"));
  CHECK_THROWS_WITH(evaluate("sotle", {5, 6, 0.9}), Catch::Contains("E=6 must lie in 1..T"));
  CHECK_THROWS_WITH(evaluate("sotle", {5, 0, 0.9}), Catch::Contains("E must be at least 1"));
  CHECK_THROWS_WITH(evaluate("tse-ema", {5, std::nullopt, 1.5}), Catch::Contains("mu must lie in (0, 1)"));
  CHECK_THROWS_WITH(evaluate("sova-e", {5, 6, 0.9}), Catch::Contains("E=6 must lie in 1..T"));
  // Its default window of 10 does not fit T=5: the message names E and T.
  CHECK_THROWS_WITH(evaluate("sova-e", {5, std::nullopt, 0.9}), Catch::Contains("E=10 must lie in 1..T (T=5)"));
  CHECK_THROWS_WITH(make_estimator("sotle-x", {}), Catch::Contains("unknown estimator 'sotle-x'") &&
                                                       Catch::Contains("val-final"));
}

TEST_CASE("A diverged run gets the worst score and its cost", "[evaluators]") {
  const auto e = evaluate("sotle", {5, std::nullopt, 0.9}, {}, true);
  CHECK(std::isinf(e.score));
  CHECK(e.score > 0);
  CHECK(e.diverged);
  CHECK(e.cost_s == Approx(10));
}

TEST_CASE("The tabular source reads the benchmark's curves, times and truth", "[evaluators]") {
  auto b = std::make_shared<bench::Benchmark>(testing::toy_builder().build());
  SourceOptions o;
  o.benchmark = b;
  o.dataset = "toy";
  o.data_seeds = bench::SeedPolicy::fixed(2);
  auto source = make_curve_source("tabular", o);
  CHECK(source->schedule_epochs() == 10);
  Evaluator sotle(make_estimator("sotle", {4, std::nullopt, 0.9}), source);
  Rng rng(3);
  const auto e = sotle.evaluate(96, rng);  // code 96: loss (96 + 1) / t + 1 on seed 2
  CHECK(e.score == Approx(97.0 / 4 + 1));
  CHECK(e.cost_s == Approx(11 + 12 + 13 + 14));
  // Truth: mean over seeds of test_acc at T_end: 60 + 96 % 31 + 0.5.
  CHECK(e.truth.test_error == Approx(100 - (60 + 96 % 31 + 0.5)));
  // Seed 2 of code 0 is missing.
  CHECK_THROWS_WITH(sotle.evaluate(0, rng), Catch::Contains("missing for architecture index 0, seed 2"));
  o.extra["x"] = "1";
  CHECK_THROWS_WITH(make_curve_source("tabular", o), Catch::Contains("takes no --source-option"));
  CHECK_THROWS_WITH(make_curve_source("psychic", o), Catch::Contains("unknown curve source 'psychic'"));
}

namespace {

std::shared_ptr<LearningCurveSource> toy_source(bench::SeedPolicy data_seeds) {
  SourceOptions o;
  o.benchmark = std::make_shared<bench::Benchmark>(testing::toy_builder().build());
  o.dataset = "toy";
  o.data_seeds = data_seeds;
  return make_curve_source("tabular", o);
}

// An estimator that nothing registered, reading a metric of its choice at the last epoch.
class FinalValueEstimator : public Estimator {
 public:
  explicit FinalValueEstimator(Metric metric) : metric_(metric) {}
  int epochs_needed(int schedule_epochs) const override { return schedule_epochs; }
  std::vector<CurveNeed> needs(int schedule_epochs) const override {
    return {{metric_, schedule_epochs, schedule_epochs}};
  }
  std::vector<int> validation_epochs(int) const override { return {}; }
  double score(const Curve& curve) const override {
    return -curve.at(metric_, curve.epochs_trained);
  }

 private:
  Metric metric_;
};

}  // namespace

TEST_CASE("Only an estimator registered as an oracle may read the test split", "[evaluators]") {
  const auto source = toy_source(bench::SeedPolicy::fixed(2));
  for (Metric m : {Metric::TestAcc, Metric::TestLoss, Metric::OriTestAcc, Metric::OriTestLoss}) {
    INFO(bench::metric_name(m));
    CHECK_THROWS_WITH(Evaluator(std::make_unique<FinalValueEstimator>(m), source),
                      Catch::Contains(std::string("estimator asks for ") + bench::metric_name(m) +
                                      ", a metric of the test split, which only an estimator "
                                      "registered as an oracle may read"));
  }
  // The same estimator reading the validation split is an ordinary one.
  CHECK_NOTHROW(Evaluator(std::make_unique<FinalValueEstimator>(Metric::ValidAcc), source));

  // The registry's oracles are the rank study's reference lines, and they are the only
  // estimators that ask for a test metric.
  std::vector<std::string> oracles;
  for (const auto& name : estimator_registry().names()) {
    const auto estimator = make_estimator(name, {10, std::nullopt, 0.9});
    CHECK(estimator->oracle() == estimator_registry().at(name).traits.oracle);
    if (estimator->oracle()) oracles.push_back(name);
    const auto needs = estimator->needs(10);
    INFO(name);
    CHECK(estimator->oracle() == std::any_of(needs.begin(), needs.end(), [](const CurveNeed& n) {
      return is_test_metric(n.metric);
    }));
  }
  CHECK(oracles == std::vector<std::string>{"test-acc", "test-loss"});

  // An oracle is made through the registry: test-acc scores the data seed's final test
  // accuracy (code 96, seed 2: 60 + 96 % 31 + 1), negated.
  Evaluator test_acc(make_estimator("test-acc", {4, std::nullopt, 0.9}), source);
  Rng rng(0);
  CHECK(test_acc.evaluate(96, rng).score == Approx(-(60 + 96 % 31 + 1)));
  // test-loss reads the loss of the truth's split, which the toy does not record, and there is
  // none for a truth without a matching loss.
  CHECK_THROWS_WITH(Evaluator(make_estimator("test-loss", {}), source),
                    Catch::Contains("has no metric test_loss"));
  EstimatorOptions train_acc_truth;
  train_acc_truth.truth_metric = Metric::TrainAcc;
  CHECK_THROWS_WITH(make_estimator("test-loss", train_acc_truth),
                    Catch::Contains("the truth metric train_acc has no matching loss"));
}

TEST_CASE("The tabular source answers concurrent callers as it answers one", "[evaluators]") {
  // Every run of a study shares one source: many threads observing at once must read what
  // one thread reads, each with its own generator.
  const auto source = toy_source(bench::SeedPolicy::random());
  const std::vector<CurveNeed> needs{{Metric::TrainLoss, 1, 5}, {Metric::ValidAcc, 5, 5}};
  // Epochs not asked for are NaN in both: compared as the same value.
  auto same = [](const std::vector<double>& a, const std::vector<double>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](double x, double y) {
      return x == y || (std::isnan(x) && std::isnan(y));
    });
  };
  struct Observed {
    std::vector<double> train_loss, valid_acc, train_time_s;
    double test_error = 0;
  };
  const std::size_t n = 15625;
  auto observe = [&](std::size_t code) {
    Rng rng(code);  // the caller's own generator, as a run's
    const auto c = source->observe(code, 5, needs, rng);
    return Observed{c.series[static_cast<int>(Metric::TrainLoss)],
                    c.series[static_cast<int>(Metric::ValidAcc)], c.train_time_s,
                    source->final_test_error(code)};
  };
  std::vector<Observed> serial(n), parallel(n);
  for (std::size_t code = 1; code < n; ++code) serial[code] = observe(code);
  std::atomic<std::size_t> next{1};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      for (std::size_t code; (code = next++) < n;) parallel[code] = observe(code);
    });
  for (auto& t : threads) t.join();
  std::size_t differ = 0;
  for (std::size_t code = 1; code < n; ++code) {
    const auto &a = serial[code], &b = parallel[code];
    differ += !(same(a.train_loss, b.train_loss) && same(a.valid_acc, b.valid_acc) &&
                same(a.train_time_s, b.train_time_s) && a.test_error == b.test_error);
  }
  CHECK(differ == 0);
}

TEST_CASE("Sources by schedule: one per schedule, shared, and a failure every time",
          "[evaluators]") {
  const auto toy = toy_source(bench::SeedPolicy::mean());
  std::atomic<int> made{0};
  SourcesBySchedule sources([&](const std::string& schedule) {
    ++made;
    if (schedule == "12") throw bench::MissingDataError("no table for schedule 12");
    return toy;
  });
  std::vector<std::shared_ptr<LearningCurveSource>> seen(16);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < seen.size(); ++t)
    threads.emplace_back([&, t] { seen[t] = sources.at(""); });
  for (auto& t : threads) t.join();
  for (const auto& s : seen) CHECK(s == toy);
  CHECK(made == 1);
  for (int attempt = 0; attempt < 2; ++attempt)
    CHECK_THROWS_AS(sources.at("12"), bench::MissingDataError);
  CHECK(made == 2);
}

TEST_CASE("The windowed estimators are those whose needs change with E", "[evaluators]") {
  for (const char* name : {"sotle", "sovl-e", "sova-e"}) CHECK(takes_window(name));
  for (const char* name : {"sotl", "sovl", "tse-ema", "tse-ema-naslib", "val-early"})
    CHECK_FALSE(takes_window(name));
}

TEST_CASE("Only tse-ema reads the moving average's weight mu", "[evaluators]") {
  CHECK(takes_mu("tse-ema"));
  // NASLib's variant fixes its weight; the others have none.
  for (const char* name : {"tse-ema-naslib", "sotle", "sotl", "sovl-e", "val-early", "val-final"})
    CHECK_FALSE(takes_mu(name));
}
