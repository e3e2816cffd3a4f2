#include "run/local_executor.hpp"

#include <stdexcept>

namespace nasrun::experiment {

LocalExecutor::LocalExecutor(evaluators::Evaluator& evaluator, double budget_s, int workers,
                             BudgetClock clock, int retries)
    : jobs_(evaluator), clocks_(budget_s, clock), retries_(retries) {
  if (workers < 1)
    throw std::invalid_argument("the number of workers must be at least 1, got " +
                                std::to_string(workers));
  if (retries < 0)
    throw std::invalid_argument("the retries of a failed job must be 0 or more, got " +
                                std::to_string(retries));
  for (int w = 0; w < workers; ++w) slots_.push_back(std::make_unique<Slot>());
  for (int w = 0; w < workers; ++w) threads_.emplace_back([this, w] { serve(w); });
}

LocalExecutor::~LocalExecutor() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  for (auto& slot : slots_) slot->assigned.notify_one();
  for (auto& t : threads_) t.join();
}

void LocalExecutor::serve(int worker) {
  auto& slot = *slots_[static_cast<std::size_t>(worker)];
  for (;;) {
    Assignment a;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      slot.assigned.wait(lock, [&] { return stopping_ || slot.next; });
      if (!slot.next) return;
      a = *slot.next;
      slot.next.reset();
    }
    Done d;
    d.worker = worker;
    d.job = jobs_.evaluate_rebuilding(a.job, a.seed, retries_, a.rebuild);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      // Stamped under the lock: completion times grow in the order the runner hears of them.
      d.at = RealClocks::Clock::now();
      done_.push_back(std::move(d));
    }
    finished_.notify_one();
  }
}

void LocalExecutor::submit(int worker, const search::Job& job, common::Rng& data_rng) {
  Assignment a{job, data_rng(), {}};
  // The trial's training is rebuilt on its worker from the rungs known before.
  if (const auto known = known_trials_.find(job.trial); known != known_trials_.end()) {
    a.rebuild = std::move(known->second);
    known_trials_.erase(known);
  }
  auto& slot = *slots_.at(static_cast<std::size_t>(worker));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (slot.next) throw std::logic_error("worker " + std::to_string(worker) + " is already busy");
    clocks_.launched(worker);
    slot.next = std::move(a);
    ++running_;
  }
  slot.assigned.notify_one();
}

void LocalExecutor::submit_known(int, const search::Job& job, common::Rng& data_rng) {
  const std::uint64_t seed = data_rng();
  if (job.epochs == search::Job::kEstimatorEpochs) return;
  known_trials_.try_emplace(job.trial, TrialHistory{seed, {}}).first->second.epochs.push_back(
      job.epochs);
}

void LocalExecutor::release(std::uint64_t trial) {
  known_trials_.erase(trial);
  jobs_.release(trial);
}

std::optional<Completion> LocalExecutor::wait() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (running_ > 0) {
    if (!finished_.wait_until(lock, clocks_.deadline(), [&] { return !done_.empty(); })) {
      // The real budget is spent: the jobs still running are cut off.
      running_ = 0;
      return std::nullopt;
    }
    Done d = std::move(done_.front());
    done_.pop_front();
    --running_;
    if (auto t = clocks_.completed(d.worker, d.at, d.job.eval.cost_s))
      return Completion{d.worker, d.job.eval, clocks_.budget_now(), *t, d.job.attempts,
                        d.job.failure};
  }
  return std::nullopt;
}

}  // namespace nasrun::experiment
