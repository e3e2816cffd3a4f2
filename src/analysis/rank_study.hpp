// The paper's rank-correlation study (§5.2-5.3, Fig. 2, 3, 4): for every epoch T, how well each
// performance estimator's score at T ranks architectures by their final test accuracy.
//
// The estimators are the project's own (the estimator registry over a TabularCurveSource), the
// same code a search scores with. Their scores are "lower is better", so the study correlates
// the NEGATED score with the final test accuracy: the paper's sign flip for SoTL/SoTL-E/SoVL, and
// for val-early (whose score is minus the validation accuracy) the accuracy itself. Every
// estimator reads the run the data policy names (so with --data-seed 0 --truth-seed 1 they read
// seed 0's values against seed 1's truth). Two of the registry's estimators are oracles
// (src/evaluators/test_split_oracles.cpp), registered as such because they read the test split,
// one value per architecture for all T:
//   test-loss  the final loss of the truth's split (at T_end, negated; the paper's Fig. 2 black
//              line): test_loss for test_acc, ori_test_loss for ori_test_acc, valid_loss for
//              valid_acc;
//   test-acc   the final value of the truth metric itself: the truth when the data and the truth
//              are the same run; with another training seed as the truth, how well two
//              trainings agree, what a perfect predictor of one run's result scores against the
//              other's (a reference, not a bound: a score that is less noisy than one run's test
//              accuracy, as a training loss can be, may exceed it).
// One more exists only here:
//   lcsvr      learning-curve extrapolation (Baker et al. 2017) with libsvm's nu-SVR trained on
//              fully evaluated architectures that are then left out of its evaluation
//              (analysis/lcsvr.hpp); its prediction of the final validation accuracy is
//              correlated as is (higher is better).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "analysis/lcsvr.hpp"
#include "bench/benchmark.hpp"

namespace nasrun::experiment {

struct RankEstimatorSpec {
  std::string label;     // the CSV's and the figure's name, e.g. "sotle-E10"
  std::string name;      // an estimator registry name or "lcsvr"; "" for a hybrid
  std::optional<int> E;  // window, for estimators that take one
  // A hybrid ("jacov+sotle"): the estimators it combines. Each architecture's hybrid score is
  // the mean of its ranks by each of them (ranks scaled to 0..1 over the architectures each
  // scores), in the manner of Abdelfattah et al.'s vote of proxies; its cost is the sum of
  // theirs. An architecture lacking any part's score has none.
  std::vector<RankEstimatorSpec> parts;
};

// Every name --estimators accepts: the estimator registry's names (the oracles test-loss and
// test-acc among them) and lcsvr.
std::vector<std::string> rank_estimator_names();
// "sotle", "sotle-E10" (a window for an estimator that takes one), "test-loss", "test-acc",
// "lcsvr", or a hybrid of two or more registry estimators a search may use, joined by '+'
// ("jacov+sotle", "nwot+sotle-E2").
// Throws UnknownNameError listing the valid names, or std::invalid_argument for a bad window or
// a bad hybrid (one part, a part twice, lcsvr or an oracle as a part).
RankEstimatorSpec parse_rank_estimator(const std::string& token);
// Parses the tokens; with a non-empty E grid, a plain "sotle" becomes one "sotle-E<k>" per k
// (the paper's Fig. 3). Duplicate labels are an error.
std::vector<RankEstimatorSpec> parse_rank_estimators(const std::vector<std::string>& tokens,
                                                     const std::vector<int>& E_grid = {});

struct RankStudyConfig {
  std::string dataset;
  std::vector<RankEstimatorSpec> estimators;
  // Epochs T to score at, each in 1..T_end; empty = T_grid(T_end, T_step).
  std::vector<int> T_values;
  int T_step = 1;
  // tse-ema: the weight of the newest epoch in its moving average; unset: its default (0.9).
  // Set, it is refused when no estimator reads it.
  std::optional<double> ema_mu;
  // The evaluation set: every architecture with results (0), or a seeded random sample of them.
  std::size_t sample = 0;
  std::uint64_t seed = 0;
  // Only the architectures trained with every one of these seeds (empty = all): with the data
  // and the truth from two different seeds, {data seed, truth seed} makes every estimator,
  // test-acc included, correlate over the same architectures.
  std::vector<std::int64_t> require_seeds;
  // Whose curves the estimators read and whose final accuracy is the truth, as for the tabular
  // source: mean over the seeds (default), a fixed seed, or (data only) one seed drawn per
  // architecture, the same draw for every T and estimator.
  bench::SeedPolicy data = bench::SeedPolicy::mean();
  bench::SeedPolicy truth = bench::SeedPolicy::mean();
  // LcSVR: fully evaluated architectures to train on, and its hyper-parameter search (the
  // search seed derives from `seed` when lcsvr.seed is left 0).
  std::size_t lcsvr_train = 200;
  LcSvrOptions lcsvr;
  int threads = 0;  // 0 = all cores; the results do not depend on it
  // Keep the truth and every score in the result (RankStudyResult::truth, ::scores), for an
  // analysis of its own over them (group_selection.hpp).
  bool keep_scores = false;
};

struct RankRow {
  int T = 0;
  std::string estimator;  // label
  double spearman = 0, kendall = 0;
  std::size_t n = 0;  // architectures correlated over (those with every value needed)
  // The median over those architectures of what a search's evaluator is charged for the
  // estimator at T (evaluators/charged_cost.hpp: training, the validation passes it reads, its
  // proxies' computation); NaN where the table records no times.
  double median_cost_s = 0;
};

struct RankSkip {
  int T = 0;
  std::string estimator;
  std::string reason;
};

struct LcSvrFit {
  int T = 0;
  SvrHyperParameters hyper_parameters;
  double cv_mse = 0;  // standardised units
};

struct RankStudyResult {
  std::string dataset, schedule, truth_metric;
  int T_end = 0;
  std::vector<int> T_values;
  std::vector<std::string> estimators;  // labels, in the configuration's order
  // Benchmark indices, ascending: the evaluation set, LcSVR's training set (fully evaluated,
  // drawn from all architectures with results) and LcSVR's evaluation set (the evaluation set
  // less its training set and less the architectures whose stored results are those of a
  // training architecture, as a tabulation stores isomorphic cells). Empty when lcsvr was not
  // asked for or could not be trained.
  std::vector<std::size_t> archs, lcsvr_train, lcsvr_eval;
  std::vector<std::string> lcsvr_features;  // names of the LcSVR inputs (at the largest T)
  std::vector<LcSvrFit> lcsvr_fits;
  std::vector<RankRow> rows;       // by T, then in the order of config.estimators
  std::vector<RankSkip> skipped;   // (T, estimator) pairs with no architecture to correlate
  // With config.keep_scores: each architecture's truth, by position in `archs` (NaN where
  // unknown), and scores[t][k][i], estimator k's score of architecture archs[i] at T_values[t]
  // as correlated (higher is better; NaN where it has none, all NaN where k was skipped).
  std::vector<double> truth;
  std::vector<std::vector<std::vector<double>>> scores;
};

// 1, then every multiple of `step` up to T_end, and T_end.
std::vector<int> T_grid(int T_end, int step);

// Called after each T with how many of the T values are done.
using RankProgress = std::function<void(int T, std::size_t done, std::size_t total)>;

// Throws bench::MissingDataError when the dataset is absent, its table has no per-epoch curves
// (naming the metrics and epochs it lacks) or lacks a required seed, std::invalid_argument for a bad
// configuration (a sample larger than the architectures with results, T outside 1..T_end).
RankStudyResult run_rank_study(std::shared_ptr<const bench::Benchmark> benchmark,
                               const RankStudyConfig& config, const RankProgress& progress = {});

// The CSV: header "T,estimator,spearman,kendall,n,median_cost_s", one line per row, "nan" where
// undefined.
std::string rank_csv(const RankStudyResult& result);
// Whether the file at `path` starts with rank_csv's header: an earlier nas-rank output, which a
// rerun may replace.
bool is_rank_csv(const std::string& path);
// One line per estimator and kind of reason it was skipped for: at which T, and why (the reason
// at the first of them).
std::vector<std::string> describe_skips(const RankStudyResult& result);

// Spearman's rho versus T, one line per estimator, as <stem>.png and <stem>.svg (with the
// <stem>.dat and <stem>.gp that regenerate them). Throws std::runtime_error when gnuplot fails.
void plot_rank_study(const RankStudyResult& result, const std::string& stem,
                     const std::string& title);

}  // namespace nasrun::experiment
