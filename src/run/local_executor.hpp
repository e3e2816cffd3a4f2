// Real parallel training on this machine: W worker threads, each running one job at a time. The
// runner's thread launches jobs and handles completions; a free worker gets the next job at once.
//
// Two kinds of workers:
// - shared: every worker evaluates through the run's one evaluator (live training: each training
//   with the LibTorch thread count of the source's `threads` option, on the source's device),
//   and any worker continues any trial;
// - one evaluator per worker (nas-run --devices: one worker per device, each evaluator's source
//   on its own device): each worker keeps the trainings of the trials it ran, and a continuation
//   goes to the worker holding its trial, or is rebuilt on a free one (TrialPlacement).
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <thread>

#include "run/executor.hpp"
#include "run/trial_placement.hpp"

namespace nasrun::experiment {

class LocalExecutor : public Executor {
 public:
  // Shared: `workers` threads over `evaluator`. budget_s > 0 on `clock`; workers >= 1; a job
  // that throws is tried up to `retries` more times (JobEvaluator::evaluate_retrying). The
  // evaluator's source must allow concurrent calls (every LearningCurveSource does: see
  // learning_curve.hpp).
  LocalExecutor(evaluators::Evaluator& evaluator, double budget_s, int workers, BudgetClock clock,
                int retries = 0);
  // One worker per evaluator (at least one), each keeping its own trials.
  LocalExecutor(std::vector<std::unique_ptr<evaluators::Evaluator>> evaluators, double budget_s,
                BudgetClock clock, int retries = 0);
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
  // Checks the values and makes the threads' slots; the public constructors then make the
  // places and start the threads.
  LocalExecutor(double budget_s, int workers, BudgetClock clock, int retries);
  void start_threads();
  void serve(int thread);
  // Where worker `thread`'s jobs keep their trials.
  JobEvaluator& place_of(int thread);

  struct Assignment {
    int worker = 0;  // the runner's worker the job was submitted to
    search::Job job;
    std::uint64_t seed = 0;
    TrialHistory rebuild;  // rungs to rebuild first (a trial whose training is not here)
  };
  // A thread's next job, and its own signal: a launch wakes the one thread it is for.
  struct Slot {
    std::optional<Assignment> next;
    std::condition_variable assigned;
  };
  struct Done {
    int worker = 0, thread = 0;
    Attempted job;
    RealClocks::Clock::time_point at;
  };
  std::vector<std::unique_ptr<evaluators::Evaluator>> owned_evaluators_;
  // Where trials are kept: one place that every thread shares, or one per thread.
  std::vector<std::unique_ptr<JobEvaluator>> places_;
  TrialPlacement placement_;
  RealClocks clocks_;
  int retries_;
  std::mutex mutex_;
  std::condition_variable finished_;
  std::vector<std::unique_ptr<Slot>> slots_;  // by thread
  std::vector<bool> thread_free_;  // from launch until the runner hears of the completion
  std::deque<Done> done_;  // in the order the jobs finished
  int running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace nasrun::experiment
