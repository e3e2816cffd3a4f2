// nas-rank: the paper's rank-correlation study (Fig. 2, 3, 4): for every epoch T, the Spearman
// and Kendall rank correlation of each estimator's score at T with the final test accuracy.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <limits>

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

int run(int argc, char** argv) {
  std::string benchmark_path, dataset, estimators, E_grid, T_list, out, data_seed, truth_seed,
      require_seeds;
  std::size_t sample = 0, lcsvr_train = 0;
  std::uint64_t seed = 0;
  int T_step = 1, lcsvr_draws = 30, threads = 0;
  double mu = 0.9;
  bool plot = false, force = false;
  po::options_description desc(
      "nas-rank: how well each performance estimator at epoch T ranks architectures by their\n"
      "final test accuracy (Spearman's rho and Kendall's tau-b, for every T), as in the paper's\n"
      "Fig. 2, 3 and 4. Loss-based scores are negated (lower loss = better rank).\n\n"
      "Usage: nas-rank --benchmark FILE --dataset D --out rank.csv [--plot]\n\n"
      "Options");
  desc.add_options()
      ("help,h", "show this help, with the estimators available")
      ("benchmark", po::value(&benchmark_path),
       "benchmark file with per-epoch curves (default: the embedded Fashion-MNIST benchmark)")
      ("dataset", po::value(&dataset),
       "dataset of the benchmark (default: its only dataset; required when it has several)")
      ("estimators", po::value(&estimators)->default_value(
           "sotle,sotl,sovl,sovl-e,val-early,tse-ema,test-loss,lcsvr"),
       "estimators, a comma list (see below)")
      ("E-grid", po::value(&E_grid),
       "windows E for sotle, a comma list (e.g. 1,10,20,30,40,50,60,70 as the paper's Fig. 3): "
       "sotle becomes sotle-E1, sotle-E10, ...")
      ("mu", po::value(&mu)->default_value(0.9), "decay of tse-ema")
      ("sample", po::value(&sample)->default_value(0),
       "correlate over a seeded random sample of this many architectures (0 = all with results)")
      ("seed", po::value(&seed)->default_value(0),
       "seed of the sample, of LcSVR's training set and search, and of random data seeds")
      ("T-step", po::value(&T_step)->default_value(1), "score at T = 1, every multiple of K, and T_end")
      ("T", po::value(&T_list), "score at these epochs only, a comma list (overrides --T-step)")
      ("data-seed", po::value(&data_seed)->default_value("mean"),
       "whose curves the estimators read: mean (over seeds), a seed, or random (one per architecture)")
      ("truth-seed", po::value(&truth_seed)->default_value("mean"),
       "the truth's seeds: mean (final test accuracy over seeds) or a seed")
      ("require-seeds", po::value(&require_seeds),
       "only architectures trained with every one of these seeds, a comma list (e.g. 0,1 with "
       "--data-seed 0 --truth-seed 1)")
      ("lcsvr-train", po::value(&lcsvr_train)->default_value(200),
       "fully evaluated architectures LcSVR trains on (then left out of its evaluation)")
      ("lcsvr-draws", po::value(&lcsvr_draws)->default_value(30),
       "random-search draws of LcSVR's (C, nu, gamma), each scored by 3-fold cross-validation")
      ("threads", po::value(&threads)->default_value(0),
       "threads (0 = all cores); results do not depend on it")
      ("out", po::value(&out), "output CSV: T,estimator,spearman,kendall,n (required)")
      ("force", po::bool_switch(&force),
       "replace an existing --out that is not an earlier nas-rank CSV")
      ("plot", po::bool_switch(&plot),
       "also draw Spearman's rho versus T as <out without .csv>.png and .svg (gnuplot)");
  po::variables_map vm;
  po::store(cli::parse_arguments(desc, {argv + std::min(argc, 1), argv + argc}), vm);
  if (vm.count("help")) {
    std::cout << desc << "\nEstimators:\n" << estimator_help();
    return 0;
  }
  po::notify(vm);
  if (out.empty()) throw cli::UsageError("--out FILE.csv is required");
  if (T_step < 1) throw cli::UsageError("--T-step must be at least 1, got " + std::to_string(T_step));
  if (threads < 0) throw cli::UsageError("--threads must be 0 (all cores) or more");
  if (lcsvr_draws < 1) throw cli::UsageError("--lcsvr-draws must be at least 1");
  const std::string benchmark_file =
      vm.count("benchmark") ? benchmark_path : cli::default_benchmark_path();
  const std::vector<std::pair<std::string, std::string>> inputs = {{"--benchmark", benchmark_file}};
  common::check_output_file(out, inputs, {"--out", "nas-rank", experiment::is_rank_csv}, force);
  const std::string stem = figure_stem(out);
  if (plot)
    for (const char* ext : {".png", ".svg", ".dat", ".gp"})
      common::check_not_an_input(stem + ext, "--plot", inputs);

  experiment::RankStudyConfig config;
  try {
    config.estimators = experiment::parse_rank_estimators(
        cli::split_list(estimators, "estimators"),
        vm.count("E-grid") ? parse_ints(E_grid, "E-grid") : std::vector<int>{});
  } catch (const std::invalid_argument& e) {
    throw cli::UsageError(std::string("--estimators: ") + e.what());
  }
  if (vm.count("T")) config.T_values = parse_ints(T_list, "T");
  config.T_step = T_step;
  config.ema_mu = mu;
  config.sample = sample;
  config.seed = seed;
  config.data = bench::SeedPolicy::parse(data_seed);
  config.truth = bench::SeedPolicy::parse(truth_seed);
  if (vm.count("require-seeds"))
    config.require_seeds = cli::parse_integer_list(require_seeds, "require-seeds",
                                                   std::numeric_limits<std::int64_t>::min());
  config.lcsvr_train = lcsvr_train;
  config.lcsvr.search_draws = lcsvr_draws;
  config.threads = threads;

  auto benchmark = evaluators::open_benchmark(
      vm.count("benchmark") ? std::optional<std::string>(benchmark_path) : std::nullopt,
      cli::default_benchmark_path());
  if (dataset.empty())
    dataset = cli::usage_error_on<std::invalid_argument>(
        [&] { return evaluators::only_dataset(*benchmark); });
  config.dataset = dataset;

  const auto started = std::chrono::steady_clock::now();
  const bool tty = ::isatty(STDERR_FILENO);
  const auto result = experiment::run_rank_study(
      benchmark, config, [&](int T, std::size_t done, std::size_t total) {
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (tty) {
          std::fprintf(stderr, "\r[T=%d, %zu/%zu] %.1fs", T, done, total, elapsed);
          if (done == total) std::fputc('\n', stderr);
        }
      });
  const double real_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::string trained_with;
  for (auto s : config.require_seeds)
    trained_with += (trained_with.empty() ? " trained with seeds " : ", ") + std::to_string(s);
  // "mean over seeds", "seed 1", "a random seed per architecture".
  auto seeds = [](const bench::SeedPolicy& p) {
    switch (p.kind) {
      case bench::SeedPolicy::Kind::Mean: return std::string("mean over seeds");
      case bench::SeedPolicy::Kind::Random: return std::string("a random seed per architecture");
      case bench::SeedPolicy::Kind::Fixed: break;
    }
    return "seed " + std::to_string(p.seed);
  };
  std::printf("%s@%s: %zu architectures%s, truth = final %s (%s), curves %s, T in 1..%d\n",
              result.dataset.c_str(), result.schedule.c_str(), result.archs.size(),
              trained_with.c_str(), result.truth_metric.c_str(), seeds(config.truth).c_str(),
              seeds(config.data).c_str(), result.T_end);
  if (!result.lcsvr_train.empty())
    std::printf("LcSVR: trained on %zu fully evaluated architectures, evaluated on %zu others\n",
                result.lcsvr_train.size(), result.lcsvr_eval.size());
  for (const auto& line : experiment::describe_skips(result)) std::printf("%s\n", line.c_str());
  if (result.rows.empty())
    throw std::runtime_error("no estimator could be computed at any T on " + result.dataset +
                             "@" + result.schedule + " (reasons above)");
  common::write_file_atomically(out, experiment::rank_csv(result));
  print_table(result);
  std::printf("real time %.2fs; %zu rows in %s\n", real_s, result.rows.size(), out.c_str());
  if (plot) {
    experiment::plot_rank_study(result, stem,
                                "Rank correlation of the estimators at epoch T (" +
                                    result.dataset + ", " + std::to_string(result.archs.size()) +
                                    " architectures)");
    std::printf("figure: %s.png, %s.svg\n", stem.c_str(), stem.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::guarded_main("nas-rank", [&] { return run(argc, argv); });
}
