// A study's output folder: config.json, traces/<strategy>__<evaluator>__run<NNN>.csv,
// summary.json, results.csv (the end-of-budget table) and the figure. Every file is written
// atomically, and each trace as soon as its run finishes, so a study that is killed resumes from
// the runs already on disk (on a real executor, a run in progress resumes from its journal).
// Nothing is written until the first run or job has finished, so a study that fails to start
// leaves no folder behind to trip its corrected rerun.
#pragma once

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/file_io.hpp"
#include "study/study.hpp"
#include "study/summary.hpp"

namespace nasrun::experiment {

// Who a trace belongs to. Its header line states all of it, and a resumed study reuses a trace
// only when every field matches: a trace copied from another run, another study, or a folder
// whose config.json was deleted and rewritten by another command is refused.
struct TraceIdentity {
  std::string strategy, evaluator;
  int run = 0;
  std::uint64_t seed = 0;
  std::string study;  // a digest of the study's configuration (config.json)
};

class StudyOutput {
 public:
  // Checks the folder without writing anything: it is a folder or does not exist yet; none of
  // its output files is one of `inputs` ((option, path) pairs); if it already holds a study, its
  // config.json equals `config` (else std::runtime_error saying what differs) and its finished
  // runs are reused; a folder that holds files but no study is refused unless `force`. Removes
  // the temporaries that killed processes left there.
  StudyOutput(std::string dir, const nlohmann::json& config, const spaces::SearchSpace& space,
              const std::vector<std::pair<std::string, std::string>>& inputs = {},
              bool force = false);

  const std::string& dir() const { return dir_; }
  std::string trace_path(const std::string& strategy, const std::string& evaluator, int run) const;
  TraceIdentity identity(const std::string& strategy, const std::string& evaluator, int run) const;
  // The journal of a run in progress on a real executor (RunJournal): beside its trace, named
  // as it with .journal for .csv, written from the run's first completed job until its trace is.
  std::string journal_path(const std::string& strategy, const std::string& evaluator,
                           int run) const;
  std::unique_ptr<RunJournal> open_journal(const std::string& strategy,
                                           const std::string& evaluator, int run);
  // Creates the folder and config.json first if need be; the run's journal then goes. Safe to
  // call from several threads for different runs. A simulated run's trace reaches the disk at
  // the latest with write_summary (deferred durability: a crash of the machine before then may
  // cut it short, and load() then has the run run again); a real executor's, before its journal
  // goes.
  void write_trace(const RunResult& result);
  // The run's result if a complete trace of it is on disk (a journal left beside it goes).
  // Nothing when there is none, or when its file was cut short before its closing line (a crash
  // of the machine before write-back): the run runs again and replaces it. std::runtime_error
  // when the file there is whole but not this run's trace, or was changed.
  std::optional<RunResult> load(const std::string& strategy, const std::string& evaluator,
                                int run) const;
  // Flushes the traces to disk, then writes summary.json (with `extra` merged in) and
  // results.csv.
  void write_summary(const StudySummary& summary, const nlohmann::json& extra);

 private:
  void start_writing();
  std::unique_ptr<common::FileLock> lock_folder() const;
  // Whether config.json is there; std::runtime_error when it holds another configuration.
  bool check_config() const;

  std::string dir_;
  const spaces::SearchSpace& space_;
  nlohmann::json config_;
  std::string study_digest_;
  std::once_flag started_;
  std::unique_ptr<common::FileLock> lock_;  // held from the first write (or resume) to the end
};

std::string trace_csv(const Trace& trace, const spaces::SearchSpace& space,
                      const TraceIdentity& identity);
// The same text in `text`, whose memory is reused.
void trace_csv_into(std::string& text, const Trace& trace, const spaces::SearchSpace& space,
                    const TraceIdentity& identity);
// Throws std::runtime_error naming `what` and the line: a malformed or incomplete trace (its
// closing line counts its rows and checksums them), or one whose header names another
// identity than `expected`.
Trace parse_trace_csv(const std::string& text, const spaces::SearchSpace& space,
                      const std::string& what, const TraceIdentity& expected);

}  // namespace nasrun::experiment
