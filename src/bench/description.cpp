#include "bench/description.hpp"

#include <cmath>
#include <set>
#include <string>
#include <vector>

namespace nasrun::bench {

namespace {

nlohmann::json number_or_null(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
}

// An architecture of each stored result with results: cells that share stored results (a
// tabulated benchmark's isomorphic cells) share their training runs, which count once.
std::vector<std::size_t> one_per_stored_result(const Table& t) {
  std::vector<std::size_t> out;
  std::set<int> rows;
  for (std::size_t a = 0; a < t.num_archs(); ++a)
    if (t.num_seeds_present(a) > 0 && rows.insert(t.row_of(a)).second) out.push_back(a);
  return out;
}

// Each metric's values and missing values over the stored training runs.
nlohmann::json describe_metrics(const Table& t, const std::vector<std::size_t>& one_per_row,
                                std::size_t runs) {
  nlohmann::json metrics = nlohmann::json::object();
  const auto cols = t.recorded_epochs().size();
  for (auto m : all_metrics()) {
    if (!t.has_metric(m)) continue;
    std::size_t missing = 0, missing_last = 0;
    for (const auto a : one_per_row) {
      for (std::size_t s = 0; s < t.seeds().size(); ++s) {
        if (!t.seed_present(a, static_cast<int>(s))) continue;
        const float* v = t.series(m, a, static_cast<int>(s));
        for (std::size_t c = 0; c < cols; ++c) missing += std::isnan(v[c]);
        missing_last += std::isnan(v[cols - 1]);
      }
    }
    // Test metrics are often recorded at the last epoch only: "missing at the last epoch"
    // says whether they are complete.
    const bool last_epoch_only =
        runs > 0 && cols > 1 && missing - missing_last == runs * (cols - 1);
    metrics[metric_name(m)] = {{"values", runs * cols},
                               {"missing", missing},
                               {"missing_at_last_epoch", missing_last},
                               {"last_epoch_only", last_epoch_only}};
  }
  return metrics;
}

// The costs that some architecture of the table has.
nlohmann::json recorded_costs(const Table& t) {
  nlohmann::json costs = nlohmann::json::array();
  for (auto c : all_costs())
    for (std::size_t a = 0; a < t.num_archs(); ++a)
      if (!std::isnan(t.cost(c, a))) {
        costs.push_back(cost_name(c));
        break;
      }
  return costs;
}

nlohmann::json describe_table(const Benchmark& b, const Table& t) {
  nlohmann::json jt;
  jt["dataset"] = t.dataset();
  jt["schedule"] = t.schedule();
  jt["epochs"] = t.epochs();
  jt["recorded_epochs"] = t.recorded_epochs().size() == static_cast<std::size_t>(t.epochs())
                              ? nlohmann::json("all")
                              : nlohmann::json(t.recorded_epochs());
  jt["seeds"] = t.seeds();
  jt["truth_metric"] = metric_name(t.truth_metric());
  std::size_t archs_with_data = 0;
  std::set<spaces::ArchCode> classes_with_data;
  for (std::size_t a = 0; a < t.num_archs(); ++a)
    if (t.num_seeds_present(a) > 0) {
      ++archs_with_data;
      classes_with_data.insert(b.space().class_of(b.code(a)));
    }
  const auto one_per_row = one_per_stored_result(t);
  std::size_t runs = 0;
  for (const auto a : one_per_row) runs += static_cast<std::size_t>(t.num_seeds_present(a));
  jt["architectures_with_results"] = archs_with_data;
  jt["complete"] = !b.coverage(t).partial();
  jt["classes_with_results"] = classes_with_data.size();
  jt["stored_results"] = one_per_row.size();
  jt["training_runs"] = runs;
  jt["metrics"] = describe_metrics(t, one_per_row, runs);
  jt["costs"] = recorded_costs(t);
  return jt;
}

}  // namespace

nlohmann::json describe(const Benchmark& b) {
  nlohmann::json j;
  std::set<spaces::ArchCode> classes;
  for (std::size_t i = 0; i < b.num_archs(); ++i) classes.insert(b.space().class_of(b.code(i)));
  j["space"] = b.space().name();
  j["space_architectures"] = b.space().size();
  j["architectures"] = b.num_archs();
  j["classes"] = classes.size();
  j["meta"] = b.meta();
  j["tables"] = nlohmann::json::array();
  for (const auto& t : b.tables()) j["tables"].push_back(describe_table(b, t));
  return j;
}

nlohmann::json describe_results(const Benchmark& b, const Table& t, std::size_t i,
                                SeedChoice seed) {
  const std::string where = "table " + t.dataset() + "@" + t.schedule();
  if (seed.slot != SeedChoice::kMean && !t.seed_present(i, seed.slot))
    throw MissingDataError(where + " has no run of seed " +
                           std::to_string(t.seeds()[static_cast<std::size_t>(seed.slot)]) +
                           " for index " + std::to_string(i));
  if (t.num_seeds_present(i) == 0)
    throw MissingDataError(where + " has no results for index " + std::to_string(i));
  nlohmann::json j;
  j["index"] = i;
  j["arch"] = b.space().to_string(b.code(i));
  j["class"] = b.space().to_string(b.space().class_of(b.code(i)));
  j["dataset"] = t.dataset();
  j["schedule"] = t.schedule();
  j["epochs"] = t.epochs();
  j["seed"] = seed.slot == SeedChoice::kMean
                  ? nlohmann::json("mean")
                  : nlohmann::json(t.seeds()[static_cast<std::size_t>(seed.slot)]);
  nlohmann::json final_metrics = nlohmann::json::object(), curves = nlohmann::json::object();
  for (auto m : all_metrics()) {
    if (!t.has_metric(m)) continue;
    final_metrics[metric_name(m)] = number_or_null(t.value(m, i, seed, t.epochs()));
    nlohmann::json c = nlohmann::json::array();
    for (int e : t.recorded_epochs()) c.push_back(number_or_null(t.value(m, i, seed, e)));
    curves[metric_name(m)] = c;
  }
  j["final"] = final_metrics;
  j["recorded_epochs"] = t.recorded_epochs();
  j["curves"] = curves;
  nlohmann::json costs = nlohmann::json::object();
  for (auto c : all_costs()) costs[cost_name(c)] = number_or_null(t.cost(c, i));
  j["costs"] = costs;
  return j;
}

}  // namespace nasrun::bench
