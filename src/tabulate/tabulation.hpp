// Tabulation: train many architectures with a curve source (live LibTorch training, normally)
// and write a benchmark in nas-run's format with their full per-epoch curves.
//
// Every finished (architecture, seed) training is appended to a journal (<out>.journal) and
// flushed to disk before the next one is counted, so a tabulation killed at any moment, even by
// SIGKILL, continues where it stopped when rerun with the same settings: no finished training is
// lost or repeated (likewise the zero-cost proxies, with --proxies, in <out>.proxies.journal).
// The benchmark itself is written atomically at the end. Trainings run in parallel, on threads
// or on the ranks of an MPI job (a TrainingPool: one work list and one journal whatever runs
// them); each depends on its (architecture, seed) alone, so the result equals a serial run's.
//
// One tabulation at a time per output: it holds the lock <out>.lock from before it reads the
// journal to its end. Resuming checks every journal record against the plan and the possible
// values; the lines that cannot count are moved to <journal>.rejected, the rest kept.
#pragma once

#include <functional>
#include <map>
#include <memory>
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
  // A training that throws is tried again up to this many more times (Trainer::train).
  int retries = 2;
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

// One unit of a tabulation's work list: an architecture with one training seed, and what is
// still to do for it (a resumed tabulation may have journaled one of the two already).
struct Training {
  spaces::ArchCode arch = 0;
  std::int64_t seed = 0;
  bool curve = true;     // train it (the training journal's record)
  bool proxies = false;  // compute its zero-cost proxies (the proxies journal's record)
};

// A training as the fault policy ran it: its journal records, or what its last try threw.
struct Trained {
  Training training;
  std::string record;        // one JSON object; empty when not asked for or every try threw
  std::string proxy_record;  // likewise, for the proxies (computed before the training)
  int attempts = 1;
  std::string failure;  // non-empty: every try threw this
};

// Trains a tabulation's trainings where it is built: in the tabulating process, or on an MPI
// rank that was given the same configuration. One curve source per training seed, all built
// (and their options checked, with config.proxies that they compute the proxies) by the
// constructor. Trainings may run from parallel threads.
class Trainer {
 public:
  explicit Trainer(const TabulationConfig& config);
  int epochs() const { return epochs_; }
  // The training recipe, as the sources describe it (the journal's settings name it).
  std::string recipe() const { return sources_.begin()->second->describe(); }
  // The fault policy of the real search executors (docs/executors.md): a training that throws
  // (out of memory, a device error) is tried again, afresh with the same seed, up to
  // config.retries more times; the first try that succeeds is its record, the same as if
  // nothing had failed. When every try threw, `failure` says what the last one threw. The
  // proxies, when asked for, come first; a retry does not compute them again once they are had,
  // so a training that fails still returns them.
  Trained train(const Training& training) const;

 private:
  std::map<std::int64_t, std::shared_ptr<evaluators::LearningCurveSource>> sources_;
  int epochs_ = 0;
  int retries_ = 0;
};

// Where a tabulation's trainings run: slots() trainings at a time (threads of this process, the
// worker ranks of an MPI job). tabulate() hands out the work list and journals the results.
class TrainingPool {
 public:
  virtual ~TrainingPool() = default;
  virtual int slots() const = 0;
  // Starts `training`; called only while fewer than slots() trainings run.
  virtual void start(const Training& training) = 0;
  // The next training to end, once it has; called only while one runs.
  virtual Trained wait() = 0;
};

using TrainingPoolMaker = std::function<std::unique_ptr<TrainingPool>(const Trainer&)>;

// Checked before anything is trained: the seeds and architectures (std::invalid_argument: none
// twice, all in the space), where it writes (common::FileError: --out a folder, its folder
// missing or not writable, the output in use by another tabulation) and the journal's settings
// header (std::runtime_error when it has none or other settings), and the space
// (spaces::SpaceTooLargeError: the benchmark lists every architecture of the space). Also throws
// whatever the source throws for bad options or data. The trainings run in the pool that
// `make_pool` makes (none: config.workers threads of this process), which starts them in the
// order of the work list as slots become free. A training that failed (Trainer::train) lets the
// running ones end and be journaled, then throws std::runtime_error naming it: a rerun
// continues.
TabulationResult tabulate(const TabulationConfig& config,
                          const std::function<void(const TabulationProgress&)>& progress = {},
                          const TrainingPoolMaker& make_pool = {});

// Whether an `--archs` value names a file (rather than classes, all or sample:N).
bool archs_spec_is_file(const std::string& spec);
// The architectures to train for `--archs`: "classes", "all", "sample:N" (seeded by `seed`),
// or a file with one architecture string per line. The first three list the whole space:
// spaces::SpaceTooLargeError for a space too large to list.
std::vector<spaces::ArchCode> select_archs(const std::string& spec, const spaces::SearchSpace& space,
                                           std::uint64_t seed);

}  // namespace nasrun::experiment
