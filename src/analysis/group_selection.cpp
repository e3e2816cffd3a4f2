#include "analysis/group_selection.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <stdexcept>

#include "analysis/csv_header.hpp"
#include "analysis/rank_correlation.hpp"
#include "common/file_io.hpp"
#include "common/gnuplot.hpp"

namespace nasrun::experiment {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::size_t dimension_named(const spaces::SearchSpace& space, const std::string& name) {
  std::string known;
  for (std::size_t d = 0; d < space.num_dimensions(); ++d) {
    if (space.dimension_name(d) == name) return d;
    known += (known.empty() ? "'" : ", '") + space.dimension_name(d) + "'";
  }
  throw std::invalid_argument("the " + space.name() + " space has no dimension '" + name +
                              "' to group by (its dimensions: " + known + ")");
}

struct MeanAndError {
  double mean = kNaN, standard_error = kNaN;
};

MeanAndError mean_and_error(const std::vector<double>& values) {
  if (values.empty()) return {};
  const double n = static_cast<double>(values.size());
  double sum = 0;
  for (double v : values) sum += v;
  MeanAndError m{sum / n, 0.0};
  if (values.size() > 1) {
    double squares = 0;
    for (double v : values) squares += (v - m.mean) * (v - m.mean);
    m.standard_error = std::sqrt(squares / (n - 1) / n);
  }
  return m;
}

// Group names hold commas ("WS(4,0.30)"); none holds a double quote.
std::string quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

GroupSelectionResult run_group_selection(std::shared_ptr<const bench::Benchmark> benchmark,
                                         GroupSelectionConfig config) {
  if (!benchmark) throw std::invalid_argument("the group selection needs a benchmark");
  const auto& space = benchmark->space();
  const auto dim = dimension_named(space, config.dimension);
  config.study.keep_scores = true;
  const auto study = run_rank_study(benchmark, config.study);
  const auto& table = benchmark->table(config.study.dataset);

  GroupSelectionResult result;
  result.dataset = study.dataset;
  result.schedule = study.schedule;
  result.truth_metric = study.truth_metric;
  result.dimension = config.dimension;
  result.skipped = describe_skips(study);

  // Every architecture with results, as the position in the study of the one whose stored
  // results it has (the study counts each training once).
  std::map<int, std::size_t> position_of_row;
  for (std::size_t i = 0; i < study.archs.size(); ++i)
    position_of_row[table.row_of(study.archs[i])] = i;
  std::vector<std::vector<std::size_t>> members(space.num_choices(dim));
  for (std::size_t arch = 0; arch < table.num_archs(); ++arch) {
    if (table.num_seeds_present(arch) == 0) continue;
    const auto found = position_of_row.find(table.row_of(arch));
    if (found == position_of_row.end()) continue;  // left out of the study (a sample, seeds)
    members[space.decode(benchmark->code(arch))[dim]].push_back(found->second);
  }

  for (std::size_t t = 0; t < study.T_values.size(); ++t)
    for (std::size_t k = 0; k < study.estimators.size(); ++k) {
      const auto& scores = study.scores[t][k];
      std::vector<GroupRow> rows;
      for (std::size_t g = 0; g < members.size(); ++g) {
        std::vector<double> s, truth;
        for (auto i : members[g])
          if (!std::isnan(scores[i]) && !std::isnan(study.truth[i])) {
            s.push_back(scores[i]);
            truth.push_back(study.truth[i]);
          }
        if (s.empty()) continue;
        const auto score = mean_and_error(s), truth_stats = mean_and_error(truth);
        rows.push_back({study.T_values[t], study.estimators[k], g, space.choice_name(dim, g),
                        s.size(), score.mean, score.standard_error, truth_stats.mean,
                        truth_stats.standard_error});
      }
      if (rows.empty()) continue;  // skipped at this T (the study says why)
      std::vector<double> x, y;
      for (const auto& r : rows) {
        x.push_back(r.score_mean);
        y.push_back(r.truth_mean);
      }
      const auto c = rank_correlation(x, y);
      const auto by_score = std::max_element(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return a.score_mean < b.score_mean;
      });
      const auto by_truth = std::max_element(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return a.truth_mean < b.truth_mean;
      });
      const auto higher = std::count_if(rows.begin(), rows.end(), [&](const auto& r) {
        return r.truth_mean > by_score->truth_mean;
      });
      result.summary.push_back({study.T_values[t], study.estimators[k], c.spearman, c.kendall,
                                rows.size(), by_score->group_name, by_score->truth_mean,
                                static_cast<std::size_t>(higher) + 1, by_truth->group_name,
                                by_truth->truth_mean});
      result.groups.insert(result.groups.end(), rows.begin(), rows.end());
    }
  return result;
}

std::string group_rows_csv(const GroupSelectionResult& result) {
  std::string out = "T,estimator,group_index,group,n,score_mean,score_se,truth_mean,truth_se\n";
  for (const auto& r : result.groups)
    out += std::to_string(r.T) + "," + r.estimator + "," + std::to_string(r.group) + "," +
           quoted(r.group_name) + "," + std::to_string(r.n) + "," + csv_number(r.score_mean, "%.6f") +
           "," + csv_number(r.score_se, "%.6f") + "," + csv_number(r.truth_mean, "%.4f") + "," +
           csv_number(r.truth_se, "%.4f") + "\n";
  return out;
}

std::string group_selection_csv(const GroupSelectionResult& result) {
  std::string out =
      "T,estimator,spearman,kendall,groups,chosen,chosen_truth,chosen_true_rank,best,best_truth\n";
  for (const auto& r : result.summary)
    out += std::to_string(r.T) + "," + r.estimator + "," + csv_number(r.spearman, "%.6f") + "," +
           csv_number(r.kendall, "%.6f") + "," + std::to_string(r.groups) + "," + quoted(r.chosen) +
           "," + csv_number(r.chosen_truth, "%.4f") + "," + std::to_string(r.chosen_true_rank) + "," +
           quoted(r.best) + "," + csv_number(r.best_truth, "%.4f") + "\n";
  return out;
}

bool is_group_rows_csv(const std::string& path) {
  return starts_with_header_of(path, group_rows_csv({}));
}

bool is_group_selection_csv(const std::string& path) {
  return starts_with_header_of(path, group_selection_csv({}));
}

void plot_group_selection(const GroupSelectionResult& result, const std::string& stem,
                          const std::string& title) {
  if (result.summary.empty()) throw std::runtime_error("nothing to plot: no group has a score");
  // One data block per (T, estimator): group index, mean score, its error; then the truth's.
  std::string data, plots;
  std::size_t block = 0;
  const auto& first = result.summary.front();
  for (const auto& s : result.summary) {
    if (s.estimator != first.estimator) continue;
    data += "# " + s.estimator + " at T=" + std::to_string(s.T) + "\n";
    for (const auto& r : result.groups)
      if (r.T == s.T && r.estimator == s.estimator)
        data += std::to_string(r.group) + " " + csv_number(r.score_mean, "%.6g") + " " +
                csv_number(r.score_se, "%.6g") + "\n";
    data += "\n\n";
    char label[160];
    std::snprintf(label, sizeof label, "%s, T=%d (rho %.3f)", s.estimator.c_str(), s.T, s.spearman);
    plots += (plots.empty() ? "" : ", ") + common::gp_string(stem + ".dat") + " index " +
             std::to_string(block) + " using 1:2:3 with yerrorbars lc rgb \"" +
             common::plot_colour(block) + "\" pt 7 ps 0.5 title " + common::gp_string(label);
    ++block;
  }
  data += "# truth\n";
  for (const auto& r : result.groups)
    if (r.T == first.T && r.estimator == first.estimator)
      data += std::to_string(r.group) + " " + csv_number(r.truth_mean, "%.6g") + " " +
              csv_number(r.truth_se, "%.6g") + "\n";
  common::write_file_atomically(stem + ".dat", data);
  const std::string truth = result.truth_metric == "test_acc" ? "final test accuracy"
                                                              : "final " + result.truth_metric;
  plots += ", " + common::gp_string(stem + ".dat") + " index " + std::to_string(block) +
           " using 1:2:3 axes x1y2 with yerrorbars lc rgb \"black\" pt 5 ps 0.5 title " +
           common::gp_string("mean " + truth + " (right axis)");
  std::string plain_title = title, plain_truth = truth;
  std::replace(plain_title.begin(), plain_title.end(), '_', ' ');
  std::replace(plain_truth.begin(), plain_truth.end(), '_', ' ');
  const std::string body =
      "set title " + common::gp_string(plain_title) + "\nset xlabel " +
      common::gp_string(result.dimension + " (index; bars: standard error over its members)") +
      "\nset ylabel \"mean score (higher is better)\"\nset y2label " +
      common::gp_string("mean " + plain_truth) +
      "\nset ytics nomirror\nset y2tics\nset grid\nset key outside bottom center horizontal\nplot " +
      plots;
  common::render_gnuplot(stem, body);
}

}  // namespace nasrun::experiment
