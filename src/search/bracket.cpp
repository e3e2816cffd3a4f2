#include "search/bracket.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "common/random.hpp"

namespace nasrun::search {

namespace {

// Whether the space holds more than `count` architectures, without computing a size that may
// not fit in 64 bits.
bool holds_more_than(const spaces::SearchSpace& space, std::size_t count) {
  std::uint64_t size = 1;
  for (std::size_t d = 0; d < space.num_dimensions(); ++d) {
    size *= space.num_choices(d);
    if (size > count) return true;
  }
  return size > count;
}

// NaN ranks last, as the worst score.
double rank_key(double score) {
  return std::isnan(score) ? std::numeric_limits<double>::infinity() : score;
}

}  // namespace

ProposeArchitecture design_then_uniform(const StrategyContext& ctx, std::uint64_t stream) {
  return [space = ctx.space, design = InitialDesign(ctx),
          rng = Rng(common::mix_seed(ctx.seed, stream))](
             const std::unordered_set<ArchCode>&) mutable {
    return design.exhausted() ? space->sample(rng) : design.next();
  };
}

std::vector<Bracket> iteration_brackets(const Fidelities& fidelities) {
  auto brackets = hyperband_brackets(fidelities);
  if (fidelities.brackets > 0 && static_cast<std::size_t>(fidelities.brackets) < brackets.size())
    brackets.resize(static_cast<std::size_t>(fidelities.brackets));
  return brackets;
}

SynchronousBrackets::SynchronousBrackets(const StrategyContext& ctx, std::vector<Bracket> cycle,
                                         ProposeArchitecture propose)
    : space_(ctx.space), cycle_(std::move(cycle)), propose_(std::move(propose)) {
  if (cycle_.empty()) throw std::logic_error("synchronous brackets need at least one bracket");
  if (ctx.fidelity.proxy_rungs)
    for (auto& bracket : cycle_) {
      const auto first = bracket.rungs.front().configurations;
      const auto screened =
          static_cast<std::size_t>(std::ceil(ctx.fidelity.eta * static_cast<double>(first)));
      bracket.rungs.insert(bracket.rungs.begin(), Rung{0, Job::kWarmupEpochs, screened});
    }
}

void SynchronousBrackets::start_bracket() {
  bracket_ = &cycle_[next_bracket_];
  next_bracket_ = (next_bracket_ + 1) % cycle_.size();
  rung_ = 0;
  first_trial_ = next_trial_;
  next_trial_ += bracket_->rungs.front().configurations;
  members_.clear();
  in_bracket_.clear();
  rung_members_.clear();
  handed_out_ = 0;
  told_ = 0;
}

std::size_t SynchronousBrackets::rung_size() const {
  return rung_ == 0 ? bracket_->rungs.front().configurations : rung_members_.size();
}

std::optional<Job> SynchronousBrackets::ask() {
  if (!bracket_) start_bracket();
  if (handed_out_ == rung_size()) return std::nullopt;  // waiting for this rung's results
  if (rung_ == 0) {
    // A new trial: its architecture is proposed only now, so that a model-based proposer has
    // every result told so far.
    ArchCode arch = propose_(in_bracket_);
    while (in_bracket_.count(arch) && holds_more_than(*space_, in_bracket_.size()))
      arch = propose_(in_bracket_);
    in_bracket_.insert(arch);
    members_.push_back({arch});
    rung_members_.push_back(members_.size() - 1);
  }
  const std::size_t index = rung_members_[handed_out_++];
  members_[index].state = Member::State::running;
  return Job{first_trial_ + index, members_[index].arch, bracket_->rungs[rung_].epochs};
}

void SynchronousBrackets::tell(const Job& job, double score) {
  const std::size_t index = job.trial - first_trial_;
  if (!bracket_ || job.trial < first_trial_ || index >= members_.size() ||
      members_[index].state != Member::State::running ||
      job.epochs != bracket_->rungs[rung_].epochs)
    throw std::logic_error("told trial " + std::to_string(job.trial) + " at " +
                           std::to_string(job.epochs) +
                           " epochs, a job the synchronous brackets are not running");
  members_[index].score = score;
  members_[index].state = Member::State::told;
  if (++told_ == rung_size()) promote();
}

void SynchronousBrackets::promote() {
  auto order = rung_members_;
  // Trial numbers rise with the index: ties go to the earlier trial.
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const double score_a = rank_key(members_[a].score), score_b = rank_key(members_[b].score);
    return score_a < score_b || (score_a == score_b && a < b);
  });
  const bool last = rung_ + 1 == bracket_->rungs.size();
  const std::size_t keep =
      last ? 0 : std::min(order.size(), bracket_->rungs[rung_ + 1].configurations);
  for (std::size_t r = keep; r < order.size(); ++r) dropped_.push_back(first_trial_ + order[r]);
  if (last) {
    bracket_ = nullptr;  // the next ask() starts the next bracket
    return;
  }
  order.resize(keep);
  for (auto index : order) members_[index].state = Member::State::waiting;
  rung_members_ = std::move(order);
  ++rung_;
  handed_out_ = 0;
  told_ = 0;
}

std::vector<std::uint64_t> SynchronousBrackets::take_dropped() {
  std::vector<std::uint64_t> out;
  out.swap(dropped_);
  return out;
}

}  // namespace nasrun::search
