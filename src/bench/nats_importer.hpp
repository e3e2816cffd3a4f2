// Importer for the official NATS-Bench archives: the topology archive
// (NATS-tss-v1_0-3ffb9-simple, NAS-Bench-201 cells, space "nb201") and the size archive
// (NATS-sss-v1_0-50262-simple, channel counts, space "nats-sss"). Both are a folder of
// {index:06d}.pickle.pbz2 files plus meta.pickle.pbz2, in the same container, read natively
// (libbz2 and the restricted unpickler in pickle_reader.hpp; no Python). Which space an archive
// holds is read from its meta file (the form of its architecture strings).
//
// Every schedule (topology: '12', '200'; size: '01', '12', '90'), dataset and training seed
// present becomes a table with all per-epoch series. NATS-Bench counts epochs from 0; nas-run
// stores its epoch e at e + 1.
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

// The meta "source" of the files this importer writes, by the archive's space.
inline constexpr const char* kNatsTopologySource = "NATS-Bench topology archive";
inline constexpr const char* kNatsSizeSource = "NATS-Bench size archive";

// The registered space of the archive in `dir` ("nb201" or "nats-sss"), from its
// meta.pickle.pbz2. Throws FormatError like import_nats_archive.
std::string nats_archive_space(const std::string& dir);

// Throws FormatError naming the file and the place in it that is not as expected. The benchmark
// is of `space`, which must have the shape of the archive's space (Nb201Space::shape_error or
// NatsSssSpace::shape_error): std::invalid_argument otherwise, naming both spaces when `space`
// has the other archive's shape (a size archive given for the topology space, say).
BenchmarkBuilder import_nats_archive(const spaces::SearchSpacePtr& space, const std::string& dir,
                                     NatsImportReport* report = nullptr);

}  // namespace nasrun::bench
