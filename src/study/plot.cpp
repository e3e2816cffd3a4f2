#include "study/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "common/file_io.hpp"
#include "common/gnuplot.hpp"

namespace nasrun::experiment {

void plot_study(const StudySummary& summary, const std::string& stem, const std::string& title,
                PlottedQuantity quantity) {
  const bool best = quantity == PlottedQuantity::BestSeen;
  // A point is drawn once every run has completed an evaluation: before that, the mean covers
  // only the runs whose first architectures happened to train fastest, a biased sample.
  auto drawn = [](const MeanSe& m, const ComboSummary& c) {
    return m.n == c.runs && !std::isnan(m.mean);
  };
  // One gnuplot data block per combination: hours, mean, mean - se, mean + se.
  std::string data;
  for (const auto& c : summary.combos) {
    data += "# " + c.strategy + " + " + c.evaluator + "\n";
    const auto& series = best ? c.best_test_error : c.incumbent_test_error;
    for (std::size_t i = 0; i < summary.grid_s.size(); ++i) {
      const auto& m = series[i];
      if (!drawn(m, c)) continue;
      char line[160];
      std::snprintf(line, sizeof line, "%.6g %.6g %.6g %.6g\n", summary.grid_s[i] / 3600.0,
                    m.mean, m.mean - m.se, m.mean + m.se);
      data += line;
    }
    data += "\n\n";
  }
  common::write_file_atomically(stem + ".dat", data);

  // The first evaluations of a search are near-random and would squash the interesting part:
  // the y axis spans the curves from halfway along the (log) time grid on.
  double ylo = INFINITY, yhi = -INFINITY;
  for (const auto& c : summary.combos) {
    const auto& series = best ? c.best_test_error : c.incumbent_test_error;
    for (std::size_t i = series.size() / 2; i < series.size(); ++i)
      if (drawn(series[i], c)) {
        ylo = std::min(ylo, series[i].mean - series[i].se);
        yhi = std::max(yhi, series[i].mean + series[i].se);
      }
  }
  std::string yrange;
  if (ylo < yhi) {
    const double pad = 0.05 * (yhi - ylo);
    char buf[96];
    std::snprintf(buf, sizeof buf, "set yrange [%.6g:%.6g]\n", ylo - pad, yhi + pad);
    yrange = buf;
  }
  std::string plots;
  for (std::size_t k = 0; k < summary.combos.size(); ++k) {
    const auto& c = summary.combos[k];
    const auto idx = std::to_string(k);
    const auto color = std::string("lc rgb \"") + common::plot_colour(k) + "\"";
    plots += (plots.empty() ? "" : ", ") + common::gp_string(stem + ".dat") + " index " + idx +
             " using 1:3:4 with filledcurves " + color + " fs transparent solid 0.2 notitle, " +
             common::gp_string(stem + ".dat") + " index " + idx + " using 1:2 with lines " + color +
             " lw 2 title " + common::gp_string(c.strategy + " + " + c.evaluator);
  }
  const std::string ylabel = best ? "best test error seen (%)" : "incumbent's test error (%)";
  const std::string common = "set logscale x\nset xlabel \"simulated time (hours)\"\nset ylabel " +
                             common::gp_string(ylabel) + "\nset title " + common::gp_string(title) +
                             "\nset key top right\nset grid\n" + yrange;
  common::render_gnuplot(stem, common + "plot " + plots);
}

}  // namespace nasrun::experiment
