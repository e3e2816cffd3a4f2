// Where the kept trainings of a run's trials are, for an executor whose workers keep their own
// (the MPI ranks, local workers with one device each): a rung of a multi-fidelity search
// continues its trial's training, which lives with the worker (the "place") that ran the trial's
// last job. A continuation goes to that place when it is free; otherwise to the first free place,
// which first rebuilds the trial's training from its history (JobEvaluator::rebuild: the real
// time is spent, the charge stays the rung's), and the old place lets its copy go.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "run/executor.hpp"

namespace nasrun::experiment {

class TrialPlacement {
 public:
  // What placing one job decided.
  struct Placed {
    int place = 0;
    // What to rebuild at `place` before the job runs (no epochs: nothing, the job starts the
    // trial or the place holds it).
    TrialHistory rebuild;
    // The place that held the trial and may now release it (the training moved).
    std::optional<int> released_from;
  };

  // Where `job`, launched with generator seed `seed`, runs, given which places are free now
  // (`free`, by place; at least one must be). Remembers where its trial is and its rungs.
  // Throws std::logic_error when no place is free.
  Placed place(const search::Job& job, std::uint64_t seed, const std::vector<bool>& free);
  // A job of a run resumed from its journal, known but not run (Executor::submit_known): no
  // place holds its trial, so that the trial's next job rebuilds it.
  void known(const search::Job& job, std::uint64_t seed);
  // The trial was dropped: forgets it; the place that holds it, if one does.
  std::optional<int> release(std::uint64_t trial);

 private:
  static constexpr int kNowhere = -1;
  struct Trial {
    int place = kNowhere;
    TrialHistory history;  // its first job's seed and the epochs of its rungs so far
  };
  std::map<std::uint64_t, Trial> trials_;
};

}  // namespace nasrun::experiment
