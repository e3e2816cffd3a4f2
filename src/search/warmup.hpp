// A zero-cost warm-up in front of any strategy (Abdelfattah et al., "Zero-Cost Proxies for
// Lightweight NAS", ICLR 2021, section 5: "zero-cost warmup"): before the strategy proposes
// anything, a sample of distinct random architectures is scored by a zero-cost proxy (jobs at
// Job::kWarmupEpochs: nothing is trained; the evaluator's warm-up proxy scores them and charges
// the seconds it took), and the best n_init of them by that score become the strategy's initial
// design. For a single-fidelity strategy (RE, TPE) that is a proxy-ranked initial population;
// for a multi-fidelity one (SH, Hyperband, ASHA, BOHB) the proxy is a rung below its first: the
// architectures its first rung starts are the proxy's best.
//
// The strategy sees scores only, as always: the warm-up hands out jobs and reads what it is told.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "search/multi_fidelity.hpp"

namespace nasrun::search {

// Throws std::invalid_argument, naming the option, when ctx.warmup_sample is above 0 and is
// below ctx.n_init (the warm-up would not fill the design), above the space's size, or comes
// with an initial design of its own (ctx.initial_design: two initial designs).
void check_warmup(const StrategyContext& ctx);

class WarmupStart : public MultiFidelityStrategy {
 public:
  // Makes the strategy that runs after the warm-up, from `ctx` with the warm-up's initial design
  // and no warm-up of its own.
  using MakeStrategy =
      std::function<std::unique_ptr<MultiFidelityStrategy>(const StrategyContext&)>;

  // Draws ctx.warmup_sample distinct architectures uniformly, from a generator seeded with
  // common::mix_seed(ctx.seed, 0x5741524d). Throws what check_warmup throws.
  WarmupStart(const StrategyContext& ctx, MakeStrategy make);

  // Warm-up jobs (trials 0..sample-1) until every sampled architecture is handed out; then
  // nothing until all are told; then the strategy's jobs, its trials numbered after the
  // warm-up's.
  std::optional<Job> ask() override;
  // Throws std::logic_error for a warm-up job that was not handed out or is told twice.
  void tell(const Job& job, double score) override;
  std::vector<std::uint64_t> take_dropped() override;

 private:
  void start_strategy();

  StrategyContext ctx_;
  MakeStrategy make_;
  std::vector<ArchCode> sample_;
  std::vector<double> scores_;  // NaN until told
  std::size_t handed_out_ = 0, told_ = 0;
  std::unique_ptr<MultiFidelityStrategy> strategy_;  // after the warm-up
};

}  // namespace nasrun::search
