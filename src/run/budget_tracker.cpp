#include "run/budget_tracker.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "common/numbers.hpp"

namespace nasrun::experiment {

BudgetTracker::BudgetTracker(double budget_s, int workers)
    : budget_(budget_s), workers_(workers), busy_(static_cast<std::size_t>(std::max(workers, 0))) {
  if (!(budget_s > 0) || !std::isfinite(budget_s))
    throw std::invalid_argument("the budget must be a positive number of seconds, got " +
                                std::to_string(budget_s));
  if (workers < 1)
    throw std::invalid_argument("the number of workers must be at least 1, got " +
                                std::to_string(workers));
}

void BudgetTracker::start(int worker, double cost_s) {
  if (worker < 0 || worker >= workers_) throw std::out_of_range("no worker " + std::to_string(worker));
  if (busy_[static_cast<std::size_t>(worker)])
    throw std::logic_error("worker " + std::to_string(worker) + " is already busy");
  if (!(cost_s >= 0) || !std::isfinite(cost_s))
    throw std::invalid_argument("an evaluation's cost must be a finite number of seconds >= 0, got " +
                                std::to_string(cost_s));
  busy_[static_cast<std::size_t>(worker)] = true;
  running_.push({now_ + cost_s, worker});
}

std::optional<int> BudgetTracker::advance() {
  if (running_.empty()) return std::nullopt;
  const Job next = running_.top();
  if (next.end > budget_) {
    // Every other running job ends later still: all are cut off.
    now_ = budget_;
    while (!running_.empty()) running_.pop();
    std::fill(busy_.begin(), busy_.end(), false);
    return std::nullopt;
  }
  running_.pop();
  now_ = next.end;
  busy_[static_cast<std::size_t>(next.worker)] = false;
  return next.worker;
}

BudgetSpec parse_budget(const std::string& text) {
  if (text.empty() || text.back() != 'x') return {common::parse_duration(text), false};
  const auto trainings = common::parse_positive_real(text.substr(0, text.size() - 1), 1);
  if (!trainings)
    throw std::invalid_argument("invalid budget '" + text +
                                "': expected a positive number of full trainings such as 150x, "
                                "or a duration such as 150h, 90m or 3600s");
  return {*trainings, true};
}

}  // namespace nasrun::experiment
