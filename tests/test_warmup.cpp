// A zero-cost warm-up in front of any strategy (search/warmup.hpp): warm-up jobs first, the
// strategy's initial design the best n_init of them, its trials numbered after them; then a
// whole study with --warmup on the embedded benchmark, and what the plan refuses.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "search/warmup.hpp"
#include "spaces/search_space_registry.hpp"
#include "study/plan.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::search;
using spaces::ArchCode;

namespace {

StrategyContext warmup_context(std::size_t sample, std::size_t n_init, std::uint64_t seed = 7) {
  StrategyContext ctx;
  ctx.space = spaces::make_search_space("nb201");
  ctx.seed = seed;
  ctx.n_init = n_init;
  ctx.warmup_sample = sample;
  ctx.fidelity = {1, 9, 3, 0};
  return ctx;
}

// Many distinct values, some equal.
double proxy_score(ArchCode arch) { return static_cast<double>((arch * 2654435761ULL) % 89); }

// Hands out and tells the whole warm-up; the architectures in the order they were handed out.
std::vector<ArchCode> run_warmup(MultiFidelityStrategy& s, std::size_t sample) {
  std::vector<Job> jobs;
  for (std::size_t i = 0; i < sample; ++i) {
    const auto job = s.ask();
    REQUIRE(job);
    CHECK(job->trial == i);
    CHECK(job->epochs == Job::kWarmupEpochs);
    CHECK_FALSE(job->is_rung());
    jobs.push_back(*job);
  }
  // Nothing else starts until the warm-up is told.
  CHECK_FALSE(s.ask());
  std::vector<ArchCode> archs;
  // Told out of order, as parallel workers finish.
  for (auto it = jobs.rbegin(); it != jobs.rend(); ++it) {
    CHECK_FALSE(s.ask());
    s.tell(*it, proxy_score(it->arch));
  }
  for (const auto& job : jobs) archs.push_back(job.arch);
  return archs;
}

// The best n of `archs` by proxy_score, ties by position.
std::vector<ArchCode> best_by_proxy(std::vector<ArchCode> archs, std::size_t n) {
  std::stable_sort(archs.begin(), archs.end(),
                   [](ArchCode a, ArchCode b) { return proxy_score(a) < proxy_score(b); });
  archs.resize(n);
  return archs;
}

}  // namespace

TEST_CASE("A warm-up ranks distinct random architectures and starts RE from the best n_init",
          "[warmup][strategies]") {
  const auto ctx = warmup_context(200, 10);
  auto s = make_job_strategy("re", ctx);
  const auto sample = run_warmup(*s, 200);
  CHECK(std::set<ArchCode>(sample.begin(), sample.end()).size() == 200);
  const auto expected = best_by_proxy(sample, 10);
  // RE's initial population is the warm-up's best, in order; its trials come after the warm-up.
  for (std::size_t i = 0; i < 10; ++i) {
    const auto job = s->ask();
    REQUIRE(job);
    CHECK(job->arch == expected[i]);
    CHECK(job->trial == 200 + i);
    CHECK(job->epochs == Job::kEstimatorEpochs);
    s->tell(*job, 1.0);
  }
  // The same seed draws the same sample; another seed another.
  auto again = make_job_strategy("re", ctx);
  CHECK(run_warmup(*again, 200) == sample);
  auto other = make_job_strategy("re", warmup_context(200, 10, 8));
  CHECK(run_warmup(*other, 200) != sample);
}

TEST_CASE("A warm-up is a rung below a multi-fidelity strategy's first: SH's first rung starts "
          "the proxy's best", "[warmup][strategies]") {
  // min 1, max 9, eta 3: SH's bracket starts 9 configurations at 1 epoch.
  const auto ctx = warmup_context(27, 9);
  auto s = make_job_strategy("sh", ctx);
  const auto sample = run_warmup(*s, 27);
  const auto expected = best_by_proxy(sample, 9);
  std::vector<Job> first_rung;
  while (auto job = s->ask()) first_rung.push_back(*job);
  REQUIRE(first_rung.size() == 9);
  std::vector<ArchCode> started;
  for (const auto& job : first_rung) {
    CHECK(job.trial >= 27);
    CHECK(job.epochs == 1);
    CHECK(job.is_rung());
    started.push_back(job.arch);
  }
  CHECK(std::multiset<ArchCode>(started.begin(), started.end()) ==
        std::multiset<ArchCode>(expected.begin(), expected.end()));
  for (const auto& job : first_rung) s->tell(job, proxy_score(job.arch));
  // The dropped trials are numbered as the runner knows them: after the warm-up's.
  const auto dropped = s->take_dropped();
  CHECK(dropped.size() == 6);
  for (auto trial : dropped) CHECK(trial >= 27);
  const auto promoted = s->ask();
  REQUIRE(promoted);
  CHECK(promoted->epochs == 3);
  CHECK(promoted->trial >= 27);
}

TEST_CASE("A warm-up that cannot fill the design, or a job it did not hand out, is refused",
          "[warmup][strategies]") {
  auto error_for = [](StrategyContext ctx) {
    return testing::error_of([&] { make_job_strategy("re", ctx); });
  };
  CHECK(error_for(warmup_context(5, 10)) ==
        "--warmup-sample 5 is below --n-init 10: the warm-up's best n_init architectures are "
        "the initial design");
  CHECK(error_for(warmup_context(5, 0)) ==
        "a zero-cost warm-up (--warmup-sample 5) chooses the initial design, and --n-init 0 asks "
        "for none");
  CHECK(error_for(warmup_context(20000, 10)) ==
        "--warmup-sample 20000 is more than the 15625 architectures of space nb201");
  auto given = warmup_context(50, 2);
  given.initial_design = {1, 2};
  CHECK(error_for(given) == "a zero-cost warm-up (--warmup) chooses the initial design, so it "
                            "cannot start from one given too (--init-file)");

  auto s = make_job_strategy("re", warmup_context(3, 1));
  const auto job = s->ask();
  REQUIRE(job);
  s->tell(*job, 1.0);
  CHECK_THROWS_WITH(s->tell(*job, 1.0), Catch::Contains("which it is not waiting for"));
  CHECK_THROWS_WITH(s->tell({2, job->arch, Job::kWarmupEpochs}, 1.0),
                    Catch::Contains("which it is not waiting for"));
  CHECK_THROWS_WITH(s->tell({5, job->arch, Job::kEstimatorEpochs}, 1.0),
                    Catch::Contains("did not hand out"));
}

namespace {

experiment::StudyOptions warmup_study() {
  experiment::StudyOptions o;
  o.embedded_benchmark = std::string(NASRUN_SOURCE_DIR) + "/data/fashion-mnist-nb201.nasbench";
  o.strategies = {"re", "asha"};
  o.evaluators = {"sotle"};
  o.seeds = 2;
  o.budget = "20x";
  o.n_init = 5;
  o.warmup = "jacov";
  o.warmup_sample = 40;
  o.data_seed = "mean";  // the proxies' mean over the seeds, as the table gives it
  return o;
}

}  // namespace

TEST_CASE("A study with a warm-up scores its sample by the proxy, charged, then trains the best",
          "[warmup][study][embedded]") {
  auto o = warmup_study();
  const auto plan = experiment::plan_study(o);
  CHECK(plan.record.at("warmup") == nlohmann::json{{"proxy", "jacov"}, {"sample", 40}});
  const auto& table = plan.benchmark->table(plan.dataset);
  for (const auto& run : experiment::run_study(plan.config, plan.space, plan.make_evaluator)) {
    INFO(run.strategy << " run " << run.run);
    const auto& rows = run.trace.rows;
    REQUIRE(rows.size() > 45);
    std::vector<ArchCode> sample;
    for (std::size_t i = 0; i < 40; ++i) {
      const auto& r = rows[i];
      const auto index = plan.benchmark->index_of(r.arch);
      CHECK(r.epochs == 0);
      CHECK(r.score == -table.proxy(bench::Proxy::Jacov, index, {}));
      CHECK(r.cost_s == Approx(table.proxy_time(bench::Proxy::Jacov, index, {})));
      sample.push_back(r.arch);
    }
    // Simulated: one worker, so each warm-up job ends after the one before, by its own seconds.
    CHECK(rows[39].time_s == Approx(std::accumulate(
                                 rows.begin(), rows.begin() + 40, 0.0,
                                 [](double t, const auto& r) { return t + r.cost_s; })));
    // Before any training the incumbent is the proxy's best; the first training replaces it.
    std::vector<ArchCode> ranked = sample;
    std::stable_sort(ranked.begin(), ranked.end(), [&](ArchCode a, ArchCode b) {
      const auto score = [&](ArchCode x) {
        return -table.proxy(bench::Proxy::Jacov, plan.benchmark->index_of(x), {});
      };
      return score(a) < score(b);
    });
    CHECK(rows[39].incumbent == ranked.front());
    CHECK(rows[40].epochs > 0);
    CHECK(rows[40].incumbent == rows[40].arch);
    // The strategy's first five new trainings (ASHA's at its lowest rung, between which it
    // may promote) are the warm-up's best five.
    std::multiset<ArchCode> first;
    for (std::size_t i = 40; i < rows.size() && first.size() < 5; ++i)
      if (rows[i].epochs == rows[40].epochs) first.insert(rows[i].arch);
    CHECK(first == std::multiset<ArchCode>(ranked.begin(), ranked.begin() + 5));
  }
  // Its results do not depend on the threads running the study.
  o.threads = 1;
  const auto one = experiment::plan_study(o);
  const auto a = experiment::run_study(one.config, one.space, one.make_evaluator);
  o.threads = 2;
  const auto two = experiment::plan_study(o);
  const auto b = experiment::run_study(two.config, two.space, two.make_evaluator);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].trace.rows.size() == b[i].trace.rows.size());
    for (std::size_t j = 0; j < a[i].trace.rows.size(); ++j)
      CHECK(a[i].trace.rows[j].arch == b[i].trace.rows[j].arch);
  }
}

TEST_CASE("The plan refuses a warm-up that is not a proxy, or that has nothing to fill",
          "[warmup][study][embedded]") {
  auto error_with = [](auto change) {
    auto o = warmup_study();
    change(o);
    return testing::error_of([&] { experiment::plan_study(o); });
  };
  CHECK(error_with([](auto& o) { o.warmup = "sotle"; }) ==
        "--warmup sotle is not a zero-cost proxy; a warm-up ranks architectures by one of "
        "params,flops,synflow,snip,grad_norm,fisher,jacov,nwot,zen,zico");
  CHECK(error_with([](auto& o) { o.warmup.reset(); }) ==
        "--warmup-sample sets how many architectures a zero-cost warm-up ranks, and there is no "
        "--warmup");
  CHECK(error_with([](auto& o) { o.warmup_sample = 3; }) ==
        "--warmup-sample 3 is below --n-init 5: the warm-up's best n_init architectures are the "
        "initial design");
  // Without --warmup-sample, the default sample.
  auto o = warmup_study();
  o.warmup_sample.reset();
  CHECK(experiment::plan_study(o).config.warmup_sample == experiment::kDefaultWarmupSample);
}

TEST_CASE("Proxy rungs: each bracket scores eta times its first rung by the proxy and trains "
          "the best", "[warmup][strategies]") {
  // min 1, max 9, eta 3: SH's bracket trains 9 at 1 epoch, 3 at 3, 1 at 9; below it 27 by the
  // proxy, in every bracket.
  auto ctx = warmup_context(0, 10);
  ctx.fidelity.proxy_rungs = true;
  auto s = make_job_strategy("sh", ctx);
  for (int bracket = 0; bracket < 2; ++bracket) {
    INFO("bracket " << bracket);
    std::vector<Job> screened;
    while (auto job = s->ask()) screened.push_back(*job);
    REQUIRE(screened.size() == 27);
    std::vector<ArchCode> archs;
    for (const auto& job : screened) {
      CHECK(job.epochs == Job::kWarmupEpochs);
      archs.push_back(job.arch);
    }
    CHECK(std::set<ArchCode>(archs.begin(), archs.end()).size() == 27);
    for (const auto& job : screened) s->tell(job, proxy_score(job.arch));
    // The 18 the proxy ranks lowest are dropped untrained; the best 9 start training, each the
    // same trial it was screened as.
    CHECK(s->take_dropped().size() == 18);
    const auto best = best_by_proxy(archs, 9);
    std::vector<Job> first_rung;
    while (auto job = s->ask()) first_rung.push_back(*job);
    REQUIRE(first_rung.size() == 9);
    for (std::size_t i = 0; i < 9; ++i) {
      CHECK(first_rung[i].arch == best[i]);
      CHECK(first_rung[i].epochs == 1);
      const auto screened_as = std::find_if(screened.begin(), screened.end(), [&](const Job& j) {
        return j.arch == best[i];
      });
      CHECK(first_rung[i].trial == screened_as->trial);
    }
    // The rest of the bracket as without the proxy rung.
    for (int epochs : {1, 3, 9}) {
      std::vector<Job> rung = epochs == 1 ? first_rung : std::vector<Job>{};
      if (epochs > 1)
        while (auto job = s->ask()) rung.push_back(*job);
      for (const auto& job : rung) {
        CHECK(job.epochs == epochs);
        s->tell(job, proxy_score(job.arch) / epochs);
      }
      s->take_dropped();
    }
  }
  CHECK(takes_proxy_rungs("hyperband", ctx.space));
  CHECK(takes_proxy_rungs("bohb", ctx.space));
  CHECK(takes_proxy_rungs("one-epoch-topk", ctx.space));
  CHECK_FALSE(takes_proxy_rungs("asha", ctx.space));
  CHECK_FALSE(takes_proxy_rungs("re", ctx.space));
}

TEST_CASE("A study with proxy rungs scores every bracket's proxy rung, and the plan refuses them "
          "where nothing runs brackets", "[warmup][study][embedded]") {
  auto o = warmup_study();
  o.strategies = {"hyperband"};
  o.warmup_sample = 0;
  o.proxy_rungs = true;
  const auto plan = experiment::plan_study(o);
  CHECK(plan.record.at("fidelity").at("proxy_rungs") == true);
  const auto runs = experiment::run_study(plan.config, plan.space, plan.make_evaluator);
  for (const auto& run : runs) {
    // Hyperband's first bracket (min 1, max 10, eta 3: 9 configurations at its first rung)
    // scores 27 by the proxy first, charged, untrained; its later brackets screen again.
    std::size_t screened = 0, trained = 0;
    bool screened_after_training = false;
    for (const auto& r : run.trace.rows) {
      if (r.epochs == 0) {
        ++screened;
        CHECK(r.cost_s > 0);
        screened_after_training = screened_after_training || trained > 0;
      } else {
        ++trained;
      }
    }
    CHECK(std::all_of(run.trace.rows.begin(), run.trace.rows.begin() + 27,
                      [](const auto& r) { return r.epochs == 0; }));
    CHECK(run.trace.rows[27].epochs > 0);
    CHECK(screened_after_training);
    CHECK(trained > 0);
  }
  auto error_with = [](auto change) {
    auto o = warmup_study();
    change(o);
    return testing::error_of([&] { experiment::plan_study(o); });
  };
  CHECK(error_with([](auto& o) {
          o.strategies = {"asha"};
          o.proxy_rungs = true;
        }) == "--proxy-rungs puts a rung below the first of each bracket, and none of asha runs "
              "brackets (bohb,hyperband,one-epoch-topk,sh do)");
  CHECK_THAT(error_with([](auto& o) {
               o.strategies = {"re"};
               o.proxy_rungs = true;
             }),
             Catch::StartsWith("--min-epochs, --max-epochs, --eta, --brackets and --proxy-rungs "
                               "set the fidelities of multi-fidelity strategies (") &&
                 Catch::EndsWith("), and the study has none"));
  CHECK(error_with([](auto& o) {
          o.warmup.reset();
          o.warmup_sample.reset();
          o.strategies = {"sh"};
          o.proxy_rungs = true;
        }) == "--proxy-rungs scores a rung by the proxy of --warmup, and there is none");
  CHECK(error_with([](auto& o) { o.warmup_sample = 0; }) ==
        "--warmup-sample 0 ranks nothing, and there is no --proxy-rungs: the proxy of --warmup "
        "jacov would score nothing");
}
