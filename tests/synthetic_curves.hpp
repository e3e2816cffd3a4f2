// A curve source for tests of a space: curves of a 20-epoch schedule that depend on the
// architecture alone. Its distance from a target architecture (0 there, 1 at the far corner)
// sets the level the losses fall to and the accuracies rise to, and how long an epoch takes.
#pragma once

#include <cmath>
#include <limits>

#include "evaluators/curve_source.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::testing {

class SyntheticCurves : public evaluators::LearningCurveSource {
 public:
  SyntheticCurves(spaces::SearchSpacePtr space, spaces::Choices target)
      : space_(std::move(space)), target_(std::move(target)) {}
  std::string describe() const override { return "synthetic curves"; }
  int schedule_epochs() const override { return kEpochs; }
  evaluators::Curve observe(spaces::ArchCode arch, int epochs,
                            const std::vector<evaluators::CurveNeed>& needs,
                            common::Rng&) override {
    const double d = distance(arch);
    evaluators::Curve c;
    c.schedule_epochs = kEpochs;
    c.epochs_trained = epochs;
    for (const auto& need : needs) {
      auto& s = c.series[static_cast<int>(need.metric)];
      s.assign(static_cast<std::size_t>(epochs), std::numeric_limits<double>::quiet_NaN());
      for (int t = need.first_epoch; t <= need.last_epoch; ++t)
        s[static_cast<std::size_t>(t - 1)] = value(need.metric, d, t);
    }
    c.train_time_s.assign(static_cast<std::size_t>(epochs), value(bench::Metric::TrainTime, d, 1));
    c.eval_time_s.assign(static_cast<std::size_t>(epochs), value(bench::Metric::EvalTime, d, 1));
    return c;
  }
  double final_test_error(spaces::ArchCode arch) override { return 5 + 60 * distance(arch); }

  // The mean over dimensions with a choice to make of |choice - target| / (choices - 1).
  double distance(spaces::ArchCode arch) const {
    const auto choices = space_->decode(arch);
    double sum = 0;
    int dims = 0;
    for (std::size_t d = 0; d < choices.size(); ++d) {
      const auto n = space_->num_choices(d);
      if (n < 2) continue;
      sum += std::abs(static_cast<double>(choices[d]) - target_[d]) / static_cast<double>(n - 1);
      ++dims;
    }
    return sum / dims;
  }

 private:
  static constexpr int kEpochs = 20;
  static double value(bench::Metric m, double d, int t) {
    using bench::Metric;
    switch (m) {
      case Metric::TrainTime: return 10 + 5 * d;
      case Metric::EvalTime: return 1;
      case Metric::TrainAcc: case Metric::ValidAcc: case Metric::TestAcc: case Metric::OriTestAcc:
        return 95 - 60 * d - 30.0 / t;
      default:  // the losses
        return 0.1 + 2 * d + 1.0 / t;
    }
  }
  spaces::SearchSpacePtr space_;
  spaces::Choices target_;
};

}  // namespace nasrun::testing
