#include "experiment/plot.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <cstdio>
#include <cstdlib>

#include "bench/file_io.hpp"

namespace nasrun::experiment {

namespace {

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string gp_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void plot_study(const StudySummary& summary, const std::string& stem, const std::string& title,
                PlottedQuantity quantity) {
  const bool best = quantity == PlottedQuantity::BestSeen;
  // One gnuplot data block per combination: hours, mean, mean - se, mean + se.
  std::string data;
  for (const auto& c : summary.combos) {
    data += "# " + c.strategy + " + " + c.evaluator + "\n";
    const auto& series = best ? c.best_test_error : c.incumbent_test_error;
    for (std::size_t i = 0; i < summary.grid_s.size(); ++i) {
      const auto& m = series[i];
      if (m.n == 0 || std::isnan(m.mean)) continue;
      char line[160];
      std::snprintf(line, sizeof line, "%.6g %.6g %.6g %.6g\n", summary.grid_s[i] / 3600.0,
                    m.mean, m.mean - m.se, m.mean + m.se);
      data += line;
    }
    data += "\n\n";
  }
  bench::write_file_atomically(stem + ".dat", data);

  // The first evaluations of a search are near-random and would squash the interesting part:
  // the y axis spans the curves from halfway along the (log) time grid on.
  double ylo = INFINITY, yhi = -INFINITY;
  for (const auto& c : summary.combos) {
    const auto& series = best ? c.best_test_error : c.incumbent_test_error;
    for (std::size_t i = series.size() / 2; i < series.size(); ++i)
      if (series[i].n > 0 && !std::isnan(series[i].mean)) {
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
  static const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                  "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};
  std::string plots;
  for (std::size_t k = 0; k < summary.combos.size(); ++k) {
    const auto& c = summary.combos[k];
    const auto idx = std::to_string(k);
    const auto color = std::string("lc rgb \"") + kColors[k % std::size(kColors)] + "\"";
    plots += (plots.empty() ? "" : ", ") + gp_string(stem + ".dat") + " index " + idx +
             " using 1:3:4 with filledcurves " + color + " fs transparent solid 0.2 notitle, " +
             gp_string(stem + ".dat") + " index " + idx + " using 1:2 with lines " + color +
             " lw 2 title " + gp_string(c.strategy + " + " + c.evaluator);
  }
  const std::string ylabel = best ? "best test error seen (%)" : "incumbent's test error (%)";
  const std::string common = "set logscale x\nset xlabel \"simulated time (hours)\"\nset ylabel " +
                             gp_string(ylabel) + "\nset title " + gp_string(title) +
                             "\nset key top right\nset grid\n" + yrange;
  const std::string script =
      "set terminal pngcairo size 900,600 enhanced font \"sans,11\"\nset output " +
      gp_string(stem + ".png.tmp") + "\n" + common + "plot " + plots +
      "\nset terminal svg size 900,600 enhanced font \"sans,11\"\nset output " +
      gp_string(stem + ".svg.tmp") + "\nreplot\n";
  bench::write_file_atomically(stem + ".gp", script);
  // gnuplot writes the images in place; render to temporary names first so that a failure
  // leaves no half-written figure behind.
  const int status = std::system(("gnuplot " + quote(stem + ".gp") + " 2>" + quote(stem + ".log")).c_str());
  if (status != 0) {
    std::string log;
    try {
      log = bench::read_file(stem + ".log");
    } catch (const std::exception&) {
    }
    throw std::runtime_error("gnuplot failed drawing " + stem +
                             ".png (is the Debian package gnuplot-nox installed?): " + log);
  }
  std::remove((stem + ".log").c_str());
  for (const char* ext : {".png", ".svg"})
    if (std::rename((stem + ext + ".tmp").c_str(), (stem + ext).c_str()) != 0)
      throw std::runtime_error("cannot write " + stem + ext);
}

}  // namespace nasrun::experiment
