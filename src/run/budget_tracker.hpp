// The simulated wall clock. W workers each run one evaluation at a time; an evaluation of cost c
// started at time s finishes at s + c. Completions come out in time order (ties by worker), so a
// worker that finishes gets the next proposal, asynchronously, as on a real cluster.
//
// The budget rule: an evaluation counts only if it finishes at or before the budget. One that
// would finish later is cut off at the budget and never completes (its result is not told to the
// strategy nor recorded), and the clock stops at the budget.
#pragma once

#include <optional>
#include <queue>
#include <string>
#include <vector>

namespace nasrun::experiment {

class BudgetTracker {
 public:
  // budget_s > 0, workers >= 1.
  BudgetTracker(double budget_s, int workers);

  double now() const { return now_; }
  double budget() const { return budget_; }
  int workers() const { return workers_; }
  // Whether a job started now could still finish within the budget.
  bool budget_left() const { return now_ < budget_; }

  // Worker `worker`, idle, starts a job of `cost_s` >= 0 seconds now.
  void start(int worker, double cost_s);
  // Moves the clock to the next completion within the budget and returns its worker; returns
  // nothing when no job completes within the budget any more (the clock then stands at the
  // budget if a job was cut off).
  std::optional<int> advance();

 private:
  struct Job {
    double end;
    int worker;
    bool operator>(const Job& o) const { return end != o.end ? end > o.end : worker > o.worker; }
  };
  double budget_;
  int workers_;
  double now_ = 0;
  std::priority_queue<Job, std::vector<Job>, std::greater<Job>> running_;
  std::vector<bool> busy_;
};

// A run's budget as the user wrote it: a duration, or a number of full trainings ("150x"), which
// keeps a budget meaningful across benchmarks whose trainings take seconds or hours. The paper's
// 150 hours on CIFAR-100 are 149 full 200-epoch trainings of NAS-Bench-201's median cell.
struct BudgetSpec {
  double amount = 0;
  bool in_full_trainings = false;  // amount counts full trainings, not seconds
};

// Parses a duration (see common::parse_duration) or "<number>x"; throws std::invalid_argument.
BudgetSpec parse_budget(const std::string& text);

}  // namespace nasrun::experiment
