// The rank study's reference lines (paper Fig. 2's final test loss): the final loss or accuracy
// of the split the truth comes from, read from the training run the other estimators read.
// They read the test split, so they are registered as oracles: the rank study shows them beside
// the estimators, and no search may score with them.
#include <optional>

#include "evaluators/estimator.hpp"

namespace nasrun::evaluators {

namespace {

class FinalMetricEstimator : public Estimator {
 public:
  // `sign` makes lower better: +1 for a loss, -1 for an accuracy.
  FinalMetricEstimator(Metric metric, double sign) : metric_(metric), sign_(sign) {}

  int epochs_needed(int schedule_epochs) const override { return schedule_epochs; }
  std::vector<CurveNeed> needs(int schedule_epochs) const override {
    return {{metric_, schedule_epochs, schedule_epochs}};
  }
  std::vector<int> validation_epochs(int) const override { return {}; }
  double score(const Curve& curve) const override {
    return sign_ * curve.at(metric_, curve.epochs_trained);
  }

 private:
  Metric metric_;
  double sign_;
};

// The loss measured on the same split as `accuracy`.
std::optional<Metric> loss_of(Metric accuracy) {
  switch (accuracy) {
    case Metric::TestAcc: return Metric::TestLoss;
    case Metric::OriTestAcc: return Metric::OriTestLoss;
    case Metric::ValidAcc: return Metric::ValidLoss;
    default: return std::nullopt;
  }
}

constexpr EstimatorTraits kOracle{true};

const Registration<estimator_registry> kTestLoss{
    "test-loss",
    "oracle: the final loss of the truth's split (test_loss), the same at every T",
    [](const EstimatorOptions& o) {
      const auto loss = loss_of(o.truth_metric);
      if (!loss)
        throw std::invalid_argument(std::string("the truth metric ") +
                                    bench::metric_name(o.truth_metric) + " has no matching loss");
      return std::make_unique<FinalMetricEstimator>(*loss, 1.0);
    },
    kOracle};
const Registration<estimator_registry> kTestAcc{
    "test-acc",
    "oracle: the final truth metric of the run read; with another --truth-seed, two runs' "
    "agreement",
    [](const EstimatorOptions& o) {
      return std::make_unique<FinalMetricEstimator>(o.truth_metric, -1.0);
    },
    kOracle};

}  // namespace

}  // namespace nasrun::evaluators
