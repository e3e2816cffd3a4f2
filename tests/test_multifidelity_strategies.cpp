// Multi-fidelity strategies (sh, hyperband, bohb, one-epoch-topk) seen through ask/tell only:
// Hyperband's ladder against the literature, then each strategy driven by a fake scorer (a
// deterministic function of the architecture and the epochs) with W simulated workers.
//
// Bracket convention (multi_fidelity.hpp): SMAC3's, budgets anchored at the maximum. With
// R = max/min and s_max = floor(log_eta R), bracket s starts n = ceil((s_max + 1) eta^s / (s + 1))
// configurations and its rung i keeps floor(n eta^-i) at max eta^(i - s) epochs. For min 1,
// max 81, eta 3 this is Li et al.'s Table 1; for min 10, max 500 it is SMAC3's example (where a
// min-anchored ladder would start at 10 epochs instead of 18.52).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <deque>
#include <map>
#include <set>
#include <unordered_set>

#include "evaluators/curve_source.hpp"
#include "evaluators/evaluator.hpp"
#include "run/search_run.hpp"
#include "search/categorical_parzen.hpp"
#include "search/multi_fidelity.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::search;
using spaces::ArchCode;

namespace {

// dims x choices categorical dimensions.
class GridSpace : public spaces::SearchSpace {
 public:
  GridSpace(std::size_t dims, std::size_t choices) : dims_(dims), choices_(choices) {}
  std::string name() const override { return "grid"; }
  std::size_t num_dimensions() const override { return dims_; }
  std::size_t num_choices(std::size_t) const override { return choices_; }
  std::string dimension_name(std::size_t dim) const override { return "d" + std::to_string(dim); }
  std::string choice_name(std::size_t, std::size_t c) const override { return std::to_string(c); }
  std::string to_string(ArchCode code) const override { return std::to_string(code); }
  ArchCode parse(std::string_view text) const override { return std::stoull(std::string(text)); }

 private:
  std::size_t dims_, choices_;
};

StrategyContext context(int min_epochs, int max_epochs, double eta = 3, int brackets = 0,
                        std::uint64_t seed = 1) {
  StrategyContext ctx;
  ctx.space = std::make_shared<GridSpace>(4, 5);  // 625 architectures
  ctx.seed = seed;
  ctx.fidelity = {min_epochs, max_epochs, eta, brackets};
  return ctx;
}

// A pseudo-random level per architecture (many distinct values, some equal), improving with
// the epochs, so that promotions depend on the architecture and the rung.
double hashed_score(ArchCode arch, int epochs) {
  const double level = static_cast<double>((arch * 2654435761ULL) % 97) / 97;
  return level + 1.0 / epochs;
}

using Scorer = std::function<double(ArchCode, int)>;

struct Told {
  Job job;
  double score;
};

// What a run of a strategy did: every job in the order handed out, every result in the order
// told, the trials dropped, and how often ask() answered nothing while some workers were busy
// and others free.
struct Drive {
  std::vector<Job> asked;
  std::vector<Told> told;
  std::set<std::uint64_t> dropped;
  std::size_t idle_asks = 0;
};

// W workers; the job started first finishes first. Checks what the runner checks: a known trial
// continues with the same architecture to more epochs, a dropped trial is never continued.
Drive drive(MultiFidelityStrategy& strategy, std::size_t jobs, int workers,
            const Scorer& score = hashed_score) {
  Drive out;
  std::map<std::uint64_t, Job> trials;
  std::deque<Job> running;
  while (out.asked.size() < jobs) {
    while (static_cast<int>(running.size()) < workers && out.asked.size() < jobs) {
      auto job = strategy.ask();
      if (!job) {
        ++out.idle_asks;
        break;
      }
      REQUIRE(out.dropped.count(job->trial) == 0);
      auto [it, fresh] = trials.try_emplace(job->trial, *job);
      if (!fresh) {
        REQUIRE(it->second.arch == job->arch);
        REQUIRE(job->epochs > it->second.epochs);
        it->second = *job;
      }
      out.asked.push_back(*job);
      running.push_back(*job);
    }
    REQUIRE(!running.empty());  // a synchronous strategy waits only for running jobs
    const Job done = running.front();
    running.pop_front();
    const double s = score(done.arch, done.epochs);
    strategy.tell(done, s);
    out.told.push_back({done, s});
    for (auto trial : strategy.take_dropped()) REQUIRE(out.dropped.insert(trial).second);
  }
  return out;
}

// The brackets' shape as the strategy must follow it: (configurations, epochs) per rung.
using Shape = std::vector<std::vector<std::pair<std::size_t, int>>>;

// Walks the jobs bracket by bracket through `cycle` (repeated): each rung hands out exactly its
// configurations at its epochs; rung 0 starts new trials of architectures distinct within the
// bracket; a higher rung continues exactly the best of the rung below (by told score, ties by
// trial number) and the rest are dropped. Returns how many brackets were checked in full.
std::size_t check_brackets(const Drive& d, const Shape& cycle) {
  std::map<std::uint64_t, double> score_of;  // at the trial's latest rung
  std::size_t next = 0, brackets = 0;
  std::uint64_t next_trial = 0;
  for (std::size_t b = 0;; ++b) {
    const auto& rungs = cycle[b % cycle.size()];
    std::vector<std::uint64_t> previous;
    for (std::size_t i = 0; i < rungs.size(); ++i) {
      const auto [n, epochs] = rungs[i];
      if (next + n > d.asked.size()) return brackets;
      std::vector<std::uint64_t> trials;
      std::set<ArchCode> archs;
      for (std::size_t j = 0; j < n; ++j) {
        const Job& job = d.asked[next + j];
        CHECK(job.epochs == epochs);
        trials.push_back(job.trial);
        archs.insert(job.arch);
      }
      if (i == 0) {
        // Fresh trials, numbered on, of distinct architectures.
        std::vector<std::uint64_t> expected(n);
        for (std::size_t j = 0; j < n; ++j) expected[j] = next_trial++;
        CHECK(trials == expected);
        CHECK(archs.size() == n);
      } else {
        for (auto t : previous) REQUIRE(score_of.count(t));  // told before promotion
        auto ranked = previous;
        std::stable_sort(ranked.begin(), ranked.end(), [&](std::uint64_t a, std::uint64_t b) {
          return score_of[a] < score_of[b];
        });
        std::set<std::uint64_t> best(ranked.begin(), ranked.begin() + static_cast<long>(n));
        CHECK(std::set<std::uint64_t>(trials.begin(), trials.end()) == best);
        for (std::size_t r = n; r < ranked.size(); ++r) CHECK(d.dropped.count(ranked[r]));
      }
      // Every job of the rung is handed out before any result of it is needed: record them.
      for (const auto& t : d.told)
        if (t.job.epochs == epochs && std::count(trials.begin(), trials.end(), t.job.trial))
          score_of[t.job.trial] = t.score;
      next += n;
      previous = trials;
    }
    ++brackets;
  }
}

Shape shape_of(const std::vector<Bracket>& brackets) {
  Shape out;
  for (const auto& b : brackets) {
    out.emplace_back();
    for (const auto& r : b.rungs) out.back().emplace_back(r.configurations, r.epochs);
  }
  return out;
}

}  // namespace

TEST_CASE("Hyperband's ladder for min 1, max 81, eta 3 is Li et al. 2018's Table 1",
          "[multifidelity]") {
  // Li, Jamieson, DeSalvo, Rostamizadeh, Talwalkar, JMLR 18(185), 2018, Table 1 (R = 81,
  // eta = 3): n_i and r_i per bracket s.
  const Shape table1 = {{{81, 1}, {27, 3}, {9, 9}, {3, 27}, {1, 81}},
                        {{34, 3}, {11, 9}, {3, 27}, {1, 81}},
                        {{15, 9}, {5, 27}, {1, 81}},
                        {{8, 27}, {2, 81}},
                        {{5, 81}}};
  const auto brackets = hyperband_brackets({1, 81, 3, 0});
  CHECK(shape_of(brackets) == table1);
  for (std::size_t b = 0; b < brackets.size(); ++b) CHECK(brackets[b].s == 4 - static_cast<int>(b));
}

TEST_CASE("Hyperband's ladder for min 10, max 500, eta 3 is SMAC3's documented example",
          "[multifidelity]") {
  // SMAC3's Hyperband intensifier documentation: configurations per stage
  // {0: [27, 9, 3, 1], 1: [12, 4, 1], 2: [6, 2], 3: [4]}, budgets [18.52, 55.56, 166.67, 500].
  const std::vector<std::vector<std::size_t>> configurations = {
      {27, 9, 3, 1}, {12, 4, 1}, {6, 2}, {4}};
  const std::vector<double> budgets = {18.52, 55.56, 166.67, 500};
  const auto brackets = hyperband_brackets({10, 500, 3, 0});
  REQUIRE(brackets.size() == configurations.size());
  for (std::size_t b = 0; b < brackets.size(); ++b) {
    const auto& rungs = brackets[b].rungs;
    REQUIRE(rungs.size() == configurations[b].size());
    for (std::size_t i = 0; i < rungs.size(); ++i) {
      CHECK(rungs[i].configurations == configurations[b][i]);
      const double budget = budgets[b + i];  // bracket b starts at stage b of the budgets
      CHECK(std::round(rungs[i].budget * 100) / 100 == Approx(budget).margin(1e-9));
      CHECK(rungs[i].epochs == static_cast<int>(std::lround(budget)));
    }
  }
}

TEST_CASE("sh runs Hyperband's largest bracket again and again, promoting the best trials",
          "[multifidelity]") {
  for (int workers : {1, 4}) {
    INFO(workers << " workers");
    auto sh = make_job_strategy("sh", context(1, 27));
    const auto d = drive(*sh, 3 * (27 + 9 + 3 + 1), workers);
    // Li et al.'s ladder for R = 27, eta = 3, bracket s = 3.
    CHECK(check_brackets(d, {{{27, 1}, {9, 3}, {3, 9}, {1, 27}}}) == 3);
  }
}

TEST_CASE("sh with 4 workers leaves workers idle while a rung waits for its last results",
          "[multifidelity]") {
  auto sh = make_job_strategy("sh", context(1, 9));  // rungs of 9, 3, 1 jobs
  MultiFidelityStrategy& s = *sh;
  auto tell = [&](const Job& job) { s.tell(job, hashed_score(job.arch, job.epochs)); };
  std::vector<Job> running;
  for (int w = 0; w < 4; ++w) running.push_back(*s.ask());
  // Rung 0 runs 9 jobs on 4 workers: jobs 0-3, then 4-7 as they finish, then job 8.
  for (auto& job : running) {
    tell(job);
    job = *s.ask();
  }
  tell(running[0]);
  running[0] = *s.ask();  // job 8, the last of rung 0
  for (std::size_t w = 1; w < running.size(); ++w) {
    tell(running[w]);
    CHECK(s.ask() == std::nullopt);  // the rung waits for job 8: this worker stays idle
  }
  tell(running[0]);
  // All 9 told: rung 1 has 3 jobs at 3 epochs, and the fourth worker finds nothing.
  for (int j = 0; j < 3; ++j) CHECK(s.ask()->epochs == 3);
  CHECK(s.ask() == std::nullopt);

  // Through the driver: idle asks happen at every rung boundary.
  auto again = make_job_strategy("sh", context(1, 9));
  CHECK(drive(*again, 2 * 13, 4).idle_asks >= 4);
}

TEST_CASE("hyperband runs its brackets s_max down to 0 in order, then starts again",
          "[multifidelity]") {
  for (int workers : {1, 3}) {
    INFO(workers << " workers");
    auto hb = make_job_strategy("hyperband", context(1, 27));
    // R = 27, eta = 3 (Li et al.'s ladder): s = 3, 2, 1, 0.
    const Shape iteration = {{{27, 1}, {9, 3}, {3, 9}, {1, 27}},
                             {{12, 3}, {4, 9}, {1, 27}},
                             {{6, 9}, {2, 27}},
                             {{4, 27}}};
    const auto d = drive(*hb, 2 * (40 + 17 + 8 + 4) + 40, workers);
    CHECK(check_brackets(d, iteration) == 9);
  }
  SECTION("--brackets 2 keeps only the two most aggressive brackets") {
    auto hb = make_job_strategy("hyperband", context(1, 27, 3, 2));
    const auto d = drive(*hb, 3 * (40 + 17), 2);
    CHECK(check_brackets(d, {{{27, 1}, {9, 3}, {3, 9}, {1, 27}}, {{12, 3}, {4, 9}, {1, 27}}}) ==
          6);
  }
}

TEST_CASE("one-epoch-topk trains n trials for min epochs and continues the best K to max",
          "[multifidelity]") {
  // min 1, max 27, eta 3: Hyperband's most aggressive bracket starts n = 27 = 3^3, K = 27 / 3^3.
  auto topk = make_job_strategy("one-epoch-topk", context(1, 27));
  const auto d = drive(*topk, 3 * 28, 4);
  CHECK(check_brackets(d, {{{27, 1}, {1, 27}}}) == 3);
  std::size_t at_max = 0;
  for (const auto& job : d.asked) at_max += job.epochs == 27;
  CHECK(at_max == 3);

  // min 2, max 50, eta 2: s_max = 4 (2 * 2^4 = 32 <= 50), n = 2^4 = 16, K = 1; every job of the
  // first phase may start at once.
  auto wide = make_job_strategy("one-epoch-topk", context(2, 50, 2));
  CHECK(check_brackets(drive(*wide, 2 * 17, 16), {{{16, 2}, {1, 50}}}) == 2);

  SECTION("with min = max a round is its first phase") {
    auto flat = make_job_strategy("one-epoch-topk", context(5, 5));
    CHECK(check_brackets(drive(*flat, 3, 1), {{{1, 5}}}) == 3);
  }
}

TEST_CASE("The same seed gives the same jobs, another seed other architectures",
          "[multifidelity]") {
  for (const char* name : {"sh", "hyperband", "bohb", "one-epoch-topk"}) {
    INFO(name);
    auto sequence = [&](std::uint64_t seed) {
      auto s = make_job_strategy(name, context(1, 9, 3, 0, seed));
      std::vector<std::tuple<std::uint64_t, ArchCode, int>> out;
      for (const auto& job : drive(*s, 200, 3).asked) out.emplace_back(job.trial, job.arch, job.epochs);
      return out;
    };
    CHECK(sequence(7) == sequence(7));
    CHECK(sequence(7) != sequence(8));
  }
}

TEST_CASE("Multi-fidelity strategies refuse bad fidelities, naming the option",
          "[multifidelity]") {
  for (const char* name : {"sh", "hyperband", "bohb", "one-epoch-topk"}) {
    INFO(name);
    CHECK_THROWS_WITH(make_job_strategy(name, context(1, 27, 1.5)), Catch::Contains("--eta"));
    CHECK_THROWS_WITH(make_job_strategy(name, context(9, 3)),
                      Catch::Contains("--min-epochs 9") && Catch::Contains("--max-epochs 3"));
    CHECK_THROWS_WITH(make_job_strategy(name, context(0, 3)), Catch::Contains("--min-epochs"));
    CHECK_THROWS_WITH(make_job_strategy(name, context(1, 27, 3, -1)),
                      Catch::Contains("--brackets"));
  }
}

TEST_CASE("bohb proposes from its model once a budget has enough results", "[multifidelity]") {
  // Choice 0 is the best in every dimension: the score counts the other choices. Uniform
  // proposals choose it 1 time in 5.
  const Scorer rewards_choice_0 = [](ArchCode arch, int epochs) {
    double others = 0;
    for (ArchCode rest = arch; rest > 0; rest /= 5) others += rest % 5 != 0;
    return others + hashed_score(arch, epochs) / 10;
  };
  auto share_of_choice_0 = [&](const char* name, std::uint64_t seed) {
    auto s = make_job_strategy(name, context(1, 27, 3, 0, seed));
    const auto d = drive(*s, 2000, 2, rewards_choice_0);
    // The choices of new trials (their first job) after the first Hyperband iteration (69 jobs).
    std::set<std::uint64_t> seen;
    std::size_t choices = 0, choice_0 = 0;
    for (std::size_t j = 0; j < d.asked.size(); ++j) {
      if (!seen.insert(d.asked[j].trial).second || j < 69) continue;
      for (ArchCode rest = d.asked[j].arch, dim = 0; dim < 4; ++dim, rest /= 5) {
        ++choices;
        choice_0 += rest % 5 == 0;
      }
    }
    return static_cast<double>(choice_0) / static_cast<double>(choices);
  };
  for (std::uint64_t seed : {3, 4, 5}) {
    const double bohb = share_of_choice_0("bohb", seed);
    const double hyperband = share_of_choice_0("hyperband", seed);
    INFO("share of choice 0 among the choices of new trials: bohb " << bohb << ", hyperband "
                                                                    << hyperband);
    CHECK(hyperband < 0.23);
    // Uniform draws would stay near 0.2; the model (learning from the highest budget with
    // enough results, where promotions have already gathered good choices) lifts it to about
    // 0.35-0.38 over this run (seeds 3-8).
    CHECK(bohb > 0.3);
  }
}

TEST_CASE("The categorical Parzen estimator proposes the best untaken combination",
          "[multifidelity]") {
  GridSpace space(3, 4);
  CategoricalParzen model(space);
  // Good results choose 0 in every dimension, bad ones anything but 0.
  for (ArchCode arch = 0; arch < space.size(); ++arch) {
    const auto choices = space.decode(arch);
    const auto zeros = std::count(choices.begin(), choices.end(), 0u);
    model.add(arch, 3.0 - static_cast<double>(zeros));
  }
  common::Rng rng(5), same(5);
  const ArchCode best = model.propose(rng);
  CHECK(best == 0);
  // The same draws, with the best taken: another architecture, one dimension away.
  const ArchCode next = model.propose(same, {best});
  CHECK(next != best);
  const auto choices = space.decode(next);
  CHECK(std::count(choices.begin(), choices.end(), 0u) == 2);
  // Everything taken: the unconstrained proposal, for the caller to refuse.
  std::unordered_set<ArchCode> all;
  for (ArchCode arch = 0; arch < space.size(); ++arch) all.insert(arch);
  common::Rng again(5);
  CHECK(model.propose(again, all) == best);
}

TEST_CASE("Each multi-fidelity strategy runs through run_search, continuing trials",
          "[multifidelity]") {
  evaluators::SourceOptions o;
  o.benchmark = std::make_shared<bench::Benchmark>(testing::toy_builder().build());
  o.dataset = "toy";  // a 10-epoch schedule
  auto source = evaluators::make_curve_source("tabular", o);
  const evaluators::EstimatorOptions sotle{10, std::nullopt, 0.9};
  for (const char* name : {"sh", "hyperband", "bohb", "one-epoch-topk"})
    for (int workers : {1, 4}) {
      INFO(name << ", " << workers << " workers");
      evaluators::Evaluator evaluator(evaluators::make_estimator("sotle", sotle), source, {},
                                      evaluators::estimator_at_epochs("sotle", sotle, 10));
      StrategyContext ctx;
      ctx.space = o.benchmark->space_ptr();
      ctx.seed = 2;
      ctx.fidelity = {1, 10, 3, 0};
      auto strategy = make_job_strategy(name, ctx);
      common::Rng rng(4);
      // The runner throws on a continuation of a dropped trial or to fewer epochs.
      const auto trace = experiment::run_search(*strategy, evaluator, {20000, workers, 0}, rng);
      REQUIRE(!trace.rows.empty());
      int highest = 0;
      for (const auto& row : trace.rows) highest = std::max(highest, row.epochs);
      CHECK(highest == 10);
      CHECK(trace.rows.back().incumbent_test_error > 0);
    }
}
