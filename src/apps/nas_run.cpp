// nas-run: search strategies x evaluators x seeds on a simulated wall-clock budget, or on real
// workers (--executor local or mpi). The program parses the options, asks the study plan
// (src/study/plan.hpp) what they resolve to, runs the study and prints.
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

#include "apps/cli_common.hpp"
#include "evaluators/curve_source.hpp"
#include "common/numbers.hpp"
#include "search/multi_fidelity.hpp"
#include "study/plan.hpp"
#include "study/plot.hpp"
#include "study/study.hpp"
#include "study/study_output.hpp"
#include "study/summary.hpp"
#ifdef NASRUN_HAVE_MPI
#include "mpi/mpi_executor.hpp"
#endif

namespace po = boost::program_options;
using namespace nasrun;

namespace {

struct Options {
  experiment::StudyOptions study;
  std::string out, plot_curve;
  bool plot = false, force = false;
  std::optional<double> target_error;
};

// What the study runs: strategies, evaluators and their options, seeds, data and budget.
void add_study_options(po::options_description& desc, experiment::StudyOptions& s) {
  desc.add_options()
      ("help,h", "show this help, with the strategies, evaluators and sources available")
      ("strategy", po::value<std::string>()->default_value("re"),
       "search strategies, a comma list (see below)")
      ("evaluator", po::value<std::string>()->default_value("sotle"),
       "evaluators (performance estimators), a comma list (see below)")
      ("seeds", po::value(&s.seeds)->default_value(20), "runs per (strategy, evaluator)")
      ("benchmark", po::value<std::string>(),
       "benchmark file in nas-run's format (default: the embedded Fashion-MNIST benchmark)")
      ("dataset", po::value(&s.dataset),
       "dataset of the benchmark (default: its only dataset; required when it has several)")
      ("source", po::value(&s.source)->default_value("tabular"),
       "where learning curves come from: tabular lookup or live training (see below)")
      ("space", po::value<std::string>(),
       "search space of a source that trains (default nb201); a tabular benchmark names its own")
      ("source-option", po::value<std::vector<std::string>>()->composing(),
       "key=value setting of the source, repeatable (live training: see docs/live-training.md)")
      ("device", po::value<std::string>(),
       "live training's device: cpu (default), cuda or cuda:K (when the LibTorch build supports "
       "it)")
      ("devices", po::value<std::string>(),
       "with --executor local and --source live: one worker per device of this comma list of "
       "cpu, cuda:K and cuda (every CUDA device), each training there (docs/executors.md)")
      ("budget", po::value(&s.budget)->default_value("150x"),
       "simulated wall-clock budget per run: 150h, 90m, 3600s, seconds, or full trainings of the "
       "benchmark's median architecture (150x: about the paper's 150 h on CIFAR-100)")
      ("T", po::value<int>(),
       "epoch at which early estimators score (default: a quarter of the schedule, rounded; "
       "50 of 200 epochs as in the paper)")
      ("E", po::value<int>(), "summation window of sotle (default 1) and sovl-e (default 10)")
      ("mu", po::value<double>(), "tse-ema: the weight of the newest epoch in its moving average of training losses (default 0.9)")
      ("n-init", po::value(&s.n_init)->default_value(10), "random initial architectures per run")
      ("init-file", po::value(&s.init_file),
       "initial designs per run (TSV: seed, position, arch); run i uses seed i's first n-init")
      ("warmup", po::value<std::string>(),
       "zero-cost warm-up: rank --warmup-sample random architectures by this proxy (charged "
       "its measured time) and start each run from the best n-init (docs/evaluators.md)")
      ("warmup-sample", po::value<std::size_t>(),
       "the architectures a zero-cost warm-up ranks (default 1000; 0: none, with --proxy-rungs)")
      ("proxy-rungs", po::bool_switch(&s.proxy_rungs),
       "bracket strategies (sh, hyperband, bohb, one-epoch-topk): below each bracket's first "
       "rung, eta times its architectures scored by the --warmup proxy, the best continuing")
      ("workers", po::value(&s.workers)->default_value(1),
       "parallel workers per run (asynchronous): simulated ones, or with --executor local the "
       "trainings run at once; 1 reproduces the paper")
      ("executor", po::value(&s.executor)->default_value("simulated"),
       "who carries the jobs out: simulated (the simulated clock), local (--workers threads "
       "training for real) or mpi (ranks 1..N-1 of mpirun -np N train; docs/executors.md)")
      ("budget-clock", po::value(&s.budget_clock)->default_value("charged"),
       "with a real executor, the budget's clock: charged (the evaluations' charged costs, as "
       "simulated) or real (wall-clock time from the run's start)")
      ("retries", po::value(&s.retries)->default_value(2),
       "with a real executor, how many more times a job whose training throws is tried (same "
       "seed) before it is recorded as failed (docs/executors.md)")
      ("threads", po::value(&s.threads)->default_value(0),
       "real threads running runs in parallel (0 = all cores; 1 with a real executor); "
       "simulated results do not depend on it")
      ("seed", po::value(&s.base_seed)->default_value(0), "base seed; run i's seed derives from it")
      ("data-seed", po::value(&s.data_seed)->default_value("random"),
       "which training seed's curve an evaluation reads: random (per evaluation), mean, or a seed")
      ("truth-seed", po::value(&s.truth_seed)->default_value("mean"),
       "the ground truth's seeds: mean (final test accuracy over seeds) or a seed")
      ("train-time-only", po::bool_switch(&s.train_time_only),
       "charge training time only, not validation passes (as the paper did)")
      ("max-evaluations", po::value(&s.max_evaluations)->default_value(1000000),
       "stop a run after this many evaluations even if budget remains (0 = no limit)")
      ("min-epochs", po::value<int>(),
       "multi-fidelity strategies: the lowest fidelity, in epochs (default 1)")
      ("max-epochs", po::value<int>(),
       "multi-fidelity strategies: the highest fidelity, in epochs (default: the schedule's)")
      ("eta", po::value<std::string>(),
       "multi-fidelity strategies: each rung keeps 1/eta of the one below at eta times its "
       "epochs (default 3; at least 2)")
      ("brackets", po::value<int>(),
       "hyperband and bohb: brackets per iteration, the most aggressive first (default 0 = all)");
}

// Where the results go and how they are drawn.
void add_output_options(po::options_description& desc, Options& o) {
  desc.add_options()
      ("out", po::value(&o.out)->default_value("nas-run-results"),
       "output folder; rerunning the same study there resumes it")
      ("force", po::bool_switch(&o.force),
       "write into an --out folder that holds files but no nas-run study")
      ("target-error", po::value<std::string>(),
       "also summarise when each combination's incumbent first reached this test error "
       "(percent): median time over runs, its 95% interval, the share of runs that did")
      ("plot", po::bool_switch(&o.plot), "draw figure.png and figure.svg with gnuplot")
      ("plot-curve", po::value(&o.plot_curve)->default_value("incumbent"),
       "what the figure shows: incumbent (the test error of the best-scored architecture, what "
       "a search returns) or best-seen (the lowest test error evaluated: an oracle, a diagnostic)");
}

// Boost reads "-1" into an unsigned option as 2^64 - 1; refuse negative numbers there.
void refuse_negative_unsigned(const po::parsed_options& parsed) {
  for (const auto& option : parsed.options)
    if (option.string_key == "n-init" || option.string_key == "max-evaluations" ||
        option.string_key == "seed" || option.string_key == "warmup-sample")
      for (const auto& value : option.value)
        if (!value.empty() && value.front() == '-')
          throw cli::UsageError("--" + option.string_key + " must be 0 or more, got " + value);
}

// The options, or nothing when --help was given (and printed).
std::optional<Options> parse(int argc, char** argv) {
  Options o;
  po::options_description desc(
      "nas-run: run search strategies with performance estimators on a simulated wall-clock\n"
      "budget, over many seeds, and summarise test error versus time.\n\n"
      "Usage: nas-run --strategy re,tpe,rs --evaluator sotle,val-early,val-final --seeds 20\n\n"
      "Options");
  add_study_options(desc, o.study);
  add_output_options(desc, o);
  po::variables_map vm;
  const auto parsed = cli::parse_arguments(desc, {argv + std::min(argc, 1), argv + argc});
  refuse_negative_unsigned(parsed);
  po::store(parsed, vm);
  if (vm.count("help")) {
    std::cout << desc << "\nStrategies:\n" << cli::listing(search::all_strategies())
              << "\nEvaluators:\n" << cli::listing(experiment::search_estimators())
              << "\nSources:\n" << cli::listing(evaluators::curve_source_registry().list());
    return std::nullopt;
  }
  po::notify(vm);
  if (o.plot_curve != "incumbent" && o.plot_curve != "best-seen")
    throw cli::UsageError("--plot-curve must be incumbent or best-seen, got '" + o.plot_curve + "'");
  auto& s = o.study;
  s.strategies = cli::split_list(vm["strategy"].as<std::string>(), "strategy");
  s.evaluators = cli::split_list(vm["evaluator"].as<std::string>(), "evaluator");
  if (vm.count("source-option"))
    s.source_options =
        cli::parse_source_options(vm["source-option"].as<std::vector<std::string>>());
  if (vm.count("device")) s.device = vm["device"].as<std::string>();
  if (vm.count("benchmark")) s.benchmark = vm["benchmark"].as<std::string>();
  if (vm.count("space")) s.space = vm["space"].as<std::string>();
  s.embedded_benchmark = cli::default_benchmark_path();
  if (vm.count("T")) s.T = vm["T"].as<int>();
  if (vm.count("E")) s.E = vm["E"].as<int>();
  if (vm.count("mu")) s.mu = vm["mu"].as<double>();
  if (vm.count("warmup")) s.warmup = vm["warmup"].as<std::string>();
  if (vm.count("warmup-sample")) s.warmup_sample = vm["warmup-sample"].as<std::size_t>();
  s.workers_given = !vm["workers"].defaulted();
  if (vm.count("devices")) s.devices = vm["devices"].as<std::string>();
  if (vm.count("min-epochs")) s.min_epochs = vm["min-epochs"].as<int>();
  if (vm.count("max-epochs")) s.max_epochs = vm["max-epochs"].as<int>();
  if (vm.count("brackets")) s.brackets = vm["brackets"].as<int>();
  if (vm.count("target-error")) {
    const auto& text = vm["target-error"].as<std::string>();
    o.target_error = common::parse_decimal_real(text);
    if (!o.target_error || *o.target_error < 0 || *o.target_error > 100)
      throw cli::UsageError("--target-error must be a test error in percent, 0 to 100, got '" +
                            text + "'");
  }
  if (vm.count("eta")) {
    const auto& text = vm["eta"].as<std::string>();
    s.eta = common::parse_decimal_real(text);
    if (!s.eta) throw cli::UsageError("--eta must be a decimal number, got '" + text + "'");
  }
  return o;
}

void print_plan(const experiment::StudyPlan& plan) {
  if (plan.full_trainings)
    std::printf("budget: %g full trainings of %.4g s (the median architecture's) = %.4g s\n",
                *plan.full_trainings, plan.full_training_s, plan.config.budget.budget_s);
  std::printf("T = %d of %d epochs\n", plan.config.estimator.T, plan.schedule_epochs);
  for (const auto& warning : plan.warnings)
    std::fprintf(stderr, "nas-run: warning: %s\n", warning.c_str());
}

// A line per finished run on a terminal (overwritten in place), else one per 5% of the runs.
class Progress {
 public:
  void operator()(const experiment::RunResult& r, std::size_t done, std::size_t total) {
    const double elapsed = seconds();
    const double rate = done / std::max(elapsed, 1e-9);
    char line[256];
    std::snprintf(line, sizeof line,
                  "[%zu/%zu runs] %s + %s run %d: %zu evaluations, incumbent %.2f%% | %.1fs, ~%.0fs left",
                  done, total, r.strategy.c_str(), r.evaluator.c_str(), r.run, r.trace.evaluations(),
                  r.trace.rows.empty() ? NAN : r.trace.rows.back().incumbent_test_error, elapsed,
                  (total - done) / rate);
    if (tty_) {
      std::fprintf(stderr, "\r%-120s", line);
      if (done == total) std::fputc('\n', stderr);
    } else if (done == total || done * 20 / total > last_reported_ * 20 / total) {
      std::fprintf(stderr, "%s\n", line);
    }
    last_reported_ = done;
  }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

 private:
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool tty_ = ::isatty(STDERR_FILENO);
  std::size_t last_reported_ = 0;
};

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
  for (const auto& c : summary.combos)
    if (const auto& t = c.time_to_target)
      std::printf("%s + %s reached %.2f%% in %.0f%% of runs; median time %.4g s [95%% CI %.4g, "
                  "%.4g]\n", c.strategy.c_str(), c.evaluator.c_str(), t->target,
                  100 * t->reached, t->median_s, t->median_interval.low,
                  t->median_interval.high);
}

void report(const Options& o, const experiment::StudyPlan& plan,
            const std::vector<experiment::RunResult>& results, double real_s,
            experiment::StudyOutput& output) {
  const auto summary =
      experiment::summarise(results, plan.config.budget.budget_s, 100, o.target_error);
  output.write_summary(summary, {{"real_time_s", real_s}, {"config", plan.record}});
  print_table(summary);
  std::printf("real time %.2fs; results in %s/summary.json\n", real_s, o.out.c_str());
  if (!o.plot) return;
  const std::string stem = o.out + "/figure";
  experiment::plot_study(summary, stem,
                         "NAS on " + plan.dataset + " (" + std::to_string(plan.config.seeds) +
                             " seeds)",
                         o.plot_curve == "best-seen" ? experiment::PlottedQuantity::BestSeen
                                                     : experiment::PlottedQuantity::Incumbent);
  std::printf("figure: %s.png, %s.svg\n", stem.c_str(), stem.c_str());
}

// Runs the planned study into --out, resuming what is there, and reports it.
int run_planned(const Options& options, const experiment::StudyPlan& plan) {
  experiment::StudyOutput output(options.out, plan.record, *plan.space, plan.inputs,
                                 options.force);
  Progress progress;
  const cli::StopOnSignal stop("nas-run");
  std::vector<experiment::RunResult> results;
  try {
    experiment::StudyHooks hooks;
    hooks.resume = [&](const std::string& s, const std::string& e, int run) {
      return output.load(s, e, run);
    };
    hooks.save = [&](const experiment::RunResult& r) { output.write_trace(r); };
    hooks.keep_summary_rows_only = true;
    hooks.on_done = [&](const experiment::RunResult& r, std::size_t done, std::size_t total) {
      for (const auto& failure : r.trace.failures)
        std::fprintf(stderr, "nas-run: warning: %s + %s run %d: %s (recorded as failed)\n",
                     r.strategy.c_str(), r.evaluator.c_str(), r.run, failure.c_str());
      progress(r, done, total);
    };
    hooks.stop_requested = [&] { return stop.requested(); };
    hooks.open_journal = [&](const std::string& s, const std::string& e, int run) {
      return output.open_journal(s, e, run);
    };
    results = experiment::run_study(plan.config, plan.space, plan.make_evaluator, hooks);
  } catch (const experiment::StudyInterrupted& e) {
    std::fprintf(stderr,
                 "nas-run: stopped by signal %d: %zu of %zu runs are saved in %s; rerun the same "
                 "command to resume\n", stop.signal(), e.finished, e.total, options.out.c_str());
    return 128 + stop.signal();
  }
  report(options, plan, results, progress.seconds(), output);
  return 0;
}

experiment::StudyPlan plan(const Options& options) {
  return cli::usage_error_on<experiment::PlanError>(
      [&] { return experiment::plan_study(options.study); });
}

#ifdef NASRUN_HAVE_MPI
// The study on rank 0; the other ranks train its jobs.
int run_mpi_rank(Options options, const boost::mpi::communicator& world) {
  if (world.size() < 2)
    throw cli::UsageError("--executor mpi needs at least 2 MPI ranks (rank 0 searches, the others "
                          "train): start it as mpirun -np N nas-run ..., N >= 2");
  if (options.study.workers_given && options.study.workers != world.size() - 1)
    throw cli::UsageError("--workers " + std::to_string(options.study.workers) +
                          " with --executor mpi: the workers are the ranks after the first, " +
                          std::to_string(world.size() - 1) + " here (leave --workers out)");
  options.study.workers = world.size() - 1;
  auto study = plan(options);
  if (world.rank() != 0) {
    mpi_executor::serve(world, [&](const std::string& name) {
      return study.make_evaluator(name, study.config.estimator);
    });
    return 0;
  }
  const mpi_executor::Workers workers(world);
  print_plan(study);
  const auto clock = experiment::parse_budget_clock(options.study.budget_clock);
  study.config.make_executor = [&workers, clock, retries = study.config.retries](
                                   evaluators::Evaluator&, const std::string& name,
                                   const evaluators::EstimatorOptions&,
                                   const experiment::RunBudget& budget) {
    return std::make_unique<mpi_executor::MpiExecutor>(workers, name, budget.budget_s, clock,
                                                       retries);
  };
  return run_planned(options, study);
}
#endif

// --executor mpi, under mpirun: every rank plans the same study; rank 0 runs it, the others
// train its jobs.
int run_mpi(const Options& options) {
#ifdef NASRUN_HAVE_MPI
  return mpi_executor::run_with_mpi(
      [&](const boost::mpi::communicator& world) { return run_mpi_rank(options, world); });
#else
  (void)options;
  throw cli::UsageError("--executor mpi: this nas-run was built without MPI (it needs Boost.MPI "
                        "and an MPI library: Debian libboost-mpi-dev and openmpi-bin)");
#endif
}

int run(int argc, char** argv) {
  const auto options = parse(argc, argv);
  if (!options) return 0;
  if (options->study.executor == "mpi") return run_mpi(*options);
  const auto study = plan(*options);
  print_plan(study);
  return run_planned(*options, study);
}

}  // namespace

int main(int argc, char** argv) {
  return cli::guarded_main("nas-run", [&] { return run(argc, argv); });
}
