// Learning curves looked up in a tabular benchmark, and the benchmark and dataset that a tabular
// study reads.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bench/benchmark.hpp"
#include "evaluators/estimator.hpp"
#include "evaluators/learning_curve.hpp"

namespace nasrun::evaluators {

struct TabularPolicy {
  // Whose curve an evaluation reads: by default one training seed drawn per evaluation, as if
  // the architecture had been trained once.
  bench::SeedPolicy data = bench::SeedPolicy::random();
  // The truth: by default the mean final test accuracy over the seeds. Random is not allowed.
  bench::SeedPolicy truth = bench::SeedPolicy::mean();
};

class TabularCurveSource : public LearningCurveSource {
 public:
  // `schedule` picks the table curves come from ("" = the dataset's longest); the truth always
  // comes from the dataset's longest schedule.
  TabularCurveSource(std::shared_ptr<const bench::Benchmark> benchmark, const std::string& dataset,
                     const std::string& schedule, TabularPolicy policy = {});

  std::string describe() const override;
  int schedule_epochs() const override { return data_->epochs(); }
  Curve observe(ArchCode arch, int epochs, const std::vector<CurveNeed>& needs,
                Rng& rng) override;
  // A trial keeps the training seed its first rung drew: every rung reads that seed's curve.
  Curve observe_continuing(ArchCode arch, int epochs, const std::vector<CurveNeed>& needs,
                           Rng& rng, std::unique_ptr<KeptTraining>& kept) override;
  double final_test_error(ArchCode arch) override;
  void check_serves(const std::vector<CurveNeed>& needs) const override;
  // The proxies of the seed the data policy picks (the mean over seeds with `mean`).
  ProxyValues observe_proxies(ArchCode arch, const std::vector<Proxy>& proxies, Rng& rng) override;
  void check_serves_proxies(const std::vector<Proxy>& proxies) const override;

 private:
  Curve curve_of(ArchCode arch, std::size_t index, bench::SeedChoice seed, int epochs,
                 const std::vector<CurveNeed>& needs) const;
  std::shared_ptr<const bench::Benchmark> benchmark_;
  const bench::Table* data_;
  const bench::Table* truth_;
  TabularPolicy policy_;
  std::vector<double> test_error_;  // by benchmark index; NaN where unknown
};

// Whether `estimator` reads the very value a tabular source takes as the truth of `dataset`:
// the truth metric at the last epoch of its longest schedule. That happens where a table has no
// test split (NAS-Bench-201's CSV for cifar10-valid: val-final reads the valid_acc that is also
// the truth); the estimator is then judged partly by what it searched on.
bool reads_truth(const Estimator& estimator, const bench::Benchmark& benchmark,
                 const std::string& dataset);

// The benchmark a tabular study reads: `file` when given, else the embedded benchmark at
// `embedded_file`, which must exist and be complete (a tabulation stopped by its time limit
// writes what it has; searching it would stop at the first architecture it lacks). The errors
// say how to get one.
std::shared_ptr<bench::Benchmark> open_benchmark(const std::optional<std::string>& file,
                                                 const std::string& embedded_file);

// The benchmark's dataset when it has exactly one; else std::invalid_argument listing them (or
// saying that it has none).
std::string only_dataset(const bench::Benchmark& benchmark);

}  // namespace nasrun::evaluators
