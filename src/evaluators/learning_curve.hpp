// What an evaluation observes of one training run: per-epoch series of the metrics that an
// estimator asked for, and the time each epoch's training and validation took.
#pragma once

#include <array>
#include <exception>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "bench/benchmark.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::evaluators {

using bench::Metric;
using bench::Proxy;
using spaces::ArchCode;
using common::Rng;

// A metric an estimator reads, over epochs first..last (1-based, inclusive).
struct CurveNeed {
  Metric metric;
  int first_epoch;
  int last_epoch;
};

// Zero-cost proxies of one network at initialisation (epoch 0): each value, and the seconds its
// computation took; NaN where not observed.
struct ProxyValues {
  ProxyValues() {
    value.fill(std::numeric_limits<double>::quiet_NaN());
    time_s.fill(std::numeric_limits<double>::quiet_NaN());
  }
  std::array<double, bench::kNumProxies> value, time_s;
  double at(Proxy p) const { return value[static_cast<std::size_t>(p)]; }
  double time_of(Proxy p) const { return time_s[static_cast<std::size_t>(p)]; }
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
  // The proxies an estimator asked for (Estimator::proxies); the curve of a proxy holds no
  // epochs (epochs_trained 0).
  ProxyValues proxies;

  // Epoch t (1-based) of a metric; throws std::logic_error if the metric was not asked for.
  double at(Metric m, int epoch) const;
};

// What a source keeps of one training between the rungs of a multi-fidelity search, so that
// the training can continue later (LearningCurveSource::observe_continuing). Destroying it
// releases what it holds (memory, a file it spilled to).
class KeptTraining {
 public:
  virtual ~KeptTraining() = default;
  // Epochs trained so far.
  int epochs = 0;
};

// Where curves come from: the tabular benchmark, or live training. Estimators work on either.
//
// Thread safety: one source serves every run of a study, and the runs call observe() and
// final_test_error() from parallel threads with no lock of their own, so an implementation must
// allow concurrent calls of every member: either it changes nothing after construction (the
// tabular source: lookups into a read-only, memory-mapped table) or it guards what it changes
// (the live source's cache of truths and its kept trainings). What a call returns may depend on
// its arguments only (the architecture, the epochs, the needs, the draws it takes from `rng`,
// which belongs to the caller's run, and the kept training it continues), never on the calls
// made before it or beside it, so that a study gives the same results with any thread count; the
// one exception is a time that is measured rather than looked up (live training's epoch times).
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
  // The zero-cost proxies `proxies` of `arch`'s network at initialisation (epoch 0), each with
  // the seconds it took. `rng` is drawn from as observe() draws (the training seed whose
  // initialisation the proxies see). Throws bench::MissingDataError when a proxy cannot be had;
  // by default the source has none.
  virtual ProxyValues observe_proxies(ArchCode arch, const std::vector<Proxy>& proxies, Rng& rng);
  // Throws bench::MissingDataError when the source can never serve `proxies` (by default: it
  // has no proxies at all).
  virtual void check_serves_proxies(const std::vector<Proxy>& proxies) const;
  // Observes `arch` at `epochs`, as one training continued: with `kept` empty a fresh training,
  // which draws from `rng`; else the training that an earlier call for the same architecture
  // left in `kept`, which trained fewer epochs, and `rng` is not drawn from. Leaves in `kept`
  // what a later call needs. The curve covers epochs 1..epochs, exactly as one uninterrupted
  // training to `epochs` would. The default draws one number from `rng` for the trial and seeds
  // the trial's own generator with it at every call, so observe() makes the same draws each
  // time (a table is read at the same training seed at every rung); a source that trains keeps
  // its training state instead.
  virtual Curve observe_continuing(ArchCode arch, int epochs, const std::vector<CurveNeed>& needs,
                                   Rng& rng, std::unique_ptr<KeptTraining>& kept);
};

// What an estimator that reads `needs` and `proxies` observes of `arch`: when it reads proxies,
// them alone (observe_proxies; a curve of 0 epochs), else the curve of `epochs` (observe).
Curve observe_for(LearningCurveSource& source, ArchCode arch, int epochs,
                  const std::vector<CurveNeed>& needs, const std::vector<Proxy>& proxies, Rng& rng);

// One curve source per schedule, made on first use and shared by every caller after it: the
// sources that a study's estimators read (each names its schedule, "" for the default one).
// Safe to call from parallel runs.
class SourcesBySchedule {
 public:
  using Maker = std::function<std::shared_ptr<LearningCurveSource>(const std::string& schedule)>;
  explicit SourcesBySchedule(Maker make) : make_(std::move(make)) {}

  // The source of `schedule`. When making it failed, every call for that schedule throws the
  // same exception again (a table the benchmark lacks is looked for once).
  std::shared_ptr<LearningCurveSource> at(const std::string& schedule);

 private:
  Maker make_;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<LearningCurveSource>> sources_;
  std::map<std::string, std::exception_ptr> failures_;
};

}  // namespace nasrun::evaluators
