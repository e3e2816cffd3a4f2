// What nas-bench info and query report of a benchmark, as JSON: the programs print it as is
// (--json) or as text.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>

#include "bench/benchmark.hpp"

namespace nasrun::bench {

// The space, the architectures and isomorphism classes listed, the provenance, and per table:
// its schedule, seeds and truth, how many architectures and classes have results, how many
// stored results and training runs (cells that share stored results count once), each metric's
// values and missing values (and whether it is recorded at the last epoch only), and the costs
// it records.
nlohmann::json describe(const Benchmark& benchmark);

// One architecture's results in `table` under `seed` (a slot, or the mean over the seeds
// present): its string and class, the final value and the recorded curve of every metric, and
// its costs; NaN values are null. Throws MissingDataError when the architecture has no results
// for that seed (or none at all).
nlohmann::json describe_results(const Benchmark& benchmark, const Table& table, std::size_t index,
                                SeedChoice seed);

}  // namespace nasrun::bench
