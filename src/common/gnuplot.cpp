#include "common/gnuplot.hpp"

#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <stdexcept>

#include "common/file_io.hpp"

namespace nasrun::common {

namespace {

// A single-quoted shell word.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Whether gnuplot's `file` is whole: gnuplot can exit 0 having written only part of an image
// (a full disk), so the end of each format is checked before the file takes its place.
bool image_complete(const std::string& file, const std::string& ext) {
  std::string bytes;
  try {
    bytes = common::read_file(file);
  } catch (const std::exception&) {
    return false;
  }
  if (ext == ".png") {
    // The last chunk of every PNG: IEND, empty, with its fixed CRC.
    static const std::string iend("\0\0\0\0IEND\xae\x42\x60\x82", 12);
    return bytes.size() > iend.size() && bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") == 0 &&
           bytes.compare(bytes.size() - iend.size(), iend.size(), iend) == 0;
  }
  const auto end = bytes.find_last_not_of(" \n\r\t");
  return end != std::string::npos && end >= 5 && bytes.compare(end - 5, 6, "</svg>") == 0;
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
  // The body runs once per terminal, from gnuplot's defaults each time (`reset` keeps the
  // terminal and output): `replot` would redraw only the last plot of a multiplot.
  const std::string script =
      "set terminal pngcairo size 900,600 enhanced font \"sans,11\"\nset output " +
      gp_string(stem + ".png.tmp") + "\n" + body +
      "\nset terminal svg size 900,600 enhanced font \"sans,11\"\nset output " +
      gp_string(stem + ".svg.tmp") + "\nreset\n" + body + "\n";
  common::write_file_atomically(stem + ".gp", script);
  // gnuplot writes the images in place; render to temporary names first so that a failure
  // leaves no half-written figure behind.
  const int status = std::system(("gnuplot " + quote(stem + ".gp") + " 2>" + quote(stem + ".log")).c_str());
  if (status != 0) {
    std::string log;
    try {
      log = common::read_file(stem + ".log");
    } catch (const std::exception&) {
    }
    throw std::runtime_error("gnuplot failed drawing " + stem +
                             ".png (is the Debian package gnuplot-nox installed?): " + log);
  }
  std::remove((stem + ".log").c_str());
  for (const char* ext : {".png", ".svg"})
    if (!image_complete(stem + ext + ".tmp", ext)) {
      for (const char* tmp : {".png.tmp", ".svg.tmp"}) std::remove((stem + tmp).c_str());
      throw std::runtime_error("gnuplot wrote an incomplete " + stem + ext +
                               " (is the disk full?); no figure was written");
    }
  for (const char* ext : {".png", ".svg"})
    if (std::rename((stem + ext + ".tmp").c_str(), (stem + ext).c_str()) != 0)
      throw std::runtime_error("cannot write " + stem + ext);
}

}  // namespace nasrun::common
