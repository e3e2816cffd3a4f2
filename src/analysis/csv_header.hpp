// How nas-rank writes its CSVs' numbers and knows its own earlier outputs (the files it may
// replace without --force).
#pragma once

#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

namespace nasrun::experiment {

// Whether the file at `path` starts with the header line of `empty_csv`, what one of nas-rank's
// CSV writers gives for no rows (its header and a newline).
inline bool starts_with_header_of(const std::string& path, std::string empty_csv) {
  std::ifstream in(path, std::ios::binary);
  std::string first_line;
  empty_csv.pop_back();
  return std::getline(in, first_line) && first_line == empty_csv;
}

// `v` as printf's `format` gives it, or "nan".
inline std::string csv_number(double v, const char* format) {
  if (std::isnan(v)) return "nan";
  char text[64];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

}  // namespace nasrun::experiment
