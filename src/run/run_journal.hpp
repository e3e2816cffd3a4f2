// A run's journal of completed jobs, so that a master killed in the middle of a run on a real
// executor resumes it on rerun without training again the jobs that had completed.
//
// The runner is deterministic given the order of completions: the strategy (recreated from the
// run's seed) asks the same jobs at the same events, and each job's generator is one draw from
// the data generator in launch order. So a resumed run replays the journal: each launch that
// matches a journaled job is launched as known (Executor::submit_known: its seed is drawn, it is
// not trained), the journaled completions come back in their recorded order with their recorded
// results and times, and then the run goes on for real. A job that was running when the master
// died has no line: it is launched, and trained, again. Every job reaches the trace once.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "run/executor.hpp"

namespace nasrun::experiment {

// One completed job as the journal keeps it: the launch, the result, the times.
struct JournalEntry {
  std::size_t job = 0;  // 1-based launch order
  search::Job launched;
  Completion completion;
};

// The journal file: a header line naming the run, then one line per completed job, each flushed
// to disk (fsync) before the runner hears of the job. A last line without its newline (the master
// was killed while writing it) is dropped, and its job runs again.
class RunJournal {
 public:
  // Reads `path` when it exists; std::runtime_error naming it and the line when its header is
  // not `header` (another run's or study's journal) or a complete line cannot be read. Nothing
  // is written before the first append, which calls `before_first_write` first (the output
  // folder creates itself and takes its lock there).
  RunJournal(std::string path, std::string header, std::function<void()> before_first_write = {});
  ~RunJournal();
  RunJournal(const RunJournal&) = delete;
  RunJournal& operator=(const RunJournal&) = delete;

  const std::string& path() const { return path_; }
  // The completions read from the file, in the order they came.
  const std::vector<JournalEntry>& entries() const { return entries_; }
  // On disk before it returns.
  void append(const JournalEntry& entry);

 private:
  std::string path_, header_;
  std::function<void()> before_first_write_;
  std::vector<JournalEntry> entries_;
  std::size_t valid_bytes_ = 0;  // of the file as read: up to the last complete line
  int fd_ = -1;
};

// Makes the journal of a study's run (StudyOutput::open_journal).
using RunJournalMaker = std::function<std::unique_ptr<RunJournal>(
    const std::string& strategy, const std::string& evaluator, int run)>;

// A real executor whose run is journaled and, when the journal holds completions, replayed
// first. Throws std::runtime_error naming the journal when the run asks for a journaled job
// that differs from the one recorded (the journal belongs to another run), and
// std::invalid_argument over the simulated clock (it needs no journal: it is replayed by its
// seed).
class JournaledExecutor : public Executor {
 public:
  JournaledExecutor(Executor& executor, RunJournal& journal);

  int workers() const override { return executor_.workers(); }
  bool budget_left() const override { return executor_.budget_left(); }
  void submit(int worker, const search::Job& job, common::Rng& data_rng) override;
  void release(std::uint64_t trial) override { executor_.release(trial); }
  std::optional<Completion> wait() override;

 private:
  [[noreturn]] void mismatch(const std::string& what) const;

  Executor& executor_;
  RunJournal& journal_;
  RealClocks& clocks_;
  std::map<std::size_t, std::size_t> entry_of_job_;  // journaled jobs: launch -> entry
  std::size_t replayed_ = 0;  // journal entries handed to the runner
  std::size_t launched_ = 0;
  std::vector<JournalEntry> running_;  // by worker: the job launched there
};

}  // namespace nasrun::experiment
