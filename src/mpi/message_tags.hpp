// The messages between rank 0 and the worker ranks, for searches (mpi_executor) and tabulations
// (mpi_tabulation): their tags, and how a worker rank waits for the next one.
#pragma once

#include <boost/mpi/communicator.hpp>
#include <boost/mpi/status.hpp>
#include <stdexcept>
#include <string>

namespace nasrun::mpi_executor {

// Search, master to worker: a run starts (its evaluator's name), a job, a trial to release, the
// run ends. Worker to master: a job's result. Tabulation, master to worker: a training; worker
// to master: what it gave. Master to worker, either: stop (Workers, when the master ends).
enum Tag : int { kRun = 1, kJob, kRelease, kEndRun, kStop, kResult, kTraining, kTrained };

// Waits for rank 0's next message to this rank: true when it is tagged `expected` (left to be
// received), false when it says stop (received). Anything else is a std::logic_error naming
// `what` was expected.
inline bool next_message_is(const boost::mpi::communicator& world, Tag expected,
                            const std::string& what) {
  const auto status = world.probe(0, boost::mpi::any_tag);
  if (status.tag() == kStop) {
    world.recv(0, kStop);
    return false;
  }
  if (status.tag() != expected)
    throw std::logic_error("rank " + std::to_string(world.rank()) + ": expected " + what +
                           ", got message tag " + std::to_string(status.tag()));
  return true;
}

}  // namespace nasrun::mpi_executor
