// nas-bench tabulate --executor mpi: rank 0 runs the tabulation (its lock, journal, work list and
// benchmark, tabulate()); ranks 1..N-1 train. Every rank runs the same command, so every rank
// builds the same Trainer; only trainings (architecture, seed, whether to train it and whether to
// compute its proxies) and their results (the journal records) travel.
#pragma once

#include <boost/mpi/communicator.hpp>
#include <vector>

#include "mpi/mpi_executor.hpp"
#include "tabulate/tabulation.hpp"

namespace nasrun::mpi_executor {

// A worker rank's loop: trains each training rank 0 sends (Trainer::train, under its fault
// policy) and sends back what it gave, until rank 0 says stop.
void serve_tabulation(const boost::mpi::communicator& world, const experiment::Trainer& trainer);

// Rank 0's pool: one slot per worker rank; a training goes to a free rank.
class MpiTrainingPool : public experiment::TrainingPool {
 public:
  explicit MpiTrainingPool(const Workers& workers);
  // Waits for the trainings still running (the tabulation failed: their results are dropped
  // and trained again by a rerun), so that no rank is left sending to a master that has gone.
  ~MpiTrainingPool() override;
  MpiTrainingPool(const MpiTrainingPool&) = delete;
  MpiTrainingPool& operator=(const MpiTrainingPool&) = delete;

  int slots() const override { return world_.size() - 1; }
  void start(const experiment::Training& training) override;
  // A failure names the rank it happened on.
  experiment::Trained wait() override;

 private:
  boost::mpi::communicator world_;
  std::vector<bool> busy_;  // by rank
};

}  // namespace nasrun::mpi_executor
