// ASHA (Li et al., MLSys 2020) in its promotion form ("asha") and its stopping form
// ("asha-stop"), run by the simulated runner with 1, 4 and 16 workers over synthetic curves
// whose architecture quality is known. Every job handed out and every result told is recorded
// and replayed against the rules written out again here (rank by sorting, no shared code), so a
// deviation in any single decision fails.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <deque>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include "common/random.hpp"
#include "evaluators/evaluator.hpp"
#include "run/search_run.hpp"
#include "search/multi_fidelity.hpp"
#include "spaces/search_space_registry.hpp"

using namespace nasrun;
using search::Job;

namespace {

// min 1, max 27, eta 3: rungs at 27 * 3^(i - 3), i = 0..3.
const std::vector<int> kRungEpochs = {1, 3, 9, 27};
constexpr double kEta = 3;

// Each architecture's quality q in [0, 1) (0 best), fixed pseudo-random.
double quality(spaces::ArchCode arch) {
  return static_cast<double>(common::mix_seed(arch, 7) >> 11) * 0x1.0p-53;
}

// A 27-epoch schedule whose training loss at epoch t is 0.1 + 2q + 1/t: every rung ranks the
// architectures by q. An epoch trains for 1 + q seconds, so jobs end at different times.
class QualityCurves : public evaluators::LearningCurveSource {
 public:
  std::string describe() const override { return "curves of known quality"; }
  int schedule_epochs() const override { return kRungEpochs.back(); }
  evaluators::Curve observe(spaces::ArchCode arch, int epochs,
                            const std::vector<evaluators::CurveNeed>& needs, common::Rng&) override {
    const double q = quality(arch);
    evaluators::Curve c;
    c.schedule_epochs = schedule_epochs();
    c.epochs_trained = epochs;
    for (const auto& need : needs) {
      auto& s = c.series[static_cast<int>(need.metric)];
      s.assign(static_cast<std::size_t>(epochs), std::numeric_limits<double>::quiet_NaN());
      for (int t = need.first_epoch; t <= need.last_epoch; ++t)
        s[static_cast<std::size_t>(t - 1)] = 0.1 + 2 * q + 1.0 / t;
    }
    c.train_time_s.assign(static_cast<std::size_t>(epochs), 1 + q);
    c.eval_time_s.assign(static_cast<std::size_t>(epochs), 0.0);
    return c;
  }
  double final_test_error(spaces::ArchCode arch) override { return 5 + 60 * quality(arch); }
};

search::StrategyContext context(std::uint64_t seed) {
  search::StrategyContext ctx;
  ctx.space = spaces::make_search_space("nb201");
  ctx.seed = seed;
  ctx.fidelity = {kRungEpochs.front(), kRungEpochs.back(), kEta, 0};
  return ctx;
}

// What a strategy was asked and told, in order, as the runner drove it.
struct Event {
  enum Kind { kAsk, kTell, kDropped } kind;
  Job job;          // kAsk, kTell
  double score = 0;  // kTell
  std::uint64_t trial = 0;  // kDropped
};

class Recording : public search::MultiFidelityStrategy {
 public:
  explicit Recording(std::unique_ptr<search::MultiFidelityStrategy> inner)
      : inner_(std::move(inner)) {}
  std::optional<Job> ask() override {
    auto job = inner_->ask();
    if (!job) ++unanswered;
    else events.push_back({Event::kAsk, *job});
    return job;
  }
  void tell(const Job& job, double score) override {
    events.push_back({Event::kTell, job, score});
    inner_->tell(job, score);
  }
  std::vector<std::uint64_t> take_dropped() override {
    auto dropped = inner_->take_dropped();
    for (auto trial : dropped) events.push_back({Event::kDropped, {}, 0, trial});
    return dropped;
  }
  std::vector<Event> events;
  int unanswered = 0;

 private:
  std::unique_ptr<search::MultiFidelityStrategy> inner_;
};

struct Run {
  experiment::Trace trace;
  std::vector<Event> events;
  int unanswered = 0;
};

Run run(const std::string& name, int workers, std::uint64_t seed, double budget_s) {
  auto source = std::make_shared<QualityCurves>();
  evaluators::EstimatorOptions options;
  options.T = kRungEpochs.back();
  evaluators::Evaluator evaluator(evaluators::make_estimator("sotle", options), source, {},
                                  evaluators::estimator_at_epochs("sotle", options,
                                                                  kRungEpochs.back()));
  Recording strategy(search::make_job_strategy(name, context(seed)));
  experiment::RunBudget budget;
  budget.budget_s = budget_s;
  budget.workers = workers;
  common::Rng data_rng(seed);
  Run out;
  out.trace = experiment::run_search(strategy, evaluator, budget, data_rng);
  out.events = std::move(strategy.events);
  out.unanswered = strategy.unanswered;
  return out;
}

// The results told at a rung, in the order of the rules: by score, ties by the order told.
struct Told {
  double score;
  std::size_t order;
  std::uint64_t trial;
  bool operator<(const Told& o) const { return score != o.score ? score < o.score : order < o.order; }
};

std::size_t top_count(std::size_t n) { return static_cast<std::size_t>(std::floor(n / kEta)); }

// Replays a run against the rules common to both forms: a job of a known trial continues it to
// its next rung with the same architecture, a new trial starts at rung 0 with the next number,
// nothing dropped is continued, and each trial is dropped exactly when `expect_drop` said so
// on its last result. `expected_ask` names the trial each ask must continue (or nothing for a
// new one), from the results told so far.
struct Replay {
  std::map<std::uint64_t, spaces::ArchCode> arch;
  std::map<std::uint64_t, std::size_t> rung;  // of the trial's latest job
  std::vector<std::vector<Told>> told = std::vector<std::vector<Told>>(kRungEpochs.size());
  std::set<std::uint64_t> dropped, to_drop;
  std::size_t told_count = 0;
  std::size_t continued = 0;
};

template <typename ExpectedAsk, typename AfterTell>
Replay replay(const Run& r, ExpectedAsk expected_ask, AfterTell after_tell) {
  Replay s;
  for (const auto& e : r.events) {
    // The runner takes the dropped trials right after each result: each was dropped then.
    if (e.kind != Event::kDropped) REQUIRE(s.to_drop.empty());
    if (e.kind == Event::kAsk) {
      const std::optional<std::uint64_t> expected = expected_ask(s);
      if (expected) {
        INFO("ask " << s.told_count << ": expected trial " << *expected << " to continue");
        REQUIRE(e.job.trial == *expected);
        REQUIRE(!s.dropped.count(e.job.trial));
        REQUIRE(e.job.arch == s.arch.at(e.job.trial));
        REQUIRE(e.job.epochs == kRungEpochs.at(++s.rung.at(e.job.trial)));
        ++s.continued;
      } else {
        INFO("ask " << s.told_count << ": expected a new trial");
        REQUIRE(e.job.trial == s.arch.size());
        REQUIRE(e.job.epochs == kRungEpochs.front());
        s.arch[e.job.trial] = e.job.arch;
        s.rung[e.job.trial] = 0;
      }
    } else if (e.kind == Event::kTell) {
      const auto k = s.rung.at(e.job.trial);
      REQUIRE(e.job.epochs == kRungEpochs[k]);
      s.told[k].push_back({e.score, s.told_count++, e.job.trial});
      after_tell(s, e.job.trial, k);
    } else {
      REQUIRE(s.to_drop.count(e.trial));
      s.to_drop.erase(e.trial);
      s.dropped.insert(e.trial);
    }
  }
  REQUIRE(s.to_drop.empty());
  return s;
}

// Promotion (Algorithm 2): from the rung below the top down, the best trial in its rung's top
// floor(n / eta) not promoted yet; a trial is dropped when it finishes the top rung.
Replay replay_promotion(const Run& r) {
  std::vector<std::set<std::uint64_t>> promoted(kRungEpochs.size());
  return replay(
      r,
      [&](const Replay& s) -> std::optional<std::uint64_t> {
        for (std::size_t k = kRungEpochs.size() - 1; k-- > 0;) {
          auto sorted = s.told[k];
          std::sort(sorted.begin(), sorted.end());
          sorted.resize(top_count(sorted.size()));
          for (const auto& t : sorted)
            if (promoted[k].insert(t.trial).second) return t.trial;
        }
        return std::nullopt;
      },
      [](Replay& s, std::uint64_t trial, std::size_t k) {
        if (k + 1 == kRungEpochs.size()) s.to_drop.insert(trial);
      });
}

// Stopping: once a rung has eta results, a result below the top floor(n / eta) of the n told
// there so far (itself included) stops its trial; the others continue, first come first served,
// before new trials.
Replay replay_stopping(const Run& r) {
  std::deque<std::uint64_t> waiting;
  return replay(
      r,
      [&](const Replay&) -> std::optional<std::uint64_t> {
        if (waiting.empty()) return std::nullopt;
        const auto trial = waiting.front();
        waiting.pop_front();
        return trial;
      },
      [&](Replay& s, std::uint64_t trial, std::size_t k) {
        const auto& rung = s.told[k];
        const auto rank = static_cast<std::size_t>(
            std::count_if(rung.begin(), rung.end(), [&](const Told& t) { return t < rung.back(); }));
        if (k + 1 < kRungEpochs.size() &&
            (static_cast<double>(rung.size()) < kEta || rank < top_count(rung.size()))) {
          waiting.push_back(trial);
        } else {
          s.to_drop.insert(trial);
        }
      });
}

// No worker ever idles: the first W jobs start at 0, every later one at the moment another
// completed, and the budget cuts off exactly W running jobs.
void check_workers_never_idle(const experiment::Trace& trace, int workers) {
  std::vector<double> slots(static_cast<std::size_t>(workers), 0.0), starts;
  for (const auto& row : trace.rows) {
    slots.push_back(row.time_s);
    starts.push_back(row.time_s - row.cost_s);
  }
  std::sort(starts.begin(), starts.end());
  std::size_t slot = 0;
  for (double start : starts) {
    while (slot < slots.size() && slots[slot] < start - 1e-6) ++slot;
    INFO("a job started at " << start);
    REQUIRE(slot < slots.size());
    REQUIRE(slots[slot] == Approx(start).margin(1e-6));
    ++slot;
  }
  CHECK(trace.cut_off == static_cast<std::size_t>(workers));
}

double mean_quality(const Replay& s, const std::set<std::uint64_t>& trials) {
  double sum = 0;
  for (auto t : trials) sum += quality(s.arch.at(t));
  return sum / static_cast<double>(trials.size());
}

// Mean quality of the trials that finished the top rung against that of every trial started
// (uniform samples after a 10-architecture design: about 0.5).
void check_finishers_beat_random(const Replay& s) {
  std::set<std::uint64_t> finishers, started;
  for (const auto& t : s.told.back()) finishers.insert(t.trial);
  for (const auto& [trial, arch] : s.arch) started.insert(trial);
  REQUIRE(finishers.size() >= 3);
  INFO(finishers.size() << " finishers of " << started.size() << " trials");
  CHECK(mean_quality(s, started) > 0.35);
  CHECK(mean_quality(s, finishers) < 0.15);
}

// About 700 jobs with one worker to 2,500 with 16, each with a few top-rung finishers.
double budget_for(int workers) { return 200 + 1500.0 / workers; }

// Runs `name` with 1, 4 and 16 workers (one per Catch section) and checks what both forms
// promise: every ask answered and every decision as `replay_rules` says, several trials
// continued, no worker idle, the top-rung finishers better than random. Returns the replay.
Replay check_runs(const std::string& name, std::uint64_t seed, Replay (*replay_rules)(const Run&)) {
  const int workers = GENERATE(1, 4, 16);
  INFO(name << " with " << workers << " workers");
  const auto r = run(name, workers, seed, budget_for(workers));
  CHECK(r.unanswered == 0);
  const auto s = replay_rules(r);
  CHECK(s.continued > 10);
  check_workers_never_idle(r.trace, workers);
  check_finishers_beat_random(s);
  return s;
}

}  // namespace

TEST_CASE("ASHA promotes the best unpromoted trial in a rung's top third, else starts one",
          "[multifidelity]") {
  auto ctx = context(5);
  ctx.fidelity = {1, 9, 3, 0};  // rungs at 1, 3, 9 epochs
  auto asha = search::make_job_strategy("asha", ctx);
  // Three results at rung 0: only then does its top floor(3/3) = 1 hold a trial.
  std::vector<Job> jobs;
  for (double score : {0.5, 0.2, 0.9}) {
    const auto job = asha->ask();
    REQUIRE(job);
    CHECK(job->trial == jobs.size());
    CHECK(job->epochs == 1);
    asha->tell(*job, score);
    jobs.push_back(*job);
  }
  const auto promoted = asha->ask();
  REQUIRE(promoted);
  CHECK(promoted->trial == 1);
  CHECK(promoted->arch == jobs[1].arch);
  CHECK(promoted->epochs == 3);
  // Trial 1 is promoted already: the next ask starts trial 3, even though 1 is still running.
  const auto fresh = asha->ask();
  REQUIRE(fresh);
  CHECK(fresh->trial == 3);
  CHECK(fresh->epochs == 1);
  CHECK(asha->take_dropped().empty());
  // A job it never handed out is a logic error, not a silent new rung.
  CHECK_THROWS_AS(asha->tell(Job{3, fresh->arch, 9}, 0.1), std::logic_error);
}

// Driven by the runner, a told result makes at most one trial promotable (or continuable) and
// the next ask takes it, so which goes first shows only when several results are told before
// an ask, as here.
TEST_CASE("ASHA promotes from the highest rung first, and in a rung the best first",
          "[multifidelity]") {
  auto ctx = context(6);
  ctx.fidelity = {1, 9, 3, 0};  // rungs at 1, 3, 9 epochs
  auto asha = search::make_job_strategy("asha", ctx);
  auto ask = [&] {
    const auto job = asha->ask();
    REQUIRE(job);
    return *job;
  };
  std::vector<Job> fresh;
  for (int i = 0; i < 9; ++i) fresh.push_back(ask());
  // Trials 0..8 at rung 0 with scores 0.9, 0.8, ..., 0.1: the top floor(9/3) = 3 are 8, 7, 6.
  for (int i = 0; i < 9; ++i) asha->tell(fresh[static_cast<std::size_t>(i)], 0.9 - 0.1 * i);
  std::vector<Job> rung1;
  for (std::uint64_t expected : {8, 7, 6}) {
    rung1.push_back(ask());
    CHECK(rung1.back().trial == expected);
    CHECK(rung1.back().epochs == 3);
  }
  // Nothing promotable left: new trials 9, 10, 11, told better than everything at rung 0, so
  // the top floor(12/3) = 4 is 9, 10, 11 and 8 (promoted).
  for (int i = 0; i < 3; ++i) {
    const auto job = ask();
    CHECK(job.trial == fresh.size());
    CHECK(job.epochs == 1);
    fresh.push_back(job);
  }
  asha->tell(fresh[9], 0.03);
  asha->tell(fresh[10], 0.01);
  asha->tell(fresh[11], 0.02);
  // Rung 1 gets 3 results: its top floor(3/3) = 1 is trial 7.
  asha->tell(rung1[0], 0.5);
  asha->tell(rung1[1], 0.4);
  asha->tell(rung1[2], 0.6);
  const auto top = ask();
  CHECK(top.trial == 7);
  CHECK(top.arch == fresh[7].arch);
  CHECK(top.epochs == 9);
  for (std::uint64_t expected : {10, 11, 9}) {
    const auto job = ask();
    CHECK(job.trial == expected);
    CHECK(job.epochs == 3);
  }
  CHECK(ask().trial == 12);
  CHECK(asha->take_dropped().empty());
  asha->tell(top, 0.3);  // trial 7 finished the top rung
  CHECK(asha->take_dropped() == std::vector<std::uint64_t>{7});
  CHECK(asha->take_dropped().empty());
}

TEST_CASE("ASHA-stop continues the first eta - 1 at a rung and then those in its top floor(n/eta)",
          "[multifidelity]") {
  auto ctx = context(7);
  ctx.fidelity = {1, 9, 3, 0};
  auto stop = search::make_job_strategy("asha-stop", ctx);
  std::vector<Job> jobs;
  for (int i = 0; i < 6; ++i) jobs.push_back(*stop->ask());
  // Arrivals and the top floor(n/3) of the n told so far: 0.5 (n 1: too few to judge), 0.4
  // (n 2: too few), 0.3 (n 3: itself), 0.9 (n 4: 0.3), 0.1 (n 5: itself), 0.2 (n 6: 0.1 and
  // itself).
  const std::vector<double> scores = {0.5, 0.4, 0.3, 0.9, 0.1, 0.2};
  std::vector<std::uint64_t> dropped;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    stop->tell(jobs[i], scores[i]);
    for (auto trial : stop->take_dropped()) dropped.push_back(trial);
  }
  CHECK(dropped == std::vector<std::uint64_t>{3});
  for (std::uint64_t expected : {0, 1, 2, 4, 5}) {
    const auto job = stop->ask();
    REQUIRE(job);
    CHECK(job->trial == expected);
    CHECK(job->arch == jobs[expected].arch);
    CHECK(job->epochs == 3);
  }
  const auto fresh = stop->ask();
  REQUIRE(fresh);
  CHECK(fresh->trial == 6);
  CHECK(fresh->epochs == 1);
}

TEST_CASE("ASHA with 1, 4 and 16 workers: every decision as Algorithm 2, no worker idle",
          "[multifidelity]") {
  const auto s = check_runs("asha", 11, replay_promotion);
  // Only top-rung finishers are dropped, each once.
  CHECK(s.dropped.size() == s.told.back().size());
}

TEST_CASE("ASHA-stop with 1, 4 and 16 workers stops exactly those below the top 1/eta",
          "[multifidelity]") {
  const auto s = check_runs("asha-stop", 12, replay_stopping);
  CHECK(s.dropped.size() > s.told.back().size());  // some were stopped early
}

TEST_CASE("ASHA and ASHA-stop: the same seed gives the same run, another seed another",
          "[multifidelity]") {
  const std::string name = GENERATE(as<std::string>{}, "asha", "asha-stop");
  INFO(name);
  const auto a = run(name, 4, 3, 300), b = run(name, 4, 3, 300), c = run(name, 4, 4, 300);
  auto jobs = [](const Run& r) {
    std::vector<std::tuple<int, std::uint64_t, spaces::ArchCode, int, double>> out;
    for (const auto& e : r.events)
      out.emplace_back(e.kind, e.kind == Event::kDropped ? e.trial : e.job.trial, e.job.arch,
                       e.job.epochs, e.score);
    return out;
  };
  REQUIRE(jobs(a) == jobs(b));
  REQUIRE(a.trace.rows.size() == b.trace.rows.size());
  for (std::size_t i = 0; i < a.trace.rows.size(); ++i) {
    CHECK(a.trace.rows[i].arch == b.trace.rows[i].arch);
    CHECK(a.trace.rows[i].time_s == b.trace.rows[i].time_s);
    CHECK(a.trace.rows[i].incumbent == b.trace.rows[i].incumbent);
  }
  CHECK(jobs(a) != jobs(c));
}

TEST_CASE("ASHA refuses bad fidelities, naming the option", "[multifidelity]") {
  const std::string name = GENERATE(as<std::string>{}, "asha", "asha-stop");
  auto ctx = context(1);
  ctx.fidelity.eta = 1.5;
  CHECK_THROWS_WITH(search::make_job_strategy(name, ctx), Catch::Contains("--eta"));
  ctx = context(1);
  ctx.fidelity.min_epochs = 30;
  CHECK_THROWS_WITH(search::make_job_strategy(name, ctx), Catch::Contains("--min-epochs 30"));
}
