// The paper's section 5.4 (Fig. 5): choosing among groups of architectures (the settings of a
// random-graph generator, 8 wirings each) by an estimator instead of by their final test
// accuracy. For every T and estimator: each group's mean and standard error of the
// architectures' scores and of their truths, the rank correlation of the groups' mean scores
// with their mean truths, the group the scores would choose and its true rank.
//
// Groups are the choices of one dimension of the space (RandWire's "generator"). Every
// architecture with results is a member of its group, those that share a training (isomorphic
// architectures: RandWire's WS(K, 0.00) at every wiring seed) each counted, as the generator
// would make them; the scores and truths are the rank study's (rank_study.hpp), so any estimator
// and seed policy of nas-rank works here.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "analysis/rank_study.hpp"
#include "bench/benchmark.hpp"

namespace nasrun::experiment {

struct GroupSelectionConfig {
  RankStudyConfig study;     // estimators, T, seeds; keep_scores is set by the analysis
  std::string dimension;     // the dimension whose choices are the groups, by name
};

struct GroupRow {
  int T = 0;
  std::string estimator;
  std::size_t group = 0;     // the choice of the dimension
  std::string group_name;    // its name, e.g. "WS(4,0.30)"
  std::size_t n = 0;         // members with a score and a truth
  double score_mean = 0, score_se = 0;  // the score as correlated (higher is better)
  double truth_mean = 0, truth_se = 0;  // standard error: sample sd / sqrt(n); 0 for n = 1
};

struct GroupSelectionRow {
  int T = 0;
  std::string estimator;
  double spearman = 0, kendall = 0;  // of the groups' mean scores with their mean truths
  std::size_t groups = 0;            // groups with a member
  std::string chosen;                // the group with the best mean score (first on a tie)
  double chosen_truth = 0;           // its mean truth
  std::size_t chosen_true_rank = 0;  // 1 + groups whose mean truth is higher
  std::string best;                  // the group with the best mean truth
  double best_truth = 0;
};

struct GroupSelectionResult {
  std::string dataset, schedule, truth_metric, dimension;
  std::vector<GroupRow> groups;            // by T, estimator, then group
  std::vector<GroupSelectionRow> summary;  // by T, then estimator
  std::vector<std::string> skipped;        // the rank study's skips, described
};

// Throws std::invalid_argument naming the space's dimensions when `config.dimension` is not one
// of them, and whatever run_rank_study throws.
GroupSelectionResult run_group_selection(std::shared_ptr<const bench::Benchmark> benchmark,
                                         GroupSelectionConfig config);

// "T,estimator,group_index,group,n,score_mean,score_se,truth_mean,truth_se" (group quoted).
std::string group_rows_csv(const GroupSelectionResult& result);
// "T,estimator,spearman,kendall,groups,chosen,chosen_truth,chosen_true_rank,best,best_truth".
std::string group_selection_csv(const GroupSelectionResult& result);
bool is_group_rows_csv(const std::string& path);
bool is_group_selection_csv(const std::string& path);

// The paper's Fig. 5: per group (x: its index), the first estimator's mean score with
// standard-error bars at each T (left axis) and the mean truth with its bars (right axis), as
// <stem>.png and .svg.
void plot_group_selection(const GroupSelectionResult& result, const std::string& stem,
                          const std::string& title);

}  // namespace nasrun::experiment
