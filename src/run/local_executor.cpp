#include "run/local_executor.hpp"

#include <stdexcept>

namespace nasrun::experiment {

LocalExecutor::LocalExecutor(double budget_s, int workers, BudgetClock clock, int retries)
    : clocks_(budget_s, clock), retries_(retries) {
  if (workers < 1)
    throw std::invalid_argument("the number of workers must be at least 1, got " +
                                std::to_string(workers));
  if (retries < 0)
    throw std::invalid_argument("the retries of a failed job must be 0 or more, got " +
                                std::to_string(retries));
  for (int w = 0; w < workers; ++w) slots_.push_back(std::make_unique<Slot>());
  thread_free_.assign(static_cast<std::size_t>(workers), true);
}

LocalExecutor::LocalExecutor(evaluators::Evaluator& evaluator, double budget_s, int workers,
                             BudgetClock clock, int retries)
    : LocalExecutor(budget_s, workers, clock, retries) {
  places_.push_back(std::make_unique<JobEvaluator>(evaluator));
  start_threads();
}

LocalExecutor::LocalExecutor(std::vector<std::unique_ptr<evaluators::Evaluator>> evaluators,
                             double budget_s, BudgetClock clock, int retries)
    : LocalExecutor(budget_s, static_cast<int>(evaluators.size()), clock, retries) {
  owned_evaluators_ = std::move(evaluators);
  for (const auto& evaluator : owned_evaluators_)
    places_.push_back(std::make_unique<JobEvaluator>(*evaluator));
  start_threads();
}

void LocalExecutor::start_threads() {
  for (int w = 0; w < static_cast<int>(slots_.size()); ++w)
    threads_.emplace_back([this, w] { serve(w); });
}

LocalExecutor::~LocalExecutor() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  for (auto& slot : slots_) slot->assigned.notify_one();
  for (auto& t : threads_) t.join();
}

JobEvaluator& LocalExecutor::place_of(int thread) {
  return *places_[places_.size() == 1 ? 0 : static_cast<std::size_t>(thread)];
}

void LocalExecutor::serve(int thread) {
  auto& slot = *slots_[static_cast<std::size_t>(thread)];
  auto& jobs = place_of(thread);
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
    d.worker = a.worker;
    d.thread = thread;
    d.job = jobs.evaluate_rebuilding(a.job, a.seed, retries_, a.rebuild);
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
  Assignment a{worker, job, data_rng(), {}};
  const bool shared = places_.size() == 1;
  if (worker < 0 || worker >= workers())
    throw std::logic_error("no worker " + std::to_string(worker));
  // Shared: the one place serves every thread at once, and the job runs on the runner's worker.
  // A trial known from the journal is rebuilt there first.
  auto placed = placement_.place(job, a.seed, shared ? std::vector<bool>{true} : thread_free_);
  a.rebuild = std::move(placed.rebuild);
  if (placed.released_from) places_[static_cast<std::size_t>(*placed.released_from)]->release(job.trial);
  const int thread = shared ? worker : placed.place;
  auto& slot = *slots_[static_cast<std::size_t>(thread)];
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (slot.next || !thread_free_[static_cast<std::size_t>(thread)])
      throw std::logic_error("worker " + std::to_string(thread) + " is already busy");
    thread_free_[static_cast<std::size_t>(thread)] = false;
    clocks_.launched(worker);
    slot.next = std::move(a);
    ++running_;
  }
  slot.assigned.notify_one();
}

void LocalExecutor::submit_known(int, const search::Job& job, common::Rng& data_rng) {
  placement_.known(job, data_rng());
}

void LocalExecutor::release(std::uint64_t trial) {
  if (const auto place = placement_.release(trial))
    places_[static_cast<std::size_t>(*place)]->release(trial);
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
    thread_free_[static_cast<std::size_t>(d.thread)] = true;
    if (auto t = clocks_.completed(d.worker, d.at, d.job.eval.cost_s))
      return Completion{d.worker, d.job.eval, clocks_.budget_now(), *t, d.job.attempts,
                        d.job.failure};
  }
  return std::nullopt;
}

}  // namespace nasrun::experiment
