#include "analysis/loss_curves.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "analysis/csv_header.hpp"
#include "common/file_io.hpp"
#include "common/gnuplot.hpp"

namespace nasrun::experiment {

std::vector<CurveSummaryRow> summarise_curves(const bench::Table& table, bench::Metric metric,
                                              double threshold, const bench::SeedPolicy& seeds) {
  const std::string where = "table " + table.dataset() + "@" + table.schedule();
  if (!table.has_metric(metric))
    throw std::invalid_argument(where + " has no " + bench::metric_name(metric) + " to summarise");
  if (seeds.kind == bench::SeedPolicy::Kind::Random)
    throw std::invalid_argument("a curve summary reads the mean over seeds or a fixed seed, not a random one");
  common::Rng unused(0);  // choose_seed draws only for the random policy, refused above
  // One architecture for each stored row.
  std::vector<std::size_t> distinct;
  std::vector<bool> row_seen(table.num_rows(), false);
  for (std::size_t arch = 0; arch < table.num_archs(); ++arch) {
    const int row = table.row_of(arch);
    if (row < 0 || row_seen[static_cast<std::size_t>(row)]) continue;
    row_seen[static_cast<std::size_t>(row)] = true;
    distinct.push_back(arch);
  }
  std::vector<CurveSummaryRow> rows;
  for (int epoch : table.recorded_epochs()) {
    CurveSummaryRow row;
    row.epoch = epoch;
    double sum = 0, sum_squares = 0;
    for (std::size_t arch : distinct) {
      const double v = table.value(metric, arch, table.choose_seed(arch, seeds, unused), epoch);
      if (std::isnan(v)) continue;
      row.lowest = row.n == 0 ? v : std::min(row.lowest, v);
      ++row.n;
      sum += v;
      sum_squares += v * v;
      if (v < threshold) ++row.below;
    }
    if (row.n == 0) continue;
    const double n = static_cast<double>(row.n);
    row.mean = sum / n;
    if (row.n > 1) {
      const double variance = std::max(0.0, (sum_squares - n * row.mean * row.mean) / (n - 1));
      row.standard_error = std::sqrt(variance / n);
    }
    rows.push_back(row);
  }
  return rows;
}

std::string curve_summary_csv(const std::vector<CurveSummaryRow>& rows) {
  std::string out = "epoch,n,mean,standard_error,lowest,below_threshold\n";
  for (const auto& r : rows) {
    char line[160];
    std::snprintf(line, sizeof line, "%d,%zu,%.6f,%.6f,%.6f,%zu\n", r.epoch, r.n, r.mean,
                  r.standard_error, r.lowest, r.below);
    out += line;
  }
  return out;
}

bool is_curve_summary_csv(const std::string& path) {
  return starts_with_header_of(path, curve_summary_csv({}));
}

void plot_curve_summary(const std::vector<CurveSummaryRow>& rows, double threshold,
                        const std::string& what, const std::string& stem) {
  if (rows.empty()) throw std::runtime_error("nothing to plot: the summary has no epoch");
  std::string data;
  for (const auto& r : rows) {
    char line[128];
    std::snprintf(line, sizeof line, "%d %.6g %.6g %zu %zu\n", r.epoch, r.mean, r.standard_error,
                  r.below, r.n);
    data += line;
  }
  common::write_file_atomically(stem + ".dat", data);
  const std::string dat = common::gp_string(stem + ".dat");
  char limit[32];
  std::snprintf(limit, sizeof limit, "%g", threshold);
  std::string title = what;
  std::replace(title.begin(), title.end(), '_', ' ');  // not subscripts in gnuplot's text
  const std::string body =
      "set multiplot layout 1,2 title " + common::gp_string(title) +
      "\nset grid\nset xlabel \"epoch\"\nset ylabel \"mean over architectures (bars: standard "
      "error)\"\nunset key\nplot " + dat + " using 1:2:3 with yerrorlines lc rgb \"" +
      common::plot_colour(0) + "\" lw 2 pt 7 ps 0.5\nset ylabel " +
      common::gp_string(std::string("architectures below ") + limit) + "\nset yrange [0:*]\nplot " +
      dat + " using 1:4 with linespoints lc rgb \"" + common::plot_colour(1) +
      "\" lw 2 pt 7 ps 0.5\nunset multiplot";
  common::render_gnuplot(stem, body);
}

}  // namespace nasrun::experiment
