// What an evaluation observes of one training run: per-epoch series of the metrics that an
// estimator asked for, and the time each epoch's training and validation took.
#pragma once

#include <array>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "bench/benchmark.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::evaluators {

using bench::Metric;
using spaces::ArchCode;
using common::Rng;

// A metric an estimator reads, over epochs first..last (1-based, inclusive).
struct CurveNeed {
  Metric metric;
  int first_epoch;
  int last_epoch;
};

struct Curve {
  int schedule_epochs = 0;  // T_end
  int epochs_trained = 0;   // T
  // Index t-1 holds epoch t; NaN where not observed. Metrics not asked for stay empty.
  std::array<std::vector<double>, bench::kNumMetrics> series;
  std::vector<double> train_time_s;  // per epoch trained
  std::vector<double> eval_time_s;   // per epoch trained; NaN where the source has no record
  // Training hit a NaN or infinite loss and stopped.
  bool diverged = false;
  // Trainable parameters of the network trained; NaN where unknown.
  double params = std::numeric_limits<double>::quiet_NaN();

  // Epoch t (1-based) of a metric; throws std::logic_error if the metric was not asked for.
  double at(Metric m, int epoch) const;
};

// Where curves come from: the tabular benchmark, or live training. Estimators work on either.
class LearningCurveSource {
 public:
  virtual ~LearningCurveSource() = default;
  virtual std::string describe() const = 0;
  // T_end of the schedule that the source trains or looks up.
  virtual int schedule_epochs() const = 0;
  // Observes `arch` trained for the first `epochs` epochs of the schedule. `rng` drives the
  // run's random choices (the training seed a tabular source reads, say). Throws
  // bench::MissingDataError when a needed value cannot be had.
  virtual Curve observe(ArchCode arch, int epochs, const std::vector<CurveNeed>& needs,
                        Rng& rng) = 0;
  // The architecture's final test error (percent) under the source's truth policy. For
  // reporting only: the runner keeps it away from strategies.
  virtual double final_test_error(ArchCode arch) = 0;
  // Throws bench::MissingDataError when the source can never serve `needs`, whatever the
  // architecture (a table without that metric or epoch), so that an estimator the data cannot
  // serve is named before a study starts. A source that trains serves every need.
  virtual void check_serves(const std::vector<CurveNeed>& needs) const { (void)needs; }
};

}  // namespace nasrun::evaluators
