#include "analysis/rank_study.hpp"

#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include "analysis/rank_correlation.hpp"
#include "analysis/csv_header.hpp"
#include "common/file_io.hpp"
#include "common/gnuplot.hpp"
#include "common/median.hpp"
#include "common/random.hpp"
#include "evaluators/charged_cost.hpp"
#include "evaluators/estimator.hpp"
#include "evaluators/tabular_source.hpp"

namespace nasrun::experiment {

namespace {

using bench::Metric;
using bench::MissingDataError;
using evaluators::CurveNeed;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const char* const kLcSvr = "lcsvr";

// Seed streams of the study (mix_seed(config.seed, stream)).
constexpr std::uint64_t kSampleStream = 0x5a3;
constexpr std::uint64_t kDataStream = 3;
constexpr std::uint64_t kLcSvrSplitStream = 0x1c5;
constexpr std::uint64_t kLcSvrSearchStream = 0x5f7;

// "1-10", "1-3, 7, 200": the epochs a table records, as ranges.
std::string describe_epochs(const std::vector<int>& epochs) {
  std::string out;
  for (std::size_t i = 0; i < epochs.size();) {
    std::size_t j = i;
    while (j + 1 < epochs.size() && epochs[j + 1] == epochs[j] + 1) ++j;
    out += (out.empty() ? "" : ", ") + std::to_string(epochs[i]);
    if (j > i) out += "-" + std::to_string(epochs[j]);
    i = j + 1;
  }
  return out.empty() ? "none" : out;
}

// "1-9, 200": the values, with runs of consecutive members of `grid` as ranges.
std::string describe_runs(const std::vector<int>& values, const std::vector<int>& grid) {
  auto pos = [&](int v) { return std::find(grid.begin(), grid.end(), v) - grid.begin(); };
  std::string out;
  for (std::size_t i = 0; i < values.size();) {
    std::size_t j = i;
    while (j + 1 < values.size() && pos(values[j + 1]) == pos(values[j]) + 1) ++j;
    out += (out.empty() ? "" : ", ") + std::to_string(values[i]);
    if (j > i) out += "-" + std::to_string(values[j]);
    i = j + 1;
  }
  return out;
}

std::string table_name(const bench::Table& t) { return t.dataset() + "@" + t.schedule(); }

// The oracles (the final test loss or accuracy) are reference lines, not estimators.
bool is_oracle(const std::string& label) {
  const auto& registry = evaluators::estimator_registry();
  return registry.contains(label) && registry.at(label).traits.oracle;
}

// Why a table cannot give a metric over some epochs, or "" when it can.
std::string missing_in_table(const bench::Table& t, Metric m, int first, int last) {
  if (!t.has_metric(m))
    return std::string("table ") + table_name(t) + " has no " + bench::metric_name(m);
  for (int e = first; e <= last; ++e)
    if (t.column_of_epoch(e) < 0)
      return std::string("table ") + table_name(t) + " records no " + bench::metric_name(m) +
             " at epoch " + std::to_string(e) + " (it records epochs " +
             describe_epochs(t.recorded_epochs()) + ")";
  return "";
}

// Runs f(i) for i in 0..n in parallel.
template <typename F>
void parallel(std::size_t n, F f) {
  tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) { f(i); });
}

struct Context {
  Context(std::shared_ptr<const bench::Benchmark> b, const RankStudyConfig& c)
      : benchmark(std::move(b)), config(&c), sources([this](const std::string& schedule) {
          return std::make_shared<evaluators::TabularCurveSource>(
              benchmark, config->dataset, schedule,
              evaluators::TabularPolicy{config->data, config->truth});
        }) {}

  std::shared_ptr<const bench::Benchmark> benchmark;
  const RankStudyConfig* config;
  evaluators::SourcesBySchedule sources;

  // The source of `schedule`, or nullptr with `error` saying what the benchmark lacks.
  evaluators::LearningCurveSource* source(const std::string& schedule, std::string& error) {
    try {
      return sources.at(schedule).get();
    } catch (const MissingDataError& e) {
      error = e.what();
      return nullptr;
    }
  }

  // The generator of an architecture's data draws: the same for every T and estimator, so
  // with --data-seed random each architecture is read as one training run.
  common::Rng data_rng(std::size_t index) const {
    return common::Rng(common::mix_seed(common::mix_seed(config->seed, kDataStream), index));
  }
};

// The per-epoch curves the study needs, or a MissingDataError naming what the table lacks.
void require_curves(const bench::Table& t) {
  if (t.recorded_epochs().size() >= 2 && t.epochs() >= 2) return;
  std::string lacks;
  for (Metric m : {Metric::TrainLoss, Metric::ValidLoss, Metric::ValidAcc})
    lacks += std::string(lacks.empty() ? "" : ", ") + bench::metric_name(m) +
             (t.has_metric(m) ? "" : " (absent)");
  throw MissingDataError("table " + table_name(t) + " has no per-epoch curves: it records epoch " +
                         describe_epochs(t.recorded_epochs()) + " of " + std::to_string(t.epochs()) +
                         " only, so " + lacks + " at epochs 1.." + std::to_string(t.epochs() - 1) +
                         " are missing; the rank study needs learning curves (a benchmark "
                         "imported from the NATS-Bench archive, or the embedded benchmark)");
}

// Architectures with results, one per stored row: cells that share their results (isomorphic
// cells of a tabulated benchmark) are one training, and counting each would weight classes by
// their size and tie their scores.
std::vector<std::size_t> distinct_results(const bench::Table& t) {
  std::vector<std::size_t> out;
  std::set<int> rows;
  for (std::size_t i = 0; i < t.num_archs(); ++i)
    if (t.num_seeds_present(i) > 0 && rows.insert(t.row_of(i)).second) out.push_back(i);
  return out;
}

// "seeds 0, 1": the required seeds, for messages.
std::string describe_seeds(const std::vector<std::int64_t>& seeds) {
  std::string out;
  for (auto s : seeds) out += (out.empty() ? "seeds " : ", ") + std::to_string(s);
  return out;
}

// The evaluation set: every distinct result trained with the required seeds, or a seeded
// sample of them.
std::vector<std::size_t> evaluation_set(const bench::Table& t, const RankStudyConfig& config) {
  std::vector<std::size_t> with = distinct_results(t);
  std::vector<int> slots;
  for (auto seed : config.require_seeds) slots.push_back(t.slot_of_seed(seed));
  with.erase(std::remove_if(with.begin(), with.end(),
                            [&](std::size_t i) {
                              return std::any_of(slots.begin(), slots.end(),
                                                 [&](int s) { return !t.seed_present(i, s); });
                            }),
             with.end());
  const std::string which =
      slots.empty() ? "with results" : "trained with " + describe_seeds(config.require_seeds);
  if (with.empty())
    throw MissingDataError("table " + table_name(t) + " has no architecture " + which);
  if (config.sample == 0) return with;
  if (config.sample > with.size())
    throw std::invalid_argument("a sample of " + std::to_string(config.sample) +
                                " architectures is larger than the " + std::to_string(with.size()) +
                                " " + which + " in table " + table_name(t));
  common::Rng rng(common::mix_seed(config.seed, kSampleStream));
  for (std::size_t i = 0; i < config.sample; ++i)
    std::swap(with[i], with[i + common::uniform_below(rng, with.size() - i)]);
  with.resize(config.sample);
  std::sort(with.begin(), with.end());
  return with;
}

// Scores of the registry estimators at one T, NaN where an architecture lacks a value.
struct EstimatorAtT {
  std::size_t spec;      // index into config.estimators
  std::size_t part = 0;  // of a hybrid spec (0 for any other)
  std::unique_ptr<evaluators::Estimator> estimator;
  evaluators::LearningCurveSource* source;
  int epochs;
  std::vector<CurveNeed> needs;
  std::vector<bench::Proxy> proxies;
  std::vector<int> validation_epochs;
  // What an evaluator charges for the estimator's curve (charged_cost).
  double cost(const evaluators::Curve& curve) const {
    return evaluators::charged_cost(curve, proxies, validation_epochs, false);
  }
};

// Estimators that read the same schedule for as many epochs share one lookup per architecture
// (the union of their needs); an architecture that lacks a value of the union is looked up
// again for each estimator alone, so one estimator's missing metric never costs another its
// values.
// Each estimator's cost for each architecture comes with its score.
void score_group(Context& ctx, const std::vector<std::size_t>& archs,
                 std::vector<EstimatorAtT*>& group, std::vector<std::vector<double>>& scores,
                 std::vector<std::vector<double>>& costs) {
  std::map<Metric, std::pair<int, int>> range;
  for (auto* e : group)
    for (const auto& need : e->needs) {
      auto [it, fresh] = range.emplace(need.metric, std::make_pair(need.first_epoch, need.last_epoch));
      if (!fresh) {
        it->second.first = std::min(it->second.first, need.first_epoch);
        it->second.second = std::max(it->second.second, need.last_epoch);
      }
    }
  std::vector<CurveNeed> all;
  for (const auto& [m, r] : range) all.push_back({m, r.first, r.second});
  std::set<bench::Proxy> proxy_set;
  for (auto* e : group) proxy_set.insert(e->proxies.begin(), e->proxies.end());
  const std::vector<bench::Proxy> proxies(proxy_set.begin(), proxy_set.end());
  auto* source = group.front()->source;
  const int epochs = group.front()->epochs;
  const auto& bm = *ctx.benchmark;
  for (std::size_t k = 0; k < group.size(); ++k) {
    scores[k].assign(archs.size(), kNaN);
    costs[k].assign(archs.size(), kNaN);
  }
  parallel(archs.size(), [&](std::size_t i) {
    const auto code = bm.code(archs[i]);
    try {
      auto rng = ctx.data_rng(archs[i]);
      const auto curve = evaluators::observe_for(*source, code, epochs, all, proxies, rng);
      for (std::size_t k = 0; k < group.size(); ++k) {
        scores[k][i] = -group[k]->estimator->score(curve);
        costs[k][i] = group[k]->cost(curve);
      }
      return;
    } catch (const MissingDataError&) {
    }
    for (std::size_t k = 0; k < group.size(); ++k) {
      try {
        auto rng = ctx.data_rng(archs[i]);
        const auto curve = evaluators::observe_for(*source, code, epochs, group[k]->needs,
                                                   group[k]->proxies, rng);
        scores[k][i] = -group[k]->estimator->score(curve);
        costs[k][i] = group[k]->cost(curve);
      } catch (const MissingDataError&) {
      }
    }
  });
}

// One estimator's scores (negated: higher is better) and costs over the evaluation set.
struct Scored {
  std::vector<double> score, cost;
  bool trains = false;  // it reads a training (else proxies only)
};

// A hybrid from its parts (by part): each architecture's score is the mean of its ranks by each
// part, scaled to 0..1 over the architectures the part scores; its cost is the seconds of the
// parts' proxies plus one training, the costliest the parts read (they share it: at one T
// their validation passes nest); NaN where any part has none.
Scored combine_ranks(const std::map<std::size_t, Scored>& parts) {
  const std::size_t n = parts.begin()->second.score.size();
  Scored hybrid{std::vector<double>(n, 0.0), std::vector<double>(n, 0.0), false};
  std::vector<double> training(n, 0.0);
  for (const auto& [part, scored] : parts) {
    const auto ranks = average_ranks(scored.score);
    const auto m = static_cast<double>(
        std::count_if(ranks.begin(), ranks.end(), [](double r) { return !std::isnan(r); }));
    for (std::size_t i = 0; i < n; ++i) {
      hybrid.score[i] += m > 1 ? (ranks[i] - 1) / (m - 1) / static_cast<double>(parts.size()) : kNaN;
      if (!scored.trains)
        hybrid.cost[i] += scored.cost[i];
      else if (!std::isnan(training[i]) &&
               (std::isnan(scored.cost[i]) || scored.cost[i] > training[i]))
        training[i] = scored.cost[i];  // the costliest; unknown (NaN) stays unknown
    }
  }
  for (std::size_t i = 0; i < n; ++i) hybrid.cost[i] += training[i];
  return hybrid;
}

// The first MissingDataError an estimator meets (to say why it has no values at all).
std::string first_missing(Context& ctx, const EstimatorAtT& e, std::size_t index) {
  try {
    auto rng = ctx.data_rng(index);
    evaluators::observe_for(*e.source, ctx.benchmark->code(index), e.epochs, e.needs, e.proxies,
                            rng);
  } catch (const std::exception& ex) {
    return ex.what();
  }
  return "no architecture has the values it needs";
}

struct LcSvrData {
  std::vector<std::size_t> train;                // benchmark indices, ascending
  std::vector<std::vector<double>> train_curves;  // valid_acc at epochs 1..T_end
  std::vector<double> train_params;               // NaN where unknown
  std::vector<std::size_t> eval_positions;        // positions in the evaluation set
  bool use_params = false;
  double params_mean = 0;
  std::string error;  // why LcSVR cannot run ("" = it can)
};

LcSvrData prepare_lcsvr(Context& ctx, const bench::Table& t, const std::vector<std::size_t>& archs) {
  LcSvrData d;
  const auto& config = *ctx.config;
  if (auto why = missing_in_table(t, Metric::ValidAcc, 1, t.epochs()); !why.empty()) {
    d.error = "LcSVR needs the validation accuracy at every epoch: " + why;
    return d;
  }
  if (config.lcsvr_train < static_cast<std::size_t>(std::max(config.lcsvr.folds, 2))) {
    d.error = "LcSVR needs at least " + std::to_string(std::max(config.lcsvr.folds, 2)) +
              " training architectures, got " + std::to_string(config.lcsvr_train);
    return d;
  }
  std::string source_error;
  auto* source = ctx.source("", source_error);
  if (!source) {
    d.error = source_error;
    return d;
  }
  // Fully evaluated architectures (a validation accuracy at every epoch) of the whole table, in
  // a seeded random order; the first lcsvr_train of them train the SVR.
  std::vector<std::size_t> pool = distinct_results(t);
  common::Rng rng(common::mix_seed(config.seed, kLcSvrSplitStream));
  const std::vector<CurveNeed> needs{{Metric::ValidAcc, 1, t.epochs()}};
  for (std::size_t k = 0; k < pool.size() && d.train.size() < config.lcsvr_train; ++k) {
    std::swap(pool[k], pool[k + common::uniform_below(rng, pool.size() - k)]);
    try {
      auto data_rng = ctx.data_rng(pool[k]);
      const auto curve = source->observe(ctx.benchmark->code(pool[k]), t.epochs(), needs, data_rng);
      const auto& va = curve.series[static_cast<int>(Metric::ValidAcc)];
      if (std::any_of(va.begin(), va.end(), [](double v) { return !std::isfinite(v); })) continue;
      d.train.push_back(pool[k]);
      d.train_curves.push_back(va);
      d.train_params.push_back(t.cost(bench::Cost::Params, pool[k]));
    } catch (const MissingDataError&) {
    }
  }
  if (d.train.size() < config.lcsvr_train) {
    d.error = "LcSVR trains on " + std::to_string(config.lcsvr_train) +
              " fully evaluated architectures, but table " + table_name(t) + " has only " +
              std::to_string(d.train.size()) + " with a validation accuracy at every epoch";
    d.train.clear();
    return d;
  }
  // The parameter count is an input where every training architecture has it.
  d.use_params = std::none_of(d.train_params.begin(), d.train_params.end(),
                              [](double p) { return std::isnan(p); });
  if (d.use_params) {
    for (double p : d.train_params) d.params_mean += p;
    d.params_mean /= static_cast<double>(d.train_params.size());
  }
  // The training set in ascending index order.
  std::vector<std::size_t> order(d.train.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return d.train[a] < d.train[b]; });
  LcSvrData sorted = d;
  for (std::size_t k = 0; k < order.size(); ++k) {
    sorted.train[k] = d.train[order[k]];
    sorted.train_curves[k] = d.train_curves[order[k]];
    sorted.train_params[k] = d.train_params[order[k]];
  }
  d = std::move(sorted);
  // Left out of the evaluation: the training architectures and every architecture that shares
  // their stored results (a tabulation trains one member per isomorphism class and stores the
  // class's other members as the same row: the same curves, which would leak the target).
  std::set<int> rows;
  for (auto i : d.train) rows.insert(t.row_of(i));
  for (std::size_t p = 0; p < archs.size(); ++p)
    if (!rows.count(t.row_of(archs[p]))) d.eval_positions.push_back(p);
  return d;
}

std::vector<double> lcsvr_features(const spaces::SearchSpace& space, spaces::ArchCode code,
                                   const LcSvrData& d, double params,
                                   const std::vector<double>& valid_acc) {
  auto x = space.features(code);
  if (d.use_params) x.push_back(std::isnan(params) ? d.params_mean : params);
  const auto c = curve_features(valid_acc);
  x.insert(x.end(), c.begin(), c.end());
  return x;
}

}  // namespace

std::vector<std::string> rank_estimator_names() {
  auto names = evaluators::estimator_registry().names();
  names.push_back(kLcSvr);
  return names;
}

namespace {

RankEstimatorSpec parse_hybrid(const std::string& token) {
  RankEstimatorSpec hybrid{token, "", std::nullopt, {}};
  std::set<std::string> seen;
  std::size_t start = 0;
  for (;;) {
    const auto plus = token.find('+', start);
    auto part = parse_rank_estimator(token.substr(start, plus - start));
    if (part.name == kLcSvr || is_oracle(part.name))
      throw std::invalid_argument("estimator '" + token + "': a hybrid combines estimators a "
                                  "search may use, not " + part.name);
    if (!seen.insert(part.label).second)
      throw std::invalid_argument("estimator '" + token + "' combines " + part.label + " twice");
    hybrid.parts.push_back(part);
    if (plus == std::string::npos) break;
    start = plus + 1;
  }
  return hybrid;
}

}  // namespace

RankEstimatorSpec parse_rank_estimator(const std::string& token) {
  if (token.find('+') != std::string::npos) return parse_hybrid(token);
  if (token == kLcSvr) return {token, token, std::nullopt, {}};
  const auto& registry = evaluators::estimator_registry();
  if (registry.contains(token)) return {token, token, std::nullopt, {}};
  const auto dash = token.rfind("-E");
  if (dash != std::string::npos && dash > 0 && registry.contains(token.substr(0, dash))) {
    const auto name = token.substr(0, dash);
    const auto digits = token.substr(dash + 2);
    if (digits.empty() || digits.size() > 6 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(digits) < 1)
      throw std::invalid_argument("estimator '" + token + "': the window after -E must be a positive integer");
    if (!evaluators::takes_window(name))
      throw std::invalid_argument("estimator '" + token + "': " + name + " takes no window E");
    return {token, name, std::stoi(digits), {}};
  }
  throw unknown_name("estimator", token, rank_estimator_names(),
                     "a windowed one may take -E<k>, e.g. sotle-E10");
}

std::vector<RankEstimatorSpec> parse_rank_estimators(const std::vector<std::string>& tokens,
                                                     const std::vector<int>& E_grid) {
  for (int E : E_grid)
    if (E < 1) throw std::invalid_argument("the E grid holds " + std::to_string(E) + "; windows are at least 1");
  std::vector<RankEstimatorSpec> out;
  for (const auto& token : tokens) {
    auto spec = parse_rank_estimator(token);
    if (spec.name == "sotle" && !spec.E && !E_grid.empty()) {
      for (int E : E_grid) out.push_back({"sotle-E" + std::to_string(E), "sotle", E, {}});
    } else {
      out.push_back(spec);
    }
  }
  std::set<std::string> seen;
  for (const auto& s : out)
    if (!seen.insert(s.label).second)
      throw std::invalid_argument("estimator '" + s.label + "' is asked for twice");
  return out;
}

std::vector<int> T_grid(int T_end, int step) {
  if (T_end < 1) throw std::invalid_argument("T_end must be at least 1");
  if (step < 1) throw std::invalid_argument("the T step must be at least 1, got " + std::to_string(step));
  std::vector<int> out{1};
  for (int T = step; T <= T_end; T += step)
    if (T > 1) out.push_back(T);
  if (out.back() != T_end) out.push_back(T_end);
  return out;
}

RankStudyResult run_rank_study(std::shared_ptr<const bench::Benchmark> benchmark,
                               const RankStudyConfig& config, const RankProgress& progress) {
  if (!benchmark) throw std::invalid_argument("the rank study needs a benchmark");
  if (config.estimators.empty()) throw std::invalid_argument("the rank study needs an estimator");
  auto reads_mu = [](const RankEstimatorSpec& s) {
    return s.name != kLcSvr && evaluators::takes_mu(s.name);
  };
  if (config.ema_mu && std::none_of(config.estimators.begin(), config.estimators.end(),
                                    [&](const RankEstimatorSpec& s) {
                                      return reads_mu(s) || std::any_of(s.parts.begin(),
                                                                        s.parts.end(), reads_mu);
                                    }))
    throw std::invalid_argument("mu sets the weight of tse-ema's moving average, and none of the "
                                "estimators reads it (tse-ema-naslib fixes its own, 0.99)");
  if (config.truth.kind == bench::SeedPolicy::Kind::Random)
    throw std::invalid_argument("the truth policy must be 'mean' or a fixed seed, not 'random'");
  std::optional<tbb::global_control> limit;
  if (config.threads > 0)
    limit.emplace(tbb::global_control::max_allowed_parallelism,
                  static_cast<std::size_t>(config.threads));

  const auto& table = benchmark->table(config.dataset);
  require_curves(table);
  RankStudyResult result;
  result.dataset = table.dataset();
  result.schedule = table.schedule();
  result.truth_metric = bench::metric_name(table.truth_metric());
  result.T_end = table.epochs();
  for (const auto& spec : config.estimators) result.estimators.push_back(spec.label);
  result.T_values = config.T_values.empty() ? T_grid(table.epochs(), config.T_step) : config.T_values;
  for (int T : result.T_values)
    if (T < 1 || T > table.epochs())
      throw std::invalid_argument("T=" + std::to_string(T) + " is outside 1.." +
                                  std::to_string(table.epochs()) + " (table " + table_name(table) + ")");
  result.archs = evaluation_set(table, config);
  const auto& archs = result.archs;
  const std::size_t n = archs.size();

  Context ctx(benchmark, config);
  std::string error;
  auto* truth_source = ctx.source("", error);
  if (!truth_source) throw MissingDataError(error);

  // The truth: the final test accuracy under the truth policy (NaN where unknown: such an
  // architecture is left out of every correlation).
  std::vector<double> truth(n, kNaN);
  parallel(n, [&](std::size_t i) {
    try {
      truth[i] = 100.0 - truth_source->final_test_error(benchmark->code(archs[i]));
    } catch (const MissingDataError&) {
    }
  });
  if (std::all_of(truth.begin(), truth.end(), [](double v) { return std::isnan(v); }))
    throw MissingDataError("table " + table_name(table) + " has no " + result.truth_metric +
                           " at epoch " + std::to_string(table.epochs()) +
                           " for any architecture of the evaluation set: there is no truth to rank by");
  if (config.keep_scores) result.truth = truth;

  // LcSVR's split and training curves, once.
  const bool want_lcsvr = std::any_of(config.estimators.begin(), config.estimators.end(),
                                      [](const auto& s) { return s.name == kLcSvr; });
  LcSvrData lcsvr;
  if (want_lcsvr) {
    lcsvr = prepare_lcsvr(ctx, table, archs);
    if (lcsvr.error.empty()) {
      result.lcsvr_train = lcsvr.train;
      for (auto p : lcsvr.eval_positions) result.lcsvr_eval.push_back(archs[p]);
    }
  }
  const auto& space = benchmark->space();

  std::size_t done = 0;
  for (int T : result.T_values) {
    std::vector<std::optional<RankRow>> rows(config.estimators.size());
    std::vector<std::string> reasons(config.estimators.size());
    std::vector<std::vector<double>> kept(config.keep_scores ? config.estimators.size() : 0,
                                          std::vector<double>(n, kNaN));
    // `cost`: what each architecture's score cost; the row gives the median over those
    // correlated (NaN where none is known).
    auto correlate = [&](std::size_t k, const std::vector<double>& x, const std::vector<double>& y,
                         const std::vector<double>& cost, const std::string& if_empty) {
      const auto c = rank_correlation(x, y);
      if (c.n == 0) {
        reasons[k] = if_empty;
        return;
      }
      std::vector<double> known;
      for (std::size_t i = 0; i < x.size(); ++i)
        if (!std::isnan(x[i]) && !std::isnan(y[i]) && !std::isnan(cost[i])) known.push_back(cost[i]);
      rows[k] = RankRow{T, config.estimators[k].label, c.spearman, c.kendall, c.n,
                        known.empty() ? kNaN : common::median_of(known)};
    };

    // Registry estimators (each part of a hybrid is one), grouped by (schedule, epochs
    // observed).
    std::vector<std::unique_ptr<EstimatorAtT>> built;
    std::map<std::pair<std::string, int>, std::vector<EstimatorAtT*>> groups;
    // The estimator of one part at T, or nothing with `reason` saying why it has no values.
    auto build = [&](std::size_t k, std::size_t part, const RankEstimatorSpec& spec,
                     std::string& reason) -> std::unique_ptr<EstimatorAtT> {
      try {
        auto e = std::make_unique<EstimatorAtT>();
        e->spec = k;
        e->part = part;
        e->estimator = evaluators::make_estimator(
            spec.name, {T, spec.E, config.ema_mu.value_or(evaluators::EstimatorOptions{}.ema_mu),
             table.truth_metric()});
        e->source = ctx.source(e->estimator->schedule(), reason);
        if (!e->source) return nullptr;
        e->epochs = e->estimator->epochs_needed(e->source->schedule_epochs());
        e->needs = e->estimator->needs(e->source->schedule_epochs());
        e->validation_epochs = e->estimator->validation_epochs(e->source->schedule_epochs());
        evaluators::check_test_split_access(*e->estimator, e->needs);
        const auto& t = benchmark->table(config.dataset, e->estimator->schedule());
        for (const auto& need : e->needs)
          if (reason.empty())
            reason = missing_in_table(t, need.metric, need.first_epoch, need.last_epoch);
        e->proxies = e->estimator->proxies();
        for (auto p : e->proxies)
          if (reason.empty() && !t.has_proxy(p))
            reason = "table " + table_name(t) + " has no proxy " + bench::proxy_name(p);
        if (!reason.empty()) return nullptr;
        return e;
      } catch (const std::invalid_argument& ex) {
        reason = ex.what();
        return nullptr;
      }
    };
    for (std::size_t k = 0; k < config.estimators.size(); ++k) {
      const auto& spec = config.estimators[k];
      if (spec.name == kLcSvr) continue;
      const auto parts = spec.parts.empty() ? std::vector<RankEstimatorSpec>{spec} : spec.parts;
      std::vector<std::unique_ptr<EstimatorAtT>> estimators;
      for (std::size_t part = 0; part < parts.size() && reasons[k].empty(); ++part) {
        auto e = build(k, part, parts[part], reasons[k]);
        if (e) estimators.push_back(std::move(e));
      }
      if (!reasons[k].empty()) {
        if (!spec.parts.empty()) reasons[k] = parts[estimators.size()].label + ": " + reasons[k];
        continue;
      }
      for (auto& e : estimators) {
        groups[{e->estimator->schedule(), e->epochs}].push_back(e.get());
        built.push_back(std::move(e));
      }
    }
    // Each spec's parts' scores and costs, by part.
    std::map<std::size_t, std::map<std::size_t, Scored>> scored;
    std::map<std::size_t, const EstimatorAtT*> first_part;
    for (auto& [key, group] : groups) {
      std::vector<std::vector<double>> scores(group.size()), costs(group.size());
      score_group(ctx, archs, group, scores, costs);
      for (std::size_t g = 0; g < group.size(); ++g) {
        scored[group[g]->spec][group[g]->part] = {std::move(scores[g]), std::move(costs[g]),
                                                  group[g]->epochs > 0};
        if (group[g]->part == 0) first_part[group[g]->spec] = group[g];
      }
    }
    for (auto& [k, parts] : scored) {
      const auto hybrid = parts.size() == 1 ? parts.begin()->second : combine_ranks(parts);
      const bool any = std::any_of(hybrid.score.begin(), hybrid.score.end(),
                                   [](double v) { return !std::isnan(v); });
      if (config.keep_scores) kept[k] = hybrid.score;
      correlate(k, hybrid.score, truth, hybrid.cost,
                any ? "no architecture has both a score and a truth"
                    : first_missing(ctx, *first_part.at(k), archs.front()));
    }

    for (std::size_t k = 0; k < config.estimators.size(); ++k) {
      const auto& spec = config.estimators[k];
      if (spec.name == kLcSvr) {
        if (!lcsvr.error.empty()) {
          reasons[k] = lcsvr.error;
          continue;
        }
        // Train on the fully evaluated architectures' first T epochs, predict the final
        // validation accuracy of the rest, correlate the prediction with the truth.
        std::vector<std::vector<double>> X(lcsvr.train.size());
        std::vector<double> y(lcsvr.train.size());
        for (std::size_t j = 0; j < lcsvr.train.size(); ++j) {
          const auto& va = lcsvr.train_curves[j];
          X[j] = lcsvr_features(space, benchmark->code(lcsvr.train[j]), lcsvr, lcsvr.train_params[j],
                                std::vector<double>(va.begin(), va.begin() + T));
          y[j] = va.back();
        }
        auto options = config.lcsvr;
        if (options.seed == 0) options.seed = common::mix_seed(config.seed, kLcSvrSearchStream);
        const auto model = LcSvr::fit_with_search(X, y, options);
        result.lcsvr_fits.push_back({T, model.hyper_parameters(), model.cv_mse()});
        const auto& positions = lcsvr.eval_positions;
        std::vector<double> predicted(positions.size(), kNaN), target(positions.size()),
            cost(positions.size(), kNaN);
        // Charged as an evaluator reading the validation accuracy at epochs 1..T would be
        // (LcSVR's one-off training set of full trainings is not in it).
        std::vector<int> validation_epochs(static_cast<std::size_t>(T));
        std::iota(validation_epochs.begin(), validation_epochs.end(), 1);
        const std::vector<CurveNeed> needs{{Metric::ValidAcc, 1, T}};
        parallel(positions.size(), [&](std::size_t j) {
          const auto index = archs[positions[j]];
          target[j] = truth[positions[j]];
          try {
            auto rng = ctx.data_rng(index);
            const auto curve = truth_source->observe(benchmark->code(index), T, needs, rng);
            const auto& va = curve.series[static_cast<int>(Metric::ValidAcc)];
            cost[j] = evaluators::charged_cost(curve, {}, validation_epochs, false);
            if (std::all_of(va.begin(), va.end(), [](double v) { return std::isfinite(v); }))
              predicted[j] = model.predict(lcsvr_features(
                  space, benchmark->code(index), lcsvr, table.cost(bench::Cost::Params, index), va));
          } catch (const MissingDataError&) {
          }
        });
        if (config.keep_scores)
          for (std::size_t j = 0; j < positions.size(); ++j) kept[k][positions[j]] = predicted[j];
        correlate(k, predicted, target, cost,
                  positions.empty()
                      ? "every architecture of the evaluation set is in LcSVR's training set (or "
                        "shares the results of one in it)"
                      : "no architecture outside LcSVR's training set has a validation accuracy "
                        "at every epoch 1.." + std::to_string(T));
        if (result.lcsvr_features.empty() || T == result.T_values.back()) {
          result.lcsvr_features = space.feature_names();
          if (lcsvr.use_params) result.lcsvr_features.push_back("params");
          result.lcsvr_features.push_back("valid_acc@1.." + std::to_string(T));
          if (T >= 2) result.lcsvr_features.push_back("diff1@2.." + std::to_string(T));
          if (T >= 3) result.lcsvr_features.push_back("diff2@3.." + std::to_string(T));
        }
      }
    }

    for (std::size_t k = 0; k < config.estimators.size(); ++k) {
      if (rows[k])
        result.rows.push_back(*rows[k]);
      else
        result.skipped.push_back({T, config.estimators[k].label, reasons[k]});
    }
    if (config.keep_scores) result.scores.push_back(std::move(kept));
    ++done;
    if (progress) progress(T, done, result.T_values.size());
  }
  return result;
}

std::string rank_csv(const RankStudyResult& result) {
  std::string out = "T,estimator,spearman,kendall,n,median_cost_s\n";
  // Costs span microseconds (params) to minutes: six significant digits.
  for (const auto& r : result.rows)
    out += std::to_string(r.T) + "," + r.estimator + "," + csv_number(r.spearman, "%.6f") + "," +
           csv_number(r.kendall, "%.6f") + "," + std::to_string(r.n) + "," +
           csv_number(r.median_cost_s, "%.6g") + "\n";
  return out;
}

bool is_rank_csv(const std::string& path) {
  // Also the header of the versions before median_cost_s.
  return starts_with_header_of(path, rank_csv({})) ||
         starts_with_header_of(path, "T,estimator,spearman,kendall,n\n");
}

std::vector<std::string> describe_skips(const RankStudyResult& result) {
  // Reasons that differ only in their numbers (T, E, an epoch) are one kind.
  auto kind = [](const std::string& reason) {
    std::string out;
    for (char c : reason)
      if (!(c >= '0' && c <= '9')) out += c;
      else if (out.empty() || out.back() != '#') out += '#';
    return out;
  };
  struct Group {
    std::string estimator, reason;
    std::vector<int> Ts;
  };
  std::vector<Group> groups;
  std::map<std::pair<std::string, std::string>, std::size_t> where;
  for (const auto& s : result.skipped) {
    const auto key = std::make_pair(s.estimator, kind(s.reason));
    auto it = where.find(key);
    if (it == where.end()) {
      it = where.emplace(key, groups.size()).first;
      groups.push_back({s.estimator, s.reason, {}});
    }
    groups[it->second].Ts.push_back(s.T);
  }
  // Each estimator's lines together, in the order the estimators were first skipped.
  std::vector<std::string> first;
  for (const auto& g : groups)
    if (std::find(first.begin(), first.end(), g.estimator) == first.end()) first.push_back(g.estimator);
  std::stable_sort(groups.begin(), groups.end(), [&](const Group& a, const Group& b) {
    return std::find(first.begin(), first.end(), a.estimator) <
           std::find(first.begin(), first.end(), b.estimator);
  });
  std::vector<std::string> out;
  for (const auto& g : groups) {
    const bool all = g.Ts.size() == result.T_values.size();
    out.push_back(g.estimator + ": skipped " +
                  (all ? "at every T" : "at T = " + describe_runs(g.Ts, result.T_values)) + ": " +
                  g.reason);
  }
  return out;
}

void plot_rank_study(const RankStudyResult& result, const std::string& stem,
                     const std::string& title) {
  std::vector<std::string> labels;
  for (const auto& label : result.estimators)
    if (std::any_of(result.rows.begin(), result.rows.end(),
                    [&](const RankRow& r) { return r.estimator == label; }))
      labels.push_back(label);
  if (labels.empty()) throw std::runtime_error("nothing to plot: the study has no correlation");
  // One data block per estimator: T, Spearman's rho.
  std::string data;
  std::size_t most_points = 0;
  for (const auto& label : labels) {
    data += "# " + label + "\n";
    std::size_t points = 0;
    for (const auto& r : result.rows)
      if (r.estimator == label && !std::isnan(r.spearman)) {
        char line[64];
        std::snprintf(line, sizeof line, "%d %.6g\n", r.T, r.spearman);
        data += line;
        ++points;
      }
    most_points = std::max(most_points, points);
    data += "\n\n";
  }
  common::write_file_atomically(stem + ".dat", data);
  const std::string style = most_points < 40 ? "linespoints pt 7 ps 0.6" : "lines";
  std::string plots;
  for (std::size_t k = 0; k < labels.size(); ++k)
    plots += (plots.empty() ? "" : ", ") + common::gp_string(stem + ".dat") + " index " +
             std::to_string(k) + " using 1:2 with " + style + " lc rgb \"" + common::plot_colour(k) +
             "\" lw 2 dt " + std::to_string(is_oracle(labels[k]) ? 2 : 1 + k / 10 * 2) +
             " title " + common::gp_string(labels[k]);
  // Metric names hold underscores, which gnuplot's enhanced text would print as subscripts.
  const std::string truth = result.truth_metric == "valid_acc" ? "validation accuracy"
                            : result.truth_metric == "ori_test_acc"
                                ? "test accuracy (whole test set)"
                                : "test accuracy";
  std::string plain_title = title;
  std::replace(plain_title.begin(), plain_title.end(), '_', ' ');
  const std::string body =
      "set xlabel \"epoch T\"\nset ylabel " +
      common::gp_string("Spearman's rank correlation with the final " + truth) + "\nset title " +
      common::gp_string(plain_title) + "\nset xrange [0:" + std::to_string(result.T_end) +
      "]\nset yrange [*:1]\nset key " + (labels.size() > 6 ? "outside right top" : "bottom right") +
      "\nset grid\nplot " + plots;
  common::render_gnuplot(stem, body);
}

}  // namespace nasrun::experiment
