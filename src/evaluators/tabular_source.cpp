#include "evaluators/tabular_source.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "evaluators/curve_source.hpp"

namespace nasrun::evaluators {

using bench::Cost;
using bench::MissingDataError;

TabularCurveSource::TabularCurveSource(std::shared_ptr<const bench::Benchmark> benchmark,
                                       const std::string& dataset, const std::string& schedule,
                                       TabularPolicy policy)
    : benchmark_(std::move(benchmark)),
      data_(&benchmark_->table(dataset, schedule)),
      truth_(&benchmark_->table(dataset)),
      policy_(policy) {
  if (policy_.truth.kind == bench::SeedPolicy::Kind::Random)
    throw std::invalid_argument("the truth policy must be 'mean' or a fixed seed, not 'random'");
  // A fixed data seed the table lacks fails here, before a study writes anything.
  if (policy_.data.kind == bench::SeedPolicy::Kind::Fixed) data_->slot_of_seed(policy_.data.seed);
  const auto truth_seed = policy_.truth.kind == bench::SeedPolicy::Kind::Fixed
                              ? bench::SeedChoice{truth_->slot_of_seed(policy_.truth.seed)}
                              : bench::SeedChoice{};
  test_error_.resize(benchmark_->num_archs());
  for (std::size_t i = 0; i < test_error_.size(); ++i)
    test_error_[i] = 100.0 - truth_->value(truth_->truth_metric(), i, truth_seed, truth_->epochs());
}

std::string TabularCurveSource::describe() const {
  return "tabular " + data_->dataset() + "@" + data_->schedule() + ", data seed " +
         policy_.data.to_string() + ", truth " + bench::metric_name(truth_->truth_metric()) +
         " (" + policy_.truth.to_string() + ")";
}

namespace {

// What a trial keeps between rungs: the training seed its first rung read.
struct TrialSeed : KeptTraining {
  explicit TrialSeed(bench::SeedChoice seed) : seed(seed) {}
  bench::SeedChoice seed;
};

}  // namespace

Curve TabularCurveSource::observe(ArchCode arch, int epochs, const std::vector<CurveNeed>& needs,
                                  Rng& rng) {
  const auto index = benchmark_->index_of(arch);
  return curve_of(arch, index, data_->choose_seed(index, policy_.data, rng), epochs, needs);
}

Curve TabularCurveSource::observe_continuing(ArchCode arch, int epochs,
                                             const std::vector<CurveNeed>& needs, Rng& rng,
                                             std::unique_ptr<KeptTraining>& kept) {
  const auto index = benchmark_->index_of(arch);
  if (!kept) kept = std::make_unique<TrialSeed>(data_->choose_seed(index, policy_.data, rng));
  auto* trial = dynamic_cast<TrialSeed*>(kept.get());
  if (!trial) throw std::logic_error("kept training state made by another source");
  Curve c = curve_of(arch, index, trial->seed, epochs, needs);
  trial->epochs = c.epochs_trained;
  return c;
}

Curve TabularCurveSource::curve_of(ArchCode arch, std::size_t index, bench::SeedChoice seed,
                                   int epochs, const std::vector<CurveNeed>& needs) const {
  Curve c;
  c.schedule_epochs = data_->epochs();
  c.epochs_trained = epochs;
  c.params = data_->cost(Cost::Params, index);
  const auto n = static_cast<std::size_t>(epochs);
  for (const auto& need : needs) {
    auto& s = c.series[static_cast<int>(need.metric)];
    s.assign(n, std::numeric_limits<double>::quiet_NaN());
    if (need.last_epoch < need.first_epoch) continue;
    double* from = &s[static_cast<std::size_t>(need.first_epoch - 1)];
    data_->values(need.metric, index, seed, need.first_epoch, need.last_epoch, from);
    for (int t = need.first_epoch; t <= need.last_epoch; ++t)
      if (std::isnan(from[t - need.first_epoch]))
        data_->require(need.metric, index, seed, t);  // throws, naming what is missing
  }
  // Per-epoch times where the table records them, else the architecture's mean epoch time.
  const double epoch_train = data_->cost(Cost::EpochTrainTime, index);
  const double epoch_eval = data_->cost(Cost::EpochEvalTime, index);
  c.train_time_s.resize(n);
  c.eval_time_s.resize(n);
  if (n == 0) return c;
  data_->values(Metric::TrainTime, index, seed, 1, epochs, c.train_time_s.data());
  data_->values(Metric::EvalTime, index, seed, 1, epochs, c.eval_time_s.data());
  for (std::size_t t = 0; t < n; ++t) {
    double& train = c.train_time_s[t];
    if (std::isnan(train)) train = epoch_train;
    if (std::isnan(train))
      throw MissingDataError("table " + data_->dataset() + "@" + data_->schedule() +
                             " records no training time for " +
                             benchmark_->space().to_string(arch) + " at epoch " +
                             std::to_string(t + 1));
    if (std::isnan(c.eval_time_s[t])) c.eval_time_s[t] = epoch_eval;
  }
  return c;
}

void TabularCurveSource::check_serves(const std::vector<CurveNeed>& needs) const {
  const std::string where = "table " + data_->dataset() + "@" + data_->schedule();
  for (const auto& need : needs) {
    if (!data_->has_metric(need.metric))
      throw MissingDataError(where + " has no metric " + bench::metric_name(need.metric));
    for (int t = need.first_epoch; t <= need.last_epoch; ++t)
      if (data_->column_of_epoch(t) < 0)
        throw MissingDataError(where + " records no " + bench::metric_name(need.metric) +
                               " at epoch " + std::to_string(t) + " (it records " +
                               std::to_string(data_->recorded_epochs().size()) + " of its " +
                               std::to_string(data_->epochs()) + " epochs)");
  }
}

void TabularCurveSource::check_serves_proxies(const std::vector<Proxy>& proxies) const {
  for (auto p : proxies)
    if (!data_->has_proxy(p))
      throw MissingDataError("table " + data_->dataset() + "@" + data_->schedule() +
                             " has no proxy " + bench::proxy_name(p) +
                             " (nas-bench tabulate --proxies computes them)");
}

ProxyValues TabularCurveSource::observe_proxies(ArchCode arch, const std::vector<Proxy>& proxies,
                                                Rng& rng) {
  const auto index = benchmark_->index_of(arch);
  const auto seed = data_->choose_seed(index, policy_.data, rng);
  ProxyValues v;
  for (auto p : proxies) {
    const auto i = static_cast<std::size_t>(p);
    v.value[i] = data_->proxy(p, index, seed);
    v.time_s[i] = data_->proxy_time(p, index, seed);
    if (std::isnan(v.value[i]))
      throw MissingDataError("table " + data_->dataset() + "@" + data_->schedule() +
                             " has no proxy " + bench::proxy_name(p) + " for " +
                             benchmark_->space().to_string(arch));
  }
  return v;
}

double TabularCurveSource::final_test_error(ArchCode arch) {
  const double e = test_error_[benchmark_->index_of(arch)];
  if (std::isnan(e))
    throw MissingDataError("table " + truth_->dataset() + "@" + truth_->schedule() + " has no " +
                           bench::metric_name(truth_->truth_metric()) + " at epoch " +
                           std::to_string(truth_->epochs()) + " for " +
                           benchmark_->space().to_string(arch));
  return e;
}

namespace {

const Registration<curve_source_registry> kRegistration{
    "tabular", "look curves up in a tabular benchmark (--benchmark)",
    [](const SourceOptions& o) -> std::shared_ptr<LearningCurveSource> {
      if (!o.benchmark) throw std::invalid_argument("the tabular source needs a benchmark");
      if (!o.extra.empty())
        throw std::invalid_argument("the tabular source takes no --source-option (got " +
                                    o.extra.dump() + ")");
      return std::make_shared<TabularCurveSource>(o.benchmark, o.dataset, o.schedule,
                                                  TabularPolicy{o.data_seeds, o.truth_seeds});
    }};

}  // namespace

bool reads_truth(const Estimator& estimator, const bench::Benchmark& benchmark,
                 const std::string& dataset) {
  const auto& truth = benchmark.table(dataset);
  if (&benchmark.table(dataset, estimator.schedule()) != &truth) return false;
  const auto needs = estimator.needs(truth.epochs());
  return std::any_of(needs.begin(), needs.end(), [&](const CurveNeed& n) {
    return n.metric == truth.truth_metric() && n.last_epoch == truth.epochs();
  });
}

std::shared_ptr<bench::Benchmark> open_benchmark(const std::optional<std::string>& file,
                                                 const std::string& embedded_file) {
  if (file) return std::make_shared<bench::Benchmark>(bench::Benchmark::open(*file));
  if (::access(embedded_file.c_str(), R_OK) != 0)
    throw std::runtime_error("the embedded benchmark " + embedded_file +
                             " is missing; pass --benchmark FILE (make one with nas-bench "
                             "import or nas-bench tabulate)");
  auto benchmark = std::make_shared<bench::Benchmark>(bench::Benchmark::open(embedded_file));
  const auto& meta = benchmark->meta();
  if (meta.value("complete", true) == false)
    throw std::runtime_error("the embedded benchmark " + embedded_file + " is incomplete (" +
                             meta.value("trainings", nlohmann::json(0)).dump() + " of " +
                             meta.value("trainings_planned", nlohmann::json(0)).dump() +
                             " trainings); rerun its tabulation (docs/embedded-benchmark.md) "
                             "or pass --benchmark FILE");
  return benchmark;
}

std::string only_dataset(const bench::Benchmark& benchmark) {
  std::vector<std::string> datasets;
  for (const auto& t : benchmark.tables())
    if (std::find(datasets.begin(), datasets.end(), t.dataset()) == datasets.end())
      datasets.push_back(t.dataset());
  if (datasets.size() == 1) return datasets.front();
  if (datasets.empty())
    throw std::invalid_argument(
        "the benchmark has no tables, so no dataset to choose: it holds no results (make one "
        "with nas-bench import or nas-bench tabulate)");
  std::string all;
  for (const auto& d : datasets) all += (all.empty() ? "" : ", ") + d;
  throw std::invalid_argument("the benchmark has several datasets; choose one with --dataset (" +
                              all + ")");
}

}  // namespace nasrun::evaluators
