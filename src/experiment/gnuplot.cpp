#include "experiment/gnuplot.hpp"

#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <stdexcept>

#include "bench/file_io.hpp"

namespace nasrun::experiment {

namespace {

// A single-quoted shell word.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string gp_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* plot_colour(std::size_t k) {
  static const char* kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
                                  "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"};
  return kColors[k % std::size(kColors)];
}

void render_gnuplot(const std::string& stem, const std::string& body) {
  const std::string script =
      "set terminal pngcairo size 900,600 enhanced font \"sans,11\"\nset output " +
      gp_string(stem + ".png.tmp") + "\n" + body +
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
