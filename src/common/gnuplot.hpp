// What the figures share: gnuplot string literals, a colour cycle, and rendering a script to
// PNG and SVG without leaving a half-written figure behind.
#pragma once

#include <cstddef>
#include <string>

namespace nasrun::common {

// A double-quoted gnuplot string literal.
std::string gp_string(const std::string& s);
// The k-th colour of the figures' cycle, "#rrggbb".
const char* plot_colour(std::size_t k);
// Writes <stem>.gp (`body`: settings and plot commands, a multiplot too; the terminal is left
// to the caller) and runs gnuplot on it twice at once, producing <stem>.png and <stem>.svg,
// both 900x600. Throws std::runtime_error naming the problem (is gnuplot installed?) when
// gnuplot fails; then neither image is written.
void render_gnuplot(const std::string& stem, const std::string& body);

}  // namespace nasrun::common
