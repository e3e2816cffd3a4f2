#include "run/trial_placement.hpp"

#include <algorithm>
#include <stdexcept>

namespace nasrun::experiment {

TrialPlacement::Placed TrialPlacement::place(const search::Job& job, std::uint64_t seed,
                                             const std::vector<bool>& free) {
  const auto first_free = std::find(free.begin(), free.end(), true);
  if (first_free == free.end())
    throw std::logic_error("no free place for trial " + std::to_string(job.trial));
  Placed placed;
  placed.place = static_cast<int>(first_free - free.begin());
  if (!job.is_rung()) return placed;
  auto [it, fresh] = trials_.try_emplace(job.trial, Trial{placed.place, {seed, {}}});
  auto& trial = it->second;
  if (!fresh) {
    const bool holder_free = trial.place != kNowhere && free.at(static_cast<std::size_t>(trial.place));
    if (holder_free) {
      placed.place = trial.place;
    } else {
      placed.rebuild = trial.history;
      if (trial.place != kNowhere) placed.released_from = trial.place;
      trial.place = placed.place;
    }
  }
  trial.history.epochs.push_back(job.epochs);
  return placed;
}

void TrialPlacement::known(const search::Job& job, std::uint64_t seed) {
  if (!job.is_rung()) return;
  trials_.try_emplace(job.trial, Trial{kNowhere, {seed, {}}})
      .first->second.history.epochs.push_back(job.epochs);
}

std::optional<int> TrialPlacement::release(std::uint64_t trial) {
  const auto it = trials_.find(trial);
  if (it == trials_.end()) return std::nullopt;
  const int place = it->second.place;
  trials_.erase(it);
  if (place == kNowhere) return std::nullopt;
  return place;
}

}  // namespace nasrun::experiment
