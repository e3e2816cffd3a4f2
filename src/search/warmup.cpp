#include "search/warmup.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>
#include <unordered_set>

#include "common/random.hpp"

namespace nasrun::search {

void check_warmup(const StrategyContext& ctx) {
  if (ctx.warmup_sample == 0) return;
  const auto n = std::to_string(ctx.warmup_sample);
  if (ctx.n_init == 0)
    throw std::invalid_argument("a zero-cost warm-up (--warmup-sample " + n + ") chooses the " +
                                "initial design, and --n-init 0 asks for none");
  if (ctx.warmup_sample < ctx.n_init)
    throw std::invalid_argument("--warmup-sample " + n + " is below --n-init " +
                                std::to_string(ctx.n_init) + ": the warm-up's best n_init " +
                                "architectures are the initial design");
  if (ctx.space && ctx.warmup_sample > ctx.space->size())
    throw std::invalid_argument("--warmup-sample " + n + " is more than the " +
                                std::to_string(ctx.space->size()) + " architectures of space " +
                                ctx.space->name());
  if (!ctx.initial_design.empty())
    throw std::invalid_argument("a zero-cost warm-up (--warmup) chooses the initial design, so "
                                "it cannot start from one given too (--init-file)");
}

WarmupStart::WarmupStart(const StrategyContext& ctx, MakeStrategy make)
    : ctx_(ctx), make_(std::move(make)) {
  if (!ctx_.space) throw std::invalid_argument("a zero-cost warm-up needs a search space");
  check_warmup(ctx_);
  Rng rng(common::mix_seed(ctx_.seed, 0x5741524d));
  std::unordered_set<ArchCode> drawn;
  while (sample_.size() < ctx_.warmup_sample) {
    const ArchCode arch = ctx_.space->sample(rng);
    if (drawn.insert(arch).second) sample_.push_back(arch);
  }
  scores_.assign(sample_.size(), std::numeric_limits<double>::quiet_NaN());
}

std::optional<Job> WarmupStart::ask() {
  if (strategy_) {
    auto job = strategy_->ask();
    if (job) job->trial += sample_.size();
    return job;
  }
  if (handed_out_ == sample_.size()) return std::nullopt;
  const auto trial = handed_out_++;
  return Job{trial, sample_[trial], Job::kWarmupEpochs};
}

void WarmupStart::tell(const Job& job, double score) {
  if (job.epochs != Job::kWarmupEpochs) {
    if (!strategy_ || job.trial < sample_.size())
      throw std::logic_error("the warm-up was told job " + std::to_string(job.trial) +
                             ", which the strategy after it did not hand out");
    Job own = job;
    own.trial -= sample_.size();
    strategy_->tell(own, score);
    return;
  }
  if (job.trial >= handed_out_ || sample_[job.trial] != job.arch ||
      !std::isnan(scores_[job.trial]) || strategy_)
    throw std::logic_error("the warm-up was told job " + std::to_string(job.trial) +
                           " (architecture " + std::to_string(job.arch) +
                           "), which it is not waiting for");
  // NaN (no score) ranks last, as infinity does; kept apart from "not told".
  scores_[job.trial] = std::isnan(score) ? std::numeric_limits<double>::infinity() : score;
  if (++told_ == sample_.size()) start_strategy();
}

void WarmupStart::start_strategy() {
  std::vector<std::size_t> order(sample_.size());
  std::iota(order.begin(), order.end(), 0);
  // Best score first; on a tie the architecture drawn first.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return scores_[a] < scores_[b]; });
  StrategyContext after = ctx_;
  after.warmup_sample = 0;
  after.initial_design.clear();
  for (std::size_t i = 0; i < ctx_.n_init; ++i) after.initial_design.push_back(sample_[order[i]]);
  strategy_ = make_(after);
}

std::vector<std::uint64_t> WarmupStart::take_dropped() {
  if (!strategy_) return {};
  auto dropped = strategy_->take_dropped();
  for (auto& trial : dropped) trial += sample_.size();
  return dropped;
}

}  // namespace nasrun::search
