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
// A UTF-8 byte-order mark (spreadsheet programs write one) is skipped. Values outside
// value_range() of their metric or cost, and datasets NAS-Bench-201 does not have, are refused.
// The benchmark is of `space`, which must have NAS-Bench-201's shape (Nb201Space::shape_error;
// std::invalid_argument otherwise).
BenchmarkBuilder import_nb201_csv(const spaces::SearchSpacePtr& space,
                                  const std::vector<std::string>& paths);

// The datasets NAS-Bench-201 (and NATS-Bench's topology archive) trained on: cifar10-valid,
// cifar10, cifar100, ImageNet16-120.
const std::vector<std::string>& nb201_datasets();
// Empty when `name` is one of nb201_datasets(); else a message naming it, the datasets and the
// nearest of them when it looks like a typo of one.
std::string nb201_dataset_error(const std::string& name);

}  // namespace nasrun::bench
