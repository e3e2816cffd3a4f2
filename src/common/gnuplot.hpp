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
// Writes <stem>.gp (a 900x600 PNG, then an SVG, of `body`: settings and plot commands, a
// multiplot too) and runs gnuplot on it, producing <stem>.png and <stem>.svg. Throws
// std::runtime_error naming the problem (is gnuplot installed?) when gnuplot fails.
void render_gnuplot(const std::string& stem, const std::string& body);

}  // namespace nasrun::common
