#include "study/summary.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace nasrun::experiment {

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

StudySummary summarise(const std::vector<RunResult>& results, double budget_s, int grid_points) {
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
      evals[i] = static_cast<double>(runs[i]->trace.rows.size());
      cut[i] = static_cast<double>(runs[i]->trace.cut_off);
    }
    c.final_incumbent_test_error = mean_se(a);
    c.final_best_test_error = mean_se(b);
    c.evaluations = mean_se(evals);
    c.cut_off = mean_se(cut);
    s.combos.push_back(std::move(c));
  }
  return s;
}

namespace {
nlohmann::json to_json(const MeanSe& m) {
  auto num = [](double v) { return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v); };
  return {{"mean", num(m.mean)}, {"se", num(m.se)}, {"n", m.n}};
}
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
                                 {"final_best_test_error", experiment::to_json(c.final_best_test_error)},
                                 {"evaluations_per_run", experiment::to_json(c.evaluations)},
                                 {"cut_off_per_run", experiment::to_json(c.cut_off)}});
  }
  return j;
}

}  // namespace nasrun::experiment
