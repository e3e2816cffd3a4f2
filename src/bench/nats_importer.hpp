// Importer for the official NATS-Bench topology archive (NATS-tss-v1_0-3ffb9-simple): a folder
// of {index:06d}.pickle.pbz2 files plus meta.pickle.pbz2, read natively (libbz2 and the
// restricted unpickler in pickle_reader.hpp; no Python).
//
// Every schedule ('12', '200'), dataset and training seed present becomes a table with all
// per-epoch series. NATS-Bench counts epochs from 0; nas-run stores its epoch e at e + 1.
#pragma once

#include <string>
#include <vector>

#include "bench/benchmark_builder.hpp"

namespace nasrun::bench {

struct NatsImportReport {
  std::size_t expected = 0;           // architectures listed by meta.pickle.pbz2
  std::size_t imported = 0;           // architecture files read
  std::vector<std::size_t> missing;   // indices whose file is absent (results stay missing)
};

// The meta "source" of the files this importer writes.
inline constexpr const char* kNatsArchiveSource = "NATS-Bench topology archive";

// Throws FormatError naming the file and the place in it that is not as expected. The benchmark
// is of `space`, which must have NAS-Bench-201's shape (Nb201Space::shape_error;
// std::invalid_argument otherwise).
BenchmarkBuilder import_nats_archive(const spaces::SearchSpacePtr& space, const std::string& dir,
                                     NatsImportReport* report = nullptr);

}  // namespace nasrun::bench
