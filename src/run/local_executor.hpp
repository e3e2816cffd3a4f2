// Real parallel training on this machine: W worker threads, each running one job at a time
// through the run's evaluator (live training: each training with the LibTorch thread count of
// the source's `threads` option). The runner's thread launches jobs and handles completions; a
// free worker gets the next job at once.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <thread>

#include "run/executor.hpp"

namespace nasrun::experiment {

class LocalExecutor : public Executor {
 public:
  // budget_s > 0 on `clock`; workers >= 1; a job that throws is tried up to `retries` more
  // times (JobEvaluator::evaluate_retrying). The evaluator's source must allow concurrent calls
  // (every LearningCurveSource does: see learning_curve.hpp).
  LocalExecutor(evaluators::Evaluator& evaluator, double budget_s, int workers, BudgetClock clock,
                int retries = 0);
  // Waits for the trainings still running (cut off by the budget) to end.
  ~LocalExecutor() override;
  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  int workers() const override { return static_cast<int>(threads_.size()); }
  bool budget_left() const override { return clocks_.budget_left(); }
  void submit(int worker, const search::Job& job, common::Rng& data_rng) override;
  void release(std::uint64_t trial) override;
  std::optional<Completion> wait() override;
  void submit_known(int worker, const search::Job& job, common::Rng& data_rng) override;
  RealClocks* real_clocks() override { return &clocks_; }

 private:
  void serve(int worker);

  struct Assignment {
    search::Job job;
    std::uint64_t seed = 0;
    TrialHistory rebuild;  // rungs to rebuild first (a trial whose known jobs never ran here)
  };
  // A worker's next job, and its own signal: a launch wakes the one worker it is for.
  struct Slot {
    std::optional<Assignment> next;
    std::condition_variable assigned;
  };
  struct Done {
    int worker = 0;
    Attempted job;
    RealClocks::Clock::time_point at;
  };
  JobEvaluator jobs_;
  RealClocks clocks_;
  int retries_;
  std::mutex mutex_;
  std::condition_variable finished_;
  std::vector<std::unique_ptr<Slot>> slots_;  // by worker
  std::deque<Done> done_;  // in the order the jobs finished
  int running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
  // Trials whose jobs so far were known, not run (submit_known): what rebuilding them takes.
  std::map<std::uint64_t, TrialHistory> known_trials_;
};

}  // namespace nasrun::experiment
