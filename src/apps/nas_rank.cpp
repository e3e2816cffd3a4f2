// nas-rank: the paper's rank-correlation study (Fig. 2, 3, 4): for every epoch T, the Spearman
// and Kendall rank correlation of each estimator's score at T with the final test accuracy.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>
#include <optional>
#include <utility>

#include "analysis/bayesian_linear_regression.hpp"
#include "analysis/group_selection.hpp"
#include "analysis/loss_curves.hpp"
#include "analysis/rank_study.hpp"
#include "apps/cli_common.hpp"
#include "bench/benchmark.hpp"
#include "common/file_io.hpp"
#include "evaluators/estimator.hpp"
#include "evaluators/tabular_source.hpp"

namespace po = boost::program_options;
using namespace nasrun;

namespace {

std::vector<int> parse_ints(const std::string& text, const std::string& option) {
  const auto values = cli::parse_integer_list(text, option, std::numeric_limits<int>::min());
  return {values.begin(), values.end()};
}

std::string estimator_help() {
  return cli::listing(evaluators::estimator_registry().list()) +
      "    lcsvr      learning-curve nu-SVR (Baker et al. 2017): architecture features + the\n"
      "               validation accuracies at epochs 1..T and their 1st/2nd differences, trained\n"
      "               on --lcsvr-train fully evaluated architectures (left out of its evaluation)\n"
      "               to predict the final validation accuracy\n"
      "  A windowed estimator takes -E<k>: sotle-E10, sovl-e-E5.\n";
}

// T: Spearman at a few epochs, one line per estimator.
void print_table(const experiment::RankStudyResult& r) {
  std::vector<int> shown;
  for (double f : {0.1, 0.25, 0.5, 1.0}) {
    int best = -1;
    for (int T : r.T_values)
      if (best < 0 || std::abs(T - f * r.T_end) < std::abs(best - f * r.T_end)) best = T;
    if (std::find(shown.begin(), shown.end(), best) == shown.end()) shown.push_back(best);
  }
  std::printf("\nSpearman's rho with the final %s (n = architectures correlated)\n%-14s",
              r.truth_metric.c_str(), "estimator");
  for (int T : shown) std::printf("  %14s", ("T=" + std::to_string(T)).c_str());
  std::printf("\n");
  for (const auto& label : r.estimators) {
    std::printf("%-14s", label.c_str());
    for (int T : shown) {
      const experiment::RankRow* found = nullptr;
      for (const auto& row : r.rows)
        if (row.T == T && row.estimator == label) found = &row;
      char cell[64];
      if (found)
        std::snprintf(cell, sizeof cell, "%.3f (%zu)", found->spearman, found->n);
      else
        std::snprintf(cell, sizeof cell, "-");
      std::printf("  %14s", cell);
    }
    std::printf("\n");
  }
}

// The figure's files are <out without .csv>.png, .svg, .dat and .gp.
std::string figure_stem(std::string out) {
  if (out.size() > 4 && out.compare(out.size() - 4, 4, ".csv") == 0) out.resize(out.size() - 4);
  return out;
}

// The options as given; the study's configuration is made from them.
struct Arguments {
  std::string benchmark, dataset, estimators, E_grid, T_list, out, data_seed, truth_seed,
      require_seeds;
  std::size_t sample = 0, lcsvr_train = 0;
  std::uint64_t seed = 0;
  int T_step = 1, lcsvr_draws = 30, threads = 0;
  bool benchmark_given = false, plot = false, force = false;
};

// The rank study's options; `out` and `plot` say what --out and --plot write.
void add_options(po::options_description& desc, Arguments& a, const char* out, const char* plot) {
  desc.add_options()
      ("help,h", "show this help, with the estimators available")
      ("benchmark", po::value(&a.benchmark),
       "benchmark file with per-epoch curves (default: the embedded Fashion-MNIST benchmark)")
      ("dataset", po::value(&a.dataset),
       "dataset of the benchmark (default: its only dataset; required when it has several)")
      ("estimators", po::value(&a.estimators)->default_value(
           "sotle,sotl,sovl,sovl-e,val-early,tse-ema,test-loss,lcsvr"),
       "estimators, a comma list (see below); a hybrid joins estimators with '+' (jacov+sotle)")
      ("E-grid", po::value(&a.E_grid),
       "windows E for sotle, a comma list (e.g. 1,10,20,30,40,50,60,70 as the paper's Fig. 3): "
       "sotle becomes sotle-E1, sotle-E10, ...")
      ("mu", po::value<double>(), "tse-ema: the weight of the newest epoch in its moving average of training losses (default 0.9)")
      ("sample", po::value(&a.sample)->default_value(0),
       "correlate over a seeded random sample of this many architectures (0 = all with results)")
      ("seed", po::value(&a.seed)->default_value(0),
       "seed of the sample, of LcSVR's training set and search, and of random data seeds")
      ("T-step", po::value(&a.T_step)->default_value(1), "score at T = 1, every multiple of K, and T_end")
      ("T", po::value(&a.T_list), "score at these epochs only, a comma list (overrides --T-step)")
      ("data-seed", po::value(&a.data_seed)->default_value("mean"),
       "whose curves the estimators read: mean (over seeds), a seed, or random (one per architecture)")
      ("truth-seed", po::value(&a.truth_seed)->default_value("mean"),
       "the truth's seeds: mean (final test accuracy over seeds) or a seed")
      ("require-seeds", po::value(&a.require_seeds),
       "only architectures trained with every one of these seeds, a comma list (e.g. 0,1 with "
       "--data-seed 0 --truth-seed 1)")
      ("lcsvr-train", po::value(&a.lcsvr_train)->default_value(200),
       "fully evaluated architectures LcSVR trains on (then left out of its evaluation)")
      ("lcsvr-draws", po::value(&a.lcsvr_draws)->default_value(30),
       "random-search draws of LcSVR's (C, nu, gamma), each scored by 3-fold cross-validation")
      ("threads", po::value(&a.threads)->default_value(0),
       "threads (0 = all cores); results do not depend on it")
      ("out", po::value(&a.out), out)
      ("force", po::bool_switch(&a.force),
       "replace an existing output that is not an earlier one of nas-rank's")
      ("plot", po::bool_switch(&a.plot), plot);
}

// The rank study's options in `args`, checked, or nothing when --help was given (and printed
// with `desc`, which add_options filled into `a`).
std::optional<Arguments> check_arguments(Arguments& a, const po::options_description& desc,
                                         const std::vector<std::string>& args,
                                         po::variables_map& vm) {
  po::store(cli::parse_arguments(desc, args), vm);
  if (vm.count("help")) {
    std::cout << desc << "\nEstimators:\n" << estimator_help();
    return std::nullopt;
  }
  po::notify(vm);
  if (a.out.empty()) throw cli::UsageError("--out FILE.csv is required");
  if (a.T_step < 1)
    throw cli::UsageError("--T-step must be at least 1, got " + std::to_string(a.T_step));
  if (a.threads < 0) throw cli::UsageError("--threads must be 0 (all cores) or more");
  if (a.lcsvr_draws < 1) throw cli::UsageError("--lcsvr-draws must be at least 1");
  a.benchmark_given = vm.count("benchmark") != 0;
  if (!a.benchmark_given) a.benchmark = cli::default_benchmark_path();
  return a;
}

std::optional<Arguments> parse(int argc, char** argv, po::variables_map& vm) {
  Arguments a;
  po::options_description desc(
      "nas-rank: how well each performance estimator at epoch T ranks architectures by their\n"
      "final test accuracy (Spearman's rho and Kendall's tau-b, for every T), as in the paper's\n"
      "Fig. 2, 3 and 4. Loss-based scores are negated (lower loss = better rank).\n\n"
      "Usage: nas-rank --benchmark FILE --dataset D --out rank.csv [--plot]\n"
      "       nas-rank loss-curves ...         a metric's mean by epoch (paper Fig. 9; --help)\n"
      "       nas-rank regression-example ...  the paper's Fig. 1 (section 5.1; --help)\n"
      "       nas-rank group-selection ...     choosing a generator's setting (paper Fig. 5; --help)\n\n"
      "Options");
  add_options(desc, a, "output CSV: T,estimator,spearman,kendall,n,median_cost_s (required)",
              "also draw Spearman's rho versus T as <out without .csv>.png and .svg (gnuplot)");
  return check_arguments(a, desc, {argv + std::min(argc, 1), argv + argc}, vm);
}

// The CSV and, with --plot, the figure's files may replace none of the inputs, and the CSV
// nothing but an earlier output of `program` (`earlier` says which files are) unless --force.
void check_outputs(const Arguments& a, const std::string& program = "nas-rank",
                   bool (*earlier)(const std::string&) = experiment::is_rank_csv) {
  const std::vector<std::pair<std::string, std::string>> inputs = {{"--benchmark", a.benchmark}};
  common::check_output_file(a.out, inputs, {"--out", program, earlier}, a.force);
  if (a.plot)
    for (const char* ext : {".png", ".svg", ".dat", ".gp"})
      common::check_not_an_input(figure_stem(a.out) + ext, "--plot", inputs);
}

experiment::RankStudyConfig configuration(const Arguments& a, const po::variables_map& vm) {
  experiment::RankStudyConfig config;
  try {
    config.estimators = experiment::parse_rank_estimators(
        cli::split_list(a.estimators, "estimators"),
        vm.count("E-grid") ? parse_ints(a.E_grid, "E-grid") : std::vector<int>{});
  } catch (const std::invalid_argument& e) {
    throw cli::UsageError(std::string("--estimators: ") + e.what());
  }
  if (vm.count("T")) config.T_values = parse_ints(a.T_list, "T");
  config.T_step = a.T_step;
  if (vm.count("mu")) config.ema_mu = vm["mu"].as<double>();
  config.sample = a.sample;
  config.seed = a.seed;
  config.data = bench::SeedPolicy::parse(a.data_seed);
  config.truth = bench::SeedPolicy::parse(a.truth_seed);
  if (vm.count("require-seeds"))
    config.require_seeds = cli::parse_integer_list(a.require_seeds, "require-seeds",
                                                   std::numeric_limits<std::int64_t>::min());
  config.lcsvr_train = a.lcsvr_train;
  config.lcsvr.search_draws = a.lcsvr_draws;
  config.threads = a.threads;
  return config;
}

// The benchmark at `path` if given, else the embedded one; an empty `dataset` becomes the
// benchmark's only dataset.
std::shared_ptr<const bench::Benchmark> open_benchmark_and_dataset(bool given, const std::string& path,
                                                                   std::string& dataset) {
  auto benchmark = evaluators::open_benchmark(given ? std::optional<std::string>(path) : std::nullopt,
                                              cli::default_benchmark_path());
  if (dataset.empty())
    dataset = cli::usage_error_on<std::invalid_argument>([&] { return evaluators::only_dataset(*benchmark); });
  return benchmark;
}

// The benchmark of --benchmark, with config.dataset set to --dataset or its only dataset.
std::shared_ptr<const bench::Benchmark> open_study_benchmark(const Arguments& a,
                                                             experiment::RankStudyConfig& config) {
  config.dataset = a.dataset;
  return open_benchmark_and_dataset(a.benchmark_given, a.benchmark, config.dataset);
}

// "mean over seeds", "seed 1", "a random seed per architecture".
std::string describe_seeds(const bench::SeedPolicy& p) {
  switch (p.kind) {
    case bench::SeedPolicy::Kind::Mean: return "mean over seeds";
    case bench::SeedPolicy::Kind::Random: return "a random seed per architecture";
    case bench::SeedPolicy::Kind::Fixed: break;
  }
  return "seed " + std::to_string(p.seed);
}

// What was correlated over, and what was skipped and why.
void print_study(const experiment::RankStudyResult& result,
                 const experiment::RankStudyConfig& config) {
  std::string trained_with;
  for (auto s : config.require_seeds)
    trained_with += (trained_with.empty() ? " trained with seeds " : ", ") + std::to_string(s);
  std::printf("%s@%s: %zu architectures%s, truth = final %s (%s), curves %s, T in 1..%d\n",
              result.dataset.c_str(), result.schedule.c_str(), result.archs.size(),
              trained_with.c_str(), result.truth_metric.c_str(),
              describe_seeds(config.truth).c_str(), describe_seeds(config.data).c_str(),
              result.T_end);
  if (!result.lcsvr_train.empty())
    std::printf("LcSVR: trained on %zu fully evaluated architectures, evaluated on %zu others\n",
                result.lcsvr_train.size(), result.lcsvr_eval.size());
  for (const auto& line : experiment::describe_skips(result)) std::printf("%s\n", line.c_str());
}

// Runs the study with a progress line on a terminal; returns the result and the seconds taken.
std::pair<experiment::RankStudyResult, double> run_study(
    std::shared_ptr<const bench::Benchmark> benchmark, const experiment::RankStudyConfig& config) {
  const auto started = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  const bool tty = ::isatty(STDERR_FILENO);
  auto result = experiment::run_rank_study(
      std::move(benchmark), config, [&](int T, std::size_t done, std::size_t total) {
        if (!tty) return;
        std::fprintf(stderr, "\r[T=%d, %zu/%zu] %.1fs", T, done, total, seconds());
        if (done == total) std::fputc('\n', stderr);
      });
  return {std::move(result), seconds()};
}

int run(int argc, char** argv) {
  po::variables_map vm;
  const auto args = parse(argc, argv, vm);
  if (!args) return 0;
  check_outputs(*args);
  auto config = configuration(*args, vm);
  const auto benchmark = open_study_benchmark(*args, config);
  const auto [result, real_s] = run_study(benchmark, config);
  print_study(result, config);
  if (result.rows.empty())
    throw std::runtime_error("no estimator could be computed at any T on " + result.dataset +
                             "@" + result.schedule + " (reasons above)");
  common::write_file_atomically(args->out, experiment::rank_csv(result));
  print_table(result);
  std::printf("real time %.2fs; %zu rows in %s\n", real_s, result.rows.size(), args->out.c_str());
  if (args->plot) {
    const auto stem = figure_stem(args->out);
    experiment::plot_rank_study(result, stem,
                                "Rank correlation of the estimators at epoch T (" +
                                    result.dataset + ", " + std::to_string(result.archs.size()) +
                                    " architectures)");
    std::printf("figure: %s.png, %s.svg\n", stem.c_str(), stem.c_str());
  }
  return 0;
}

// The options of a subcommand (the words after its name), or nothing when --help was given.
bool parse_subcommand(const po::options_description& desc, int argc, char** argv,
                      po::variables_map& vm) {
  po::store(cli::parse_arguments(desc, {argv + 2, argv + argc}), vm);
  if (vm.count("help")) {
    std::cout << desc;
    return false;
  }
  po::notify(vm);
  return true;
}

// nas-rank loss-curves: paper Fig. 9.
int run_loss_curves(int argc, char** argv) {
  std::string benchmark_path, dataset, metric_name, seeds, out;
  double threshold = 0.1;
  bool plot = false, force = false;
  po::options_description desc(
      "nas-rank loss-curves: a per-epoch metric across the architectures of a table: its mean and\n"
      "standard error at each epoch, and how many architectures are below a threshold (the\n"
      "paper's Fig. 9: training losses below 0.1).\n\n"
      "Usage: nas-rank loss-curves [--benchmark FILE] [--dataset D] --out curves.csv [--plot]\n\n"
      "Options");
  desc.add_options()
      ("help,h", "show this help")
      ("benchmark", po::value(&benchmark_path), "benchmark file (default: the embedded one)")
      ("dataset", po::value(&dataset), "dataset (default: the benchmark's only one)")
      ("metric", po::value(&metric_name)->default_value("train_loss"), "the per-epoch metric")
      ("threshold", po::value(&threshold)->default_value(0.1), "count architectures below this value")
      ("seeds", po::value(&seeds)->default_value("mean"),
       "each architecture's value: mean (over its seeds) or a seed")
      ("out", po::value(&out),
       "output CSV: epoch,n,mean,standard_error,lowest,below_threshold (required)")
      ("force", po::bool_switch(&force), "replace an existing --out that is not an earlier output")
      ("plot", po::bool_switch(&plot), "also draw <out without .csv>.png and .svg (gnuplot)");
  po::variables_map vm;
  if (!parse_subcommand(desc, argc, argv, vm)) return 0;
  if (out.empty()) throw cli::UsageError("--out FILE.csv is required");
  const auto metric = cli::usage_error_on<std::invalid_argument>([&] { return bench::parse_metric(metric_name); });
  const auto policy = cli::usage_error_on<std::invalid_argument>([&] { return bench::SeedPolicy::parse(seeds); });
  if (policy.kind == bench::SeedPolicy::Kind::Random)
    throw cli::UsageError("--seeds: mean or a seed number, not random (a summary draws nothing)");
  const bool given = vm.count("benchmark") != 0;
  if (!given) benchmark_path = cli::default_benchmark_path();
  const std::vector<std::pair<std::string, std::string>> inputs = {{"--benchmark", benchmark_path}};
  common::check_output_file(out, inputs, {"--out", "nas-rank loss-curves", experiment::is_curve_summary_csv}, force);
  if (plot)
    for (const char* ext : {".png", ".svg", ".dat", ".gp"})
      common::check_not_an_input(figure_stem(out) + ext, "--plot", inputs);
  const auto benchmark = open_benchmark_and_dataset(given, benchmark_path, dataset);
  const auto& table = benchmark->table(dataset);
  const auto rows = cli::usage_error_on<std::invalid_argument>(
      [&] { return experiment::summarise_curves(table, metric, threshold, policy); });
  common::write_file_atomically(out, experiment::curve_summary_csv(rows));
  const std::size_t archs = rows.empty() ? 0 : rows.back().n;
  std::printf("%s@%s: %s over %zu architectures (distinct results) at the last epoch; %zu rows "
              "in %s\n", dataset.c_str(), table.schedule().c_str(), metric_name.c_str(), archs,
              rows.size(), out.c_str());
  if (plot) {
    const auto stem = figure_stem(out);
    experiment::plot_curve_summary(rows, threshold,
                                   metric_name + " by epoch, " + dataset + " (" +
                                       std::to_string(archs) + " architectures, seeds: " + seeds + ")",
                                   stem);
    std::printf("figure: %s.png, %s.svg\n", stem.c_str(), stem.c_str());
  }
  return 0;
}

// nas-rank group-selection: paper Fig. 5.
int run_group_selection(int argc, char** argv) {
  Arguments a;
  std::string group_by, groups_out;
  po::options_description desc(
      "nas-rank group-selection: the paper's section 5.4 (Fig. 5): the groups of architectures\n"
      "that share a choice of one dimension (RandWire's generator settings, 8 wirings each),\n"
      "ranked by the mean of their members' scores at each T instead of by their mean final\n"
      "test accuracy: the rank correlation of the two, the group each T would choose and its\n"
      "true rank. Loss-based scores are negated (higher is better).\n\n"
      "Usage: nas-rank group-selection --benchmark FILE --out selection.csv [--group-by DIM]\n"
      "                                [--estimators sotle --E-grid 1 --T 2,5,10] [--plot]\n\n"
      "Options");
  add_options(desc, a,
              "output CSV, one line per T and estimator: T,estimator,spearman,kendall,groups,"
              "chosen,chosen_truth,chosen_true_rank,best,best_truth (required)",
              "also draw each group's mean score (the first estimator's, at each T) and mean "
              "truth as <out without .csv>.png and .svg (gnuplot)");
  desc.add_options()
      ("group-by", po::value(&group_by),
       "the dimension whose choices are the groups, by name (default: the space's first)")
      ("groups-out", po::value(&groups_out),
       "the groups' CSV: T,estimator,group_index,group,n,score_mean,score_se,truth_mean,truth_se "
       "(default: <out without .csv>-groups.csv)");
  po::variables_map vm;
  if (!check_arguments(a, desc, {argv + 2, argv + argc}, vm)) return 0;
  if (groups_out.empty()) groups_out = figure_stem(a.out) + "-groups.csv";
  check_outputs(a, "nas-rank group-selection", experiment::is_group_selection_csv);
  const std::vector<std::pair<std::string, std::string>> inputs = {{"--benchmark", a.benchmark},
                                                                   {"--out", a.out}};
  common::check_output_file(groups_out, inputs,
                            {"--groups-out", "nas-rank group-selection", experiment::is_group_rows_csv},
                            a.force);
  experiment::GroupSelectionConfig config{configuration(a, vm), group_by};
  const auto benchmark = open_study_benchmark(a, config.study);
  if (config.dimension.empty()) config.dimension = benchmark->space().dimension_name(0);
  const auto result = cli::usage_error_on<std::invalid_argument>(
      [&] { return experiment::run_group_selection(benchmark, config); });
  for (const auto& line : result.skipped) std::printf("%s\n", line.c_str());
  if (result.summary.empty())
    throw std::runtime_error("no estimator could be computed at any T on " + result.dataset +
                             "@" + result.schedule + " (reasons above)");
  common::write_file_atomically(a.out, experiment::group_selection_csv(result));
  common::write_file_atomically(groups_out, experiment::group_rows_csv(result));
  std::printf("%s@%s, groups by %s, truth = mean final %s over each group\n",
              result.dataset.c_str(), result.schedule.c_str(), result.dimension.c_str(),
              result.truth_metric.c_str());
  std::printf("%-14s %4s %8s %7s  %-24s %10s  %s\n", "estimator", "T", "rho", "groups",
              "chosen (true rank)", "its truth", "best group (truth)");
  for (const auto& r : result.summary)
    std::printf("%-14s %4d %8.3f %7zu  %-24s %10.2f  %s (%.2f)\n", r.estimator.c_str(), r.T,
                r.spearman, r.groups, (r.chosen + " (" + std::to_string(r.chosen_true_rank) + ")").c_str(),
                r.chosen_truth, r.best.c_str(), r.best_truth);
  std::printf("%zu rows in %s, %zu in %s\n", result.summary.size(), a.out.c_str(),
              result.groups.size(), groups_out.c_str());
  if (a.plot) {
    const auto stem = figure_stem(a.out);
    experiment::plot_group_selection(result, stem,
                                     "Choosing a " + result.dimension + " by the estimators (" +
                                         result.dataset + ")");
    std::printf("figure: %s.png, %s.svg\n", stem.c_str(), stem.c_str());
  }
  return 0;
}

// nas-rank regression-example: paper Fig. 1.
int run_regression_example(int argc, char** argv) {
  int points = 100;
  std::uint64_t seed = 0;
  experiment::BayesianLinearModel model;
  std::string out;
  bool plot = false, force = false;
  po::options_description desc(
      "nas-rank regression-example: the paper's section 5.1 (Fig. 1): Bayesian linear regression\n"
      "updated one point at a time on x_i = (y_i + eps0_i, 0, .., eps_i, .., 0), with the identity\n"
      "features (M1) and the first coordinate alone (M2): SoTL (posterior samples), the lower\n"
      "bound -L and the -log evidence, summed over the points seen.\n\n"
      "Usage: nas-rank regression-example --out fig1.csv [--points N] [--seed S] [--plot]\n\n"
      "Options");
  desc.add_options()
      ("help,h", "show this help")
      ("points", po::value(&points)->default_value(100), "data points n (inputs have n+1 coordinates)")
      ("seed", po::value(&seed)->default_value(0), "seed of the data and the posterior samples")
      ("prior-variance", po::value(&model.prior_variance)->default_value(1.0), "prior w ~ N(0, v I)")
      ("noise-variance", po::value(&model.noise_variance)->default_value(1.0), "likelihood noise variance")
      ("out", po::value(&out),
       "output CSV: model,points,step_loss,fitted_loss,sotl,minus_lower_bound,minus_log_evidence "
       "(required)")
      ("force", po::bool_switch(&force), "replace an existing --out that is not an earlier output")
      ("plot", po::bool_switch(&plot), "also draw <out without .csv>.png and .svg (gnuplot)");
  po::variables_map vm;
  if (!parse_subcommand(desc, argc, argv, vm)) return 0;
  if (out.empty()) throw cli::UsageError("--out FILE.csv is required");
  if (points < 1) throw cli::UsageError("--points must be at least 1, got " + std::to_string(points));
  if (!(model.prior_variance > 0) || !(model.noise_variance > 0))
    throw cli::UsageError("--prior-variance and --noise-variance must be positive");
  common::check_output_file(out, {}, {"--out", "nas-rank regression-example", experiment::is_regression_example_csv}, force);
  const auto rows = experiment::regression_example(points, seed, model);
  common::write_file_atomically(out, experiment::regression_example_csv(rows));
  for (const auto& r : rows)
    if (r.points == points)
      std::printf("%-22s SoTL %8.3f   -L %8.3f   -log evidence %8.3f   fitted training loss %.3f\n",
                  r.model.c_str(), r.sotl, r.minus_lower_bound, r.minus_log_evidence, r.fitted_loss);
  std::printf("%zu rows in %s\n", rows.size(), out.c_str());
  if (plot) {
    const auto stem = figure_stem(out);
    experiment::plot_regression_example(rows, stem);
    std::printf("figure: %s.png, %s.svg\n", stem.c_str(), stem.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::guarded_main("nas-rank", [&] {
    const std::string command = argc > 1 ? argv[1] : "";
    if (command == "loss-curves") return run_loss_curves(argc, argv);
    if (command == "regression-example") return run_regression_example(argc, argv);
    if (command == "group-selection") return run_group_selection(argc, argv);
    return run(argc, argv);
  });
}
