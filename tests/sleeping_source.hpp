// A curve source for executor tests and benchmarks: real time passes, nothing is trained.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "evaluators/learning_curve.hpp"

namespace nasrun::testing {

// Another source's curves, each observation taking `seconds(arch)` of real time first, as a
// training would (jobs of fixed fake durations); or throwing for the architectures `fails` names.
class SleepingSource : public evaluators::LearningCurveSource {
 public:
  SleepingSource(std::shared_ptr<evaluators::LearningCurveSource> table,
                 std::function<double(spaces::ArchCode)> seconds,
                 std::function<bool(spaces::ArchCode)> fails = {})
      : table_(std::move(table)), seconds_(std::move(seconds)), fails_(std::move(fails)) {}
  std::string describe() const override { return "sleeping " + table_->describe(); }
  int schedule_epochs() const override { return table_->schedule_epochs(); }
  evaluators::Curve observe(spaces::ArchCode arch, int epochs,
                            const std::vector<evaluators::CurveNeed>& needs,
                            common::Rng& rng) override {
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds_(arch)));
    if (fails_ && fails_(arch))
      throw std::runtime_error("training of architecture " + std::to_string(arch) + " failed");
    return table_->observe(arch, epochs, needs, rng);
  }
  double final_test_error(spaces::ArchCode arch) override {
    return table_->final_test_error(arch);
  }
  // The proxies are the table's, at once and never failing.
  evaluators::ProxyValues observe_proxies(spaces::ArchCode arch,
                                          const std::vector<bench::Proxy>& proxies,
                                          common::Rng& rng) override {
    return table_->observe_proxies(arch, proxies, rng);
  }
  void check_serves_proxies(const std::vector<bench::Proxy>& proxies) const override {
    table_->check_serves_proxies(proxies);
  }

 private:
  std::shared_ptr<evaluators::LearningCurveSource> table_;
  std::function<double(spaces::ArchCode)> seconds_;
  std::function<bool(spaces::ArchCode)> fails_;
};

}  // namespace nasrun::testing
