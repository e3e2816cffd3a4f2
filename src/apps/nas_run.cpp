// nas-run: search strategies x evaluators x seeds on a simulated wall-clock budget.
#include <unistd.h>

#include <boost/program_options.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>

#include "apps/cli_common.hpp"
#include "bench/benchmark.hpp"
#include "evaluators/curve_source.hpp"
#include "evaluators/evaluator.hpp"
#include "evaluators/tabular_source.hpp"
#include "run/budget_tracker.hpp"
#include "run/training_cost.hpp"
#include "search/strategy.hpp"
#include "study/initial_designs.hpp"
#include "study/plot.hpp"
#include "study/study.hpp"
#include "study/study_output.hpp"
#include "study/summary.hpp"

namespace po = boost::program_options;
using namespace nasrun;

namespace {

template <typename Registry>
std::string listing(const Registry& registry) {
  std::string out;
  for (const auto& [name, description] : registry.list()) {
    char line[256];
    std::snprintf(line, sizeof line, "    %-10s %s\n", name.c_str(), description.c_str());
    out += line;
  }
  return out;
}

struct Options {
  std::string strategies, evaluators, benchmark, dataset, budget, source, init_file, out;
  std::string data_seed, truth_seed, device, plot_curve;
  std::vector<std::string> source_options;
  int seeds, T, workers, threads;
  std::optional<int> E;
  double mu;
  std::size_t n_init, max_evaluations;
  std::uint64_t seed;
  bool plot, train_time_only, force;
};

// A search may propose any architecture of the space, so a table that lacks some (a tabulation
// stopped by its time limit, or one of a sample) would end the study at the first it meets.
// Checks the truth table and every table an evaluator reads.
void require_every_architecture(const bench::Benchmark& benchmark, const std::string& dataset,
                                const experiment::StudyConfig& config) {
  std::vector<const bench::Table*> tables{&benchmark.table(dataset)};
  for (const auto& e : config.evaluators)
    tables.push_back(
        &benchmark.table(dataset, evaluators::make_estimator(e, config.estimator)->schedule()));
  for (const auto* t : tables)
    if (const auto coverage = benchmark.coverage(*t); coverage.partial())
      throw cli::UsageError("table " + t->dataset() + "@" + t->schedule() + " has " +
                            coverage.to_string() +
                            ", and a search may propose any of them: finish its "
                            "tabulation (docs/tabulation.md), or study what it has with nas-rank");
}

void print_table(const experiment::StudySummary& summary) {
  std::printf("\n%-8s %-10s %5s %9s  %-22s %-22s\n", "strategy", "evaluator", "runs", "evals/run",
              "final incumbent err %", "best seen err %");
  auto cell = [](const experiment::MeanSe& m) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f +- %.3f", m.mean, m.se);
    return std::string(buf);
  };
  for (const auto& c : summary.combos)
    std::printf("%-8s %-10s %5d %9.1f  %-22s %-22s\n", c.strategy.c_str(), c.evaluator.c_str(),
                c.runs, c.evaluations.mean, cell(c.final_incumbent_test_error).c_str(),
                cell(c.final_best_test_error).c_str());
  std::printf("(mean +- standard error over runs; test error in percent at the end of the budget)\n");
}

int run(int argc, char** argv) {
  Options o;
  int E = 0;
  po::options_description desc(
      "nas-run: run search strategies with performance estimators on a simulated wall-clock\n"
      "budget, over many seeds, and summarise test error versus time.\n\n"
      "Usage: nas-run --strategy re,tpe,rs --evaluator sotle,val-early,val-final --seeds 20\n\n"
      "Options");
  desc.add_options()
      ("help,h", "show this help, with the strategies, evaluators and sources available")
      ("strategy", po::value(&o.strategies)->default_value("re"),
       "search strategies, a comma list (see below)")
      ("evaluator", po::value(&o.evaluators)->default_value("sotle"),
       "evaluators (performance estimators), a comma list (see below)")
      ("seeds", po::value(&o.seeds)->default_value(20), "runs per (strategy, evaluator)")
      ("benchmark", po::value(&o.benchmark),
       "benchmark file in nas-run's format (default: the embedded Fashion-MNIST benchmark)")
      ("dataset", po::value(&o.dataset),
       "dataset of the benchmark (default: its only dataset; required when it has several)")
      ("source", po::value(&o.source)->default_value("tabular"),
       "where learning curves come from: tabular lookup or live training (see below)")
      ("source-option", po::value(&o.source_options)->composing(),
       "key=value setting of the source, repeatable (live training: see docs/live-training.md)")
      ("device", po::value(&o.device),
       "live training's device: cpu (default) or cuda (when the LibTorch build supports it)")
      ("budget", po::value(&o.budget)->default_value("150x"),
       "simulated wall-clock budget per run: 150h, 90m, 3600s, seconds, or full trainings of the "
       "benchmark's median architecture (150x: about the paper's 150 h on CIFAR-100)")
      ("T", po::value(&o.T),
       "epoch at which early estimators score (default: a quarter of the schedule, rounded; "
       "50 of 200 epochs as in the paper)")
      ("E", po::value(&E), "summation window of sotle (default 1) and sovl-e (default 10)")
      ("mu", po::value(&o.mu)->default_value(0.9), "decay of tse-ema")
      ("n-init", po::value(&o.n_init)->default_value(10), "random initial architectures per run")
      ("init-file", po::value(&o.init_file),
       "initial designs per run (TSV: seed, position, arch); run i uses seed i's first n-init")
      ("workers", po::value(&o.workers)->default_value(1),
       "simulated parallel workers per run (asynchronous); 1 reproduces the paper")
      ("threads", po::value(&o.threads)->default_value(0),
       "real threads running runs in parallel (0 = all cores); results do not depend on it")
      ("seed", po::value(&o.seed)->default_value(0), "base seed; run i's seed derives from it")
      ("data-seed", po::value(&o.data_seed)->default_value("random"),
       "which training seed's curve an evaluation reads: random (per evaluation), mean, or a seed")
      ("truth-seed", po::value(&o.truth_seed)->default_value("mean"),
       "the ground truth's seeds: mean (final test accuracy over seeds) or a seed")
      ("train-time-only", po::bool_switch(&o.train_time_only),
       "charge training time only, not validation passes (as the paper did)")
      ("max-evaluations", po::value(&o.max_evaluations)->default_value(1000000),
       "stop a run after this many evaluations even if budget remains (0 = no limit)")
      ("out", po::value(&o.out)->default_value("nas-run-results"),
       "output folder; rerunning the same study there resumes it")
      ("force", po::bool_switch(&o.force),
       "write into an --out folder that holds files but no nas-run study")
      ("plot", po::bool_switch(&o.plot), "draw figure.png and figure.svg with gnuplot")
      ("plot-curve", po::value(&o.plot_curve)->default_value("incumbent"),
       "what the figure shows: incumbent (the test error of the best-scored architecture, what "
       "a search returns) or best-seen (the lowest test error evaluated: an oracle, a diagnostic)");
  po::variables_map vm;
  const auto parsed = cli::parse_arguments(desc, {argv + std::min(argc, 1), argv + argc});
  // Boost reads "-1" into an unsigned option as 2^64 - 1; refuse negative numbers there.
  for (const auto& option : parsed.options)
    if (option.string_key == "n-init" || option.string_key == "max-evaluations" ||
        option.string_key == "seed")
      for (const auto& value : option.value)
        if (!value.empty() && value.front() == '-')
          throw cli::UsageError("--" + option.string_key + " must be 0 or more, got " + value);
  po::store(parsed, vm);
  if (vm.count("help")) {
    std::cout << desc << "\nStrategies:\n"
              << listing(search::strategy_registry()) << "\nEvaluators:\n"
              << listing(evaluators::estimator_registry()) << "\nSources:\n"
              << listing(evaluators::curve_source_registry());
    return 0;
  }
  po::notify(vm);
  if (vm.count("E")) o.E = E;
  if (o.seeds < 1) throw cli::UsageError("--seeds must be at least 1, got " + std::to_string(o.seeds));
  if (o.workers < 1) throw cli::UsageError("--workers must be at least 1, got " + std::to_string(o.workers));
  if (o.threads < 0) throw cli::UsageError("--threads must be 0 (all cores) or more, got " + std::to_string(o.threads));
  if (o.plot_curve != "incumbent" && o.plot_curve != "best-seen")
    throw cli::UsageError("--plot-curve must be incumbent or best-seen, got '" + o.plot_curve + "'");
  if (vm.count("T") && o.T < 1)
    throw cli::UsageError("--T must be at least 1, got " + std::to_string(o.T));

  experiment::StudyConfig config;
  config.strategies = cli::split_list(o.strategies, "strategy");
  config.evaluators = cli::split_list(o.evaluators, "evaluator");
  config.seeds = o.seeds;
  config.base_seed = o.seed;
  config.n_init = o.n_init;
  config.cost.training_time_only = o.train_time_only;
  config.threads = o.threads;
  experiment::BudgetSpec budget;
  try {
    budget = experiment::parse_budget(o.budget);
  } catch (const std::invalid_argument& e) {
    throw cli::UsageError(std::string("--budget: ") + e.what());
  }
  config.budget.workers = o.workers;
  config.budget.max_evaluations = o.max_evaluations;
  for (const auto& s : config.strategies) search::strategy_registry().at(s);
  for (const auto& e : config.evaluators) evaluators::estimator_registry().at(e);
  if (o.E && std::none_of(config.evaluators.begin(), config.evaluators.end(),
                          [](const std::string& e) { return evaluators::takes_window(e); }))
    throw cli::UsageError("--E sets the window of sotle and sovl-e, and none of the evaluators (" +
                          o.evaluators + ") takes one");
  evaluators::curve_source_registry().at(o.source);
  if (budget.in_full_trainings && o.source != "tabular")
    throw cli::UsageError("--budget " + o.budget +
                          " counts full trainings of the median architecture, which only a "
                          "tabular benchmark's recorded times tell; with --source " + o.source +
                          " give a duration, such as --budget 2h");

  evaluators::SourceOptions source;
  source.extra = cli::parse_source_options(o.source_options);
  if (vm.count("device")) {
    if (o.source != "live")
      throw cli::UsageError("--device applies to live training (--source live)");
    if (source.extra.contains("device"))
      throw cli::UsageError("give the device once: --device or --source-option device=");
    source.extra["device"] = o.device;
  }
  source.data_seeds = bench::SeedPolicy::parse(o.data_seed);
  source.truth_seeds = bench::SeedPolicy::parse(o.truth_seed);
  const std::string benchmark_path = vm.count("benchmark") ? o.benchmark : cli::default_benchmark_path();
  if (o.source != "tabular" && vm.count("benchmark"))
    throw cli::UsageError("--benchmark is read by tabular studies only; --source " + o.source +
                          " trains its own curves (drop --benchmark, or use --source tabular)");
  if (o.source == "tabular") {
    source.benchmark = cli::open_benchmark(vm.count("benchmark") != 0, o.benchmark);
    source.space = source.benchmark->space_ptr();
    if (o.dataset.empty()) o.dataset = cli::only_dataset(*source.benchmark);
  } else {
    source.space = spaces::make_search_space("nb201");
  }
  source.dataset = o.dataset;
  if (!o.init_file.empty())
    config.initial_designs = experiment::read_initial_designs(o.init_file, *source.space);
  try {
    experiment::check_study(config);
  } catch (const std::invalid_argument& e) {
    throw cli::UsageError(e.what());
  }

  // One curve source per schedule that the evaluators need, shared by every run.
  std::map<std::string, std::shared_ptr<evaluators::LearningCurveSource>> sources;
  std::mutex sources_mutex;
  auto curves_for = [&](const std::string& schedule) {
    std::lock_guard<std::mutex> lock(sources_mutex);
    auto& slot = sources[schedule];
    if (!slot) {
      auto options = source;
      options.schedule = schedule;
      slot = evaluators::make_curve_source(o.source, options);
    }
    return slot;
  };
  const experiment::EvaluatorMaker make_evaluator = [&](const std::string& name,
                                                        const evaluators::EstimatorOptions& opts) {
    auto estimator = evaluators::make_estimator(name, opts);
    auto curves = curves_for(estimator->schedule());
    try {
      return std::make_unique<evaluators::Evaluator>(std::move(estimator), curves, config.cost);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("evaluator '" + name + "': " + e.what());
    }
  };

  // Defaults that follow the benchmark, as the paper's T=50 and 150 h follow NAS-Bench-201's
  // 200-epoch schedule; a 10-epoch benchmark then scores at T=3.
  const int schedule_epochs = curves_for("")->schedule_epochs();
  if (!vm.count("T")) o.T = (schedule_epochs + 2) / 4;
  // Estimators that ignore T (val-final) would accept any; a T the schedule lacks is a mistake.
  if (o.T > schedule_epochs)
    throw cli::UsageError("--T " + std::to_string(o.T) + " is outside the schedule's 1.." +
                          std::to_string(schedule_epochs) + " epochs");
  config.estimator = {o.T, o.E, o.mu};
  if (source.benchmark) require_every_architecture(*source.benchmark, o.dataset, config);
  // Every evaluator is built once before the budget is worked out and anything is written, so
  // that an evaluator the data cannot serve is reported first, for what it is.
  for (const auto& e : config.evaluators) make_evaluator(e, config.estimator);
  if (budget.in_full_trainings) {
    auto full = make_evaluator("val-final", config.estimator);
    double median_s = 0;
    try {
      median_s = experiment::median_evaluation_cost(*full, *source.space);
    } catch (const bench::MissingDataError& e) {
      throw cli::UsageError("--budget " + o.budget + " needs every architecture's training time, "
                            "for the median full training, but " + e.what() +
                            "; give a duration instead, such as --budget 2h");
    }
    config.budget.budget_s = budget.amount * median_s;
    std::printf("budget: %g full trainings of %.4g s (the median architecture's) = %.4g s\n",
                budget.amount, median_s, config.budget.budget_s);
  } else {
    config.budget.budget_s = budget.amount;
  }
  std::printf("T = %d of %d epochs\n", o.T, schedule_epochs);

  if (source.benchmark)
    for (const auto& e : config.evaluators)
      if (evaluators::reads_truth(*evaluators::make_estimator(e, config.estimator),
                                  *source.benchmark, o.dataset))
        std::fprintf(stderr,
                     "nas-run: warning: %s's truth is %s (the table has no test split), which %s "
                     "reads too: its test errors partly measure what it searched on\n",
                     o.dataset.c_str(),
                     bench::metric_name(source.benchmark->table(o.dataset).truth_metric()),
                     e.c_str());

  nlohmann::json config_json = {
      {"strategies", config.strategies},
      {"evaluators", config.evaluators},
      {"seeds", config.seeds},
      {"base_seed", config.base_seed},
      {"n_init", config.n_init},
      {"init_file", o.init_file},
      {"T", o.T},
      {"E", o.E ? nlohmann::json(*o.E) : nlohmann::json(nullptr)},
      {"mu", o.mu},
      {"budget", o.budget},
      {"budget_s", config.budget.budget_s},
      {"workers", o.workers},
      {"max_evaluations", o.max_evaluations},
      {"source", o.source},
      {"source_options", source.extra},
      {"benchmark", source.benchmark ? benchmark_path : ""},
      {"benchmark_data_crc32",
       source.benchmark ? source.benchmark->header().value("data_crc32", 0u) : 0u},
      {"dataset", o.dataset},
      {"data_seed", source.data_seeds.to_string()},
      {"truth_seed", source.truth_seeds.to_string()},
      {"train_time_only", o.train_time_only},
      {"version", "nas-run 0.1.0"}};
  std::vector<std::pair<std::string, std::string>> inputs;
  if (source.benchmark) inputs.emplace_back("--benchmark", benchmark_path);
  if (!o.init_file.empty()) inputs.emplace_back("--init-file", o.init_file);
  experiment::StudyOutput output(o.out, config_json, *source.space, inputs, o.force);

  const auto started = std::chrono::steady_clock::now();
  const bool tty = ::isatty(STDERR_FILENO);
  std::size_t last_reported = 0;
  auto on_done = [&](const experiment::RunResult& r, std::size_t done, std::size_t total) {
    output.write_trace(r);
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double rate = done / std::max(elapsed, 1e-9);
    char line[256];
    std::snprintf(line, sizeof line,
                  "[%zu/%zu runs] %s + %s run %d: %zu evaluations, incumbent %.2f%% | %.1fs, ~%.0fs left",
                  done, total, r.strategy.c_str(), r.evaluator.c_str(), r.run, r.trace.rows.size(),
                  r.trace.rows.empty() ? NAN : r.trace.rows.back().incumbent_test_error, elapsed,
                  (total - done) / rate);
    if (tty) {
      std::fprintf(stderr, "\r%-120s", line);
      if (done == total) std::fputc('\n', stderr);
    } else if (done == total || done * 20 / total > last_reported * 20 / total) {
      std::fprintf(stderr, "%s\n", line);
    }
    last_reported = done;
  };
  const cli::StopOnSignal stop("nas-run");
  std::vector<experiment::RunResult> results;
  try {
    results = experiment::run_study(
        config, source.space, make_evaluator,
        [&](const std::string& s, const std::string& e, int run) { return output.load(s, e, run); },
        on_done, [&] { return stop.requested(); });
  } catch (const experiment::StudyInterrupted& e) {
    std::fprintf(stderr,
                 "nas-run: stopped by signal %d: %zu of %zu runs are saved in %s; rerun the same "
                 "command to resume\n", stop.signal(), e.finished, e.total, o.out.c_str());
    return 128 + stop.signal();
  }
  const double real_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  const auto summary = experiment::summarise(results, config.budget.budget_s);
  output.write_summary(summary, {{"real_time_s", real_s}, {"config", config_json}});
  print_table(summary);
  std::printf("real time %.2fs; results in %s/summary.json\n", real_s, o.out.c_str());
  if (o.plot) {
    const std::string stem = o.out + "/figure";
    experiment::plot_study(summary, stem,
                           "NAS on " + o.dataset + " (" + std::to_string(o.seeds) + " seeds)",
                           o.plot_curve == "best-seen" ? experiment::PlottedQuantity::BestSeen
                                                       : experiment::PlottedQuantity::Incumbent);
    std::printf("figure: %s.png, %s.svg\n", stem.c_str(), stem.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::guarded_main("nas-run", [&] { return run(argc, argv); });
}
