// Recognising a command's own earlier output, which a rerun may replace without --force
// (common::check_output_file): anything else at an output path is kept unless the user insists.
#pragma once

#include <string>

namespace nasrun::bench {

// Whether `path` is a readable nas-run benchmark file written by `nas-bench import` (its meta
// names one of the importers as its source).
bool is_imported_benchmark(const std::string& path);

}  // namespace nasrun::bench
