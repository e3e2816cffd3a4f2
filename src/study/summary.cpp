#include "study/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "common/random.hpp"

namespace nasrun::experiment {

void keep_summary_rows(Trace& trace) {
  auto& rows = trace.rows;
  if (rows.size() <= 2) return;
  // NaN (an unknown test error) equals NaN here: a run of unknowns is one value.
  const auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
  std::vector<TraceRow> kept{rows.front()};
  for (std::size_t i = 1; i + 1 < rows.size(); ++i)
    if (!same(rows[i].incumbent_test_error, rows[i - 1].incumbent_test_error) ||
        !same(rows[i].best_test_error, rows[i - 1].best_test_error))
      kept.push_back(rows[i]);
  kept.push_back(rows.back());
  trace.rows_left_out += rows.size() - kept.size();
  rows.swap(kept);
}

MeanSe mean_se(const std::vector<double>& values) {
  MeanSe m;
  double sum = 0;
  for (double v : values)
    if (!std::isnan(v)) {
      sum += v;
      ++m.n;
    }
  if (m.n == 0) {
    m.mean = m.se = std::numeric_limits<double>::quiet_NaN();
    return m;
  }
  m.mean = sum / m.n;
  double ss = 0;
  for (double v : values)
    if (!std::isnan(v)) ss += (v - m.mean) * (v - m.mean);
  // Sample standard deviation over sqrt(n); a single run has no spread to report.
  m.se = m.n > 1 ? std::sqrt(ss / (m.n - 1)) / std::sqrt(m.n) : 0.0;
  return m;
}

double mean_of(std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

Interval bootstrap_interval(const std::vector<double>& values,
                            const std::function<double(std::vector<double>&)>& statistic) {
  constexpr int kResamples = 2000;
  std::vector<double> kept;
  for (double v : values)
    if (!std::isnan(v)) kept.push_back(v);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (kept.empty()) return {nan, nan};
  // A fixed seed: the same runs give the same interval.
  common::Rng rng(common::mix_seed(0x626f6f74, kept.size()));
  std::vector<double> resample(kept.size()), statistics(kResamples);
  for (auto& stat : statistics) {
    for (auto& v : resample) v = kept[common::uniform_below(rng, kept.size())];
    stat = statistic(resample);
  }
  std::sort(statistics.begin(), statistics.end());
  // The 2.5th and 97.5th percentiles, numpy's default (linear) interpolation.
  auto percentile = [&](double q) {
    const double at = q * (kResamples - 1);
    const auto below = static_cast<std::size_t>(std::floor(at));
    const auto above = std::min(below + 1, statistics.size() - 1);
    const double a = statistics[below], b = statistics[above];
    return a == b ? a : a + (at - static_cast<double>(below)) * (b - a);
  };
  return {percentile(0.025), percentile(0.975)};
}

double time_to_reach(const Trace& trace, double target) {
  for (const auto& row : trace.rows)
    if (row.incumbent_test_error <= target) return row.time_s;
  return std::numeric_limits<double>::infinity();
}

namespace {

// Value of a run's column at time t: the last completed row at or before t.
template <typename Get>
double at_time(const Trace& trace, double t, Get get) {
  const auto it = std::upper_bound(trace.rows.begin(), trace.rows.end(), t,
                                   [](double x, const TraceRow& r) { return x < r.time_s; });
  if (it == trace.rows.begin()) return std::numeric_limits<double>::quiet_NaN();
  return get(*(it - 1));
}

}  // namespace

StudySummary summarise(const std::vector<RunResult>& results, double budget_s, int grid_points,
                       std::optional<double> target_error) {
  StudySummary s;
  s.budget_s = budget_s;
  double first = budget_s;
  for (const auto& r : results)
    if (!r.trace.rows.empty()) first = std::min(first, r.trace.rows.front().time_s);
  first = std::max(first, budget_s * 1e-6);
  for (int i = 0; i < grid_points; ++i)
    s.grid_s.push_back(grid_points == 1 ? budget_s
                                        : first * std::pow(budget_s / first,
                                                           static_cast<double>(i) / (grid_points - 1)));

  // Combinations in the order they first appear.
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, std::vector<const RunResult*>> by_combo;
  for (const auto& r : results) {
    auto key = std::make_pair(r.strategy, r.evaluator);
    if (!by_combo.count(key)) order.push_back(key);
    by_combo[key].push_back(&r);
  }
  const auto incumbent = [](const TraceRow& r) { return r.incumbent_test_error; };
  const auto best = [](const TraceRow& r) { return r.best_test_error; };
  for (const auto& key : order) {
    const auto& runs = by_combo[key];
    ComboSummary c;
    c.strategy = key.first;
    c.evaluator = key.second;
    c.runs = static_cast<int>(runs.size());
    std::vector<double> a(runs.size()), b(runs.size());
    for (double t : s.grid_s) {
      for (std::size_t i = 0; i < runs.size(); ++i) {
        a[i] = at_time(runs[i]->trace, t, incumbent);
        b[i] = at_time(runs[i]->trace, t, best);
      }
      c.incumbent_test_error.push_back(mean_se(a));
      c.best_test_error.push_back(mean_se(b));
    }
    std::vector<double> evals(runs.size()), cut(runs.size());
    for (std::size_t i = 0; i < runs.size(); ++i) {
      a[i] = at_time(runs[i]->trace, budget_s, incumbent);
      b[i] = at_time(runs[i]->trace, budget_s, best);
      evals[i] = static_cast<double>(runs[i]->trace.evaluations());
      cut[i] = static_cast<double>(runs[i]->trace.cut_off);
    }
    c.final_incumbent_test_error = mean_se(a);
    c.final_incumbent_interval = bootstrap_interval(a, mean_of);
    if (target_error) {
      std::vector<double> times(runs.size());
      std::size_t reached = 0;
      for (std::size_t i = 0; i < runs.size(); ++i) {
        times[i] = time_to_reach(runs[i]->trace, *target_error);
        if (std::isfinite(times[i])) ++reached;
      }
      TimeToTarget t;
      t.target = *target_error;
      t.median_interval = bootstrap_interval(times, median_of);
      t.median_s = median_of(times);
      t.reached = static_cast<double>(reached) / static_cast<double>(runs.size());
      c.time_to_target = t;
    }
    c.final_best_test_error = mean_se(b);
    c.evaluations = mean_se(evals);
    c.cut_off = mean_se(cut);
    s.combos.push_back(std::move(c));
  }
  return s;
}

namespace {
nlohmann::json number(double v) {
  // JSON has no NaN nor infinity: an unknown value is null, a never-reached time "inf".
  if (std::isnan(v)) return nullptr;
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return v;
}
nlohmann::json to_json(const MeanSe& m) {
  return {{"mean", number(m.mean)}, {"se", number(m.se)}, {"n", m.n}};
}
nlohmann::json to_json(const Interval& i) { return {number(i.low), number(i.high)}; }
nlohmann::json series_json(const std::vector<MeanSe>& v) {
  nlohmann::json mean = nlohmann::json::array(), se = nlohmann::json::array(),
                 n = nlohmann::json::array();
  for (const auto& m : v) {
    const auto j = to_json(m);
    mean.push_back(j["mean"]);
    se.push_back(j["se"]);
    n.push_back(j["n"]);
  }
  return {{"mean", mean}, {"se", se}, {"n", n}};
}
}  // namespace

nlohmann::json StudySummary::to_json() const {
  nlohmann::json j;
  j["budget_s"] = budget_s;
  j["time_grid_s"] = grid_s;
  j["units"] = "test error in percent; time in simulated seconds";
  j["combinations"] = nlohmann::json::array();
  for (const auto& c : combos) {
    j["combinations"].push_back({{"strategy", c.strategy},
                                 {"evaluator", c.evaluator},
                                 {"runs", c.runs},
                                 {"incumbent_test_error", series_json(c.incumbent_test_error)},
                                 {"best_test_error", series_json(c.best_test_error)},
                                 {"final_incumbent_test_error", experiment::to_json(c.final_incumbent_test_error)},
                                 {"final_incumbent_test_error_ci95", experiment::to_json(c.final_incumbent_interval)},
                                 {"final_best_test_error", experiment::to_json(c.final_best_test_error)},
                                 {"evaluations_per_run", experiment::to_json(c.evaluations)},
                                 {"cut_off_per_run", experiment::to_json(c.cut_off)}});
    if (c.time_to_target)
      j["combinations"].back()["time_to_target"] = {
          {"target_test_error", c.time_to_target->target},
          {"median_s", number(c.time_to_target->median_s)},
          {"median_s_ci95", experiment::to_json(c.time_to_target->median_interval)},
          {"reached", c.time_to_target->reached}};
  }
  return j;
}

}  // namespace nasrun::experiment
