#include "search/asha_rungs.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace nasrun::search {

void RungResults::add(const RungEntry& entry) {
  if (in_top(entry)) {
    top_.push(entry);
  } else {
    rest_.push(entry);
  }
  // floor(n / eta), with a tolerance so that a quotient that is a whole number in exact
  // arithmetic (n = 33, eta = 2.2: 14.999...) is not rounded down to the one below.
  const auto wanted =
      static_cast<std::size_t>(std::floor(static_cast<double>(size()) / eta_ * (1 + 1e-12)));
  while (top_.size() > wanted) {
    rest_.push(top_.top());
    top_.pop();
  }
  while (top_.size() < wanted) {
    top_.push(rest_.top());
    rest_.pop();
  }
}

AshaRungs::AshaRungs(const StrategyContext& ctx, std::uint64_t seed)
    : space_(ctx.space),
      design_(ctx),
      rng_(seed),
      epochs_(rung_epochs(ctx.fidelity, max_bracket(ctx.fidelity))),
      results_(epochs_.size(), RungResults(ctx.fidelity.eta)) {}

Job AshaRungs::start_trial() {
  const ArchCode arch = design_.exhausted() ? space_->sample(rng_) : design_.next();
  trials_.push_back({arch, 0});
  return Job{trials_.size() - 1, arch, epochs_.front()};
}

Job AshaRungs::continue_trial(std::uint64_t trial) {
  auto& state = trials_[trial];
  ++state.rung;
  return Job{trial, state.arch, epochs_[state.rung]};
}

AshaRungs::Told AshaRungs::tell(const Job& job, double score) {
  if (job.trial >= trials_.size() || trials_[job.trial].arch != job.arch ||
      epochs_[trials_[job.trial].rung] != job.epochs)
    throw std::logic_error("ASHA was told of trial " + std::to_string(job.trial) +
                           " (architecture " + std::to_string(job.arch) + ") at " +
                           std::to_string(job.epochs) + " epochs, a job it did not hand out");
  Told told{trials_[job.trial].rung,
            {std::isnan(score) ? std::numeric_limits<double>::infinity() : score, told_++,
             job.trial}};
  if (told.rung != top_rung()) results_[told.rung].add(told.entry);
  return told;
}

std::vector<std::uint64_t> AshaRungs::take_dropped() {
  std::vector<std::uint64_t> out;
  out.swap(dropped_);
  return out;
}

}  // namespace nasrun::search
