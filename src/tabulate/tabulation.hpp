// Tabulation: train many architectures with a curve source (live LibTorch training, normally)
// and write a benchmark in nas-run's format with their full per-epoch curves.
//
// Every finished (architecture, seed) training is appended to a journal (<out>.journal) and
// flushed to disk before the next one is counted, so a tabulation killed at any moment, even by
// SIGKILL, continues where it stopped when rerun with the same settings: no finished training is
// lost or repeated. The benchmark itself is written atomically at the end. Trainings run in
// parallel; each depends on its (architecture, seed) alone, so the result equals a serial run's.
//
// One tabulation at a time per output: it holds the lock <out>.lock from before it reads the
// journal to its end. Resuming checks every journal record against the plan and the possible
// values; the lines that cannot count are moved to <journal>.rejected, the rest kept.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "evaluators/curve_source.hpp"

namespace nasrun::experiment {

struct TabulationConfig {
  std::string source = "live";
  // space, dataset and the source's own options (extra); data_seeds is set per training seed.
  evaluators::SourceOptions source_options;
  // What to train. Empty = one representative per isomorphism class.
  std::vector<spaces::ArchCode> archs;
  // Architectures not trained get the results of a trained member of their class.
  bool share_within_class = true;
  std::vector<std::int64_t> seeds = {0};
  // More seeds for a seeded subset, to measure seed noise.
  std::vector<std::int64_t> extra_seeds;
  double extra_fraction = 0.1;
  std::uint64_t selection_seed = 0;
  int workers = 0;           // parallel trainings; 0 = one per core
  double time_limit_s = 0;   // stop starting trainings after this long (0 = none)
  // The benchmark file; beside it <out>.journal, <out>.journal.rejected and <out>.lock.
  std::string out;
  // Files the tabulation reads, as (option, path): --out may be none of them.
  std::vector<std::pair<std::string, std::string>> inputs;
  // Also compute every zero-cost proxy of each (architecture, seed) at initialisation (before
  // training), journaled in <out>.proxies.journal; a tabulation whose trainings are done then
  // computes only the proxies.
  bool proxies = false;
  // Replace an existing --out that has no journal beside it (not this command's own output).
  bool force = false;
  nlohmann::json meta = nlohmann::json::object();  // added to the file's provenance
};

struct TabulationProgress {
  std::size_t done = 0, total = 0, resumed = 0;
  double elapsed_s = 0;
};

struct TabulationResult {
  std::size_t trained = 0, total = 0, resumed = 0;
  bool complete = false;  // every planned training has its record
  bool stopped_by_time_limit = false;
  // The journals' lines set aside in <journal>.rejected, each "<journal>:<line>: <why>".
  std::vector<std::string> rejected;
};

// Checked before anything is trained: the seeds and architectures (std::invalid_argument: none
// twice, all in the space), where it writes (common::FileError: --out a folder, its folder
// missing or not writable, the output in use by another tabulation) and the journal's settings
// header (std::runtime_error when it has none or other settings), and the space
// (spaces::SpaceTooLargeError: the benchmark lists every architecture of the space). Also throws
// whatever the source throws for bad options or data.
TabulationResult tabulate(const TabulationConfig& config,
                          const std::function<void(const TabulationProgress&)>& progress = {});

// Whether an `--archs` value names a file (rather than classes, all or sample:N).
bool archs_spec_is_file(const std::string& spec);
// The architectures to train for `--archs`: "classes", "all", "sample:N" (seeded by `seed`),
// or a file with one architecture string per line. The first three list the whole space:
// spaces::SpaceTooLargeError for a space too large to list.
std::vector<spaces::ArchCode> select_archs(const std::string& spec, const spaces::SearchSpace& space,
                                           std::uint64_t seed);

}  // namespace nasrun::experiment
