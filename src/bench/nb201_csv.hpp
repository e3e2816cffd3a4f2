// Importer for the NAS-Bench-201 CSV tables (final 200-epoch accuracies per seed; the separate
// 12-epoch schedule's mean accuracies). They hold final values only, so each table records a
// single epoch: 200, or 12.
#pragma once

#include <string>
#include <vector>

#include "bench/benchmark_builder.hpp"

namespace nasrun::bench {

// The meta "source" of the files this importer writes.
inline constexpr const char* kNb201CsvSource = "NAS-Bench-201 CSV tables";

// The kind of each file is recognised from its header line. Files of both kinds may be given
// together; architectures must agree on (index, string) across files. Throws FormatError naming
// the file, line and column of the first problem.
BenchmarkBuilder import_nb201_csv(const std::vector<std::string>& paths);

}  // namespace nasrun::bench
