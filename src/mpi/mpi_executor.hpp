// The MPI executor (Boost.MPI): rank 0 runs the strategy, the clock and the output; ranks
// 1..N-1 train. Every rank runs the same program with the same options (mpirun -np N nas-run
// --executor mpi ...), so every rank opens the same benchmark or trainer and builds the same
// evaluators; only jobs (trial, architecture, epochs, seed) and results travel.
//
// This room is the only one that includes MPI; nas-run links it when the build found Boost.MPI.
#pragma once

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "run/executor.hpp"
#include "run/trial_placement.hpp"

namespace nasrun::mpi_executor {

// Runs `body` on this rank inside MPI (a boost::mpi::environment) and returns what it returns.
// MPI ends (MPI_Finalize) before an exception of `body` leaves, rethrown: Boost.MPI aborts every
// rank when its environment ends while an exception is in flight.
int run_with_mpi(const std::function<int(const boost::mpi::communicator&)>& body);

// Builds a run's evaluator on a worker rank from its name (as the study's EvaluatorMaker does).
using WorkerEvaluatorMaker =
    std::function<std::unique_ptr<evaluators::Evaluator>(const std::string& name)>;

// A worker rank's loop: for each run the master starts, the evaluator it names, then its jobs
// (each evaluated with its own generator, continued trials kept here or rebuilt when they ran
// elsewhere, under the fault policy of JobEvaluator::evaluate_retrying), until the master says
// stop. A job that failed is reported to the master with its message; the rank serves on.
void serve(const boost::mpi::communicator& world, const WorkerEvaluatorMaker& make_evaluator);

// The master's end of the session: tells every worker rank to stop when it goes (also when the
// master fails), so that no rank waits forever.
class Workers {
 public:
  // Throws std::invalid_argument when the world has fewer than 2 ranks, or this is not rank 0.
  explicit Workers(const boost::mpi::communicator& world);
  ~Workers();
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;
  const boost::mpi::communicator& world() const { return world_; }
  int count() const { return world_.size() - 1; }

 private:
  boost::mpi::communicator world_;
};

// One run's jobs on the worker ranks (one slot per rank). A continuation goes to the rank that
// holds the trial when it is free; otherwise to the first free rank, which rebuilds the trial's
// training there (TrialPlacement, with rank r as place r - 1).
class MpiExecutor : public experiment::Executor {
 public:
  // A job that throws is tried up to `retries` more times on its rank
  // (JobEvaluator::evaluate_retrying).
  MpiExecutor(const Workers& workers, const std::string& evaluator_name, double budget_s,
              experiment::BudgetClock clock, int retries);
  // Waits for the jobs still running (cut off by the budget), then ends the run on every rank.
  ~MpiExecutor() override;
  MpiExecutor(const MpiExecutor&) = delete;
  MpiExecutor& operator=(const MpiExecutor&) = delete;

  int workers() const override { return world_.size() - 1; }
  bool budget_left() const override { return clocks_.budget_left(); }
  void submit(int worker, const search::Job& job, common::Rng& data_rng) override;
  void release(std::uint64_t trial) override;
  // A failed job's failure names its rank.
  std::optional<experiment::Completion> wait() override;
  void submit_known(int worker, const search::Job& job, common::Rng& data_rng) override;
  experiment::RealClocks* real_clocks() override { return &clocks_; }

 private:
  // The rank of a trial whose jobs so far were known, not run (submit_known): none holds it.
  static constexpr int kHeldNowhere = 0;
  struct TrialPlace {
    int rank = 0;  // 1..N-1, or kHeldNowhere
    std::uint64_t first_seed = 0;
    std::vector<int> epochs;  // of its rungs so far
  };
  boost::mpi::communicator world_;
  experiment::RealClocks clocks_;
  int retries_;
  std::vector<int> slot_of_rank_;  // -1: the rank is free
  experiment::TrialPlacement placement_;
  bool cut_off_ = false;
};

}  // namespace nasrun::mpi_executor
