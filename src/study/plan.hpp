// A study plan: the options of a study, as nas-run takes them, resolved into what will run. The
// policy lives here, not in the program: T defaults to a quarter of the schedule, a budget in
// full trainings becomes seconds through the median architecture's cost, a table must hold every
// architecture a search may propose, the benchmark is read by tabular studies only, one curve
// source per schedule is shared by every run, every evaluator is built once before anything is
// written, and evaluators that read the number they are judged by are warned about. Everything
// that would stop the study is refused here, before a file is written.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "bench/benchmark.hpp"
#include "study/study.hpp"

namespace nasrun::experiment {

// A study as the user asks for it; each field is the nas-run option of the same name, with its
// default.
struct StudyOptions {
  std::vector<std::string> strategies = {"re"};
  std::vector<std::string> evaluators = {"sotle"};
  int seeds = 20;
  std::uint64_t base_seed = 0;
  std::size_t n_init = 10;
  std::string init_file;  // "" = n_init random initial architectures per run
  // A zero-cost warm-up (search/warmup.hpp): the proxy that ranks `warmup_sample` random
  // architectures (unset: kDefaultWarmupSample), whose best n_init are each run's initial design.
  std::optional<std::string> warmup;
  std::optional<std::size_t> warmup_sample;  // 0: no one-off warm-up (with --proxy-rungs)
  // Bracket strategies score a rung of the --warmup proxy below each bracket's first
  // (Fidelities::proxy_rungs).
  bool proxy_rungs = false;
  std::string source = "tabular";
  // The search space of a source that trains ("" = nb201); a benchmark names its own.
  std::string space;
  nlohmann::json source_options = nlohmann::json::object();  // --source-option key=value
  std::optional<std::string> device;                          // live training's
  // The benchmark a tabular study reads: the file given, else the embedded one, which lies at
  // `embedded_benchmark`.
  std::optional<std::string> benchmark;
  std::string embedded_benchmark;
  std::string dataset;  // "" = the benchmark's only dataset
  std::string budget = "150x";
  std::optional<int> T;  // unset = a quarter of the schedule, rounded
  std::optional<int> E;
  std::optional<double> mu;  // unset: tse-ema's default, 0.9
  int workers = 1;
  bool workers_given = false;  // --workers was on the command line (it must then match --devices)
  // --devices: one local worker per device (worker_devices), each with its own evaluator whose
  // live source trains there; unset: `workers` workers sharing the run's one evaluator.
  std::optional<std::string> devices;
  // Who carries the jobs out: simulated (the simulated clock), local (`workers` threads training
  // for real) or mpi (the program supplies it: StudyPlan::config.make_executor stays empty).
  std::string executor = "simulated";
  std::string budget_clock = "charged";  // a real executor's budget: charged or real time
  int retries = 2;  // a real executor's tries again of a job that throws (fault policy)
  std::size_t max_evaluations = 1000000;
  int threads = 0;  // 0 = all cores
  std::string data_seed = "random", truth_seed = "mean";
  bool train_time_only = false;
  // Multi-fidelity strategies' fidelities (unset: 1 epoch to the schedule's T_end, eta 3, all
  // brackets); refused when no strategy of the study is a multi-fidelity one.
  std::optional<int> min_epochs, max_epochs;
  std::optional<double> eta;
  std::optional<int> brackets;
};

// Options that contradict each other or the data, said in terms of the options (a program
// reports it as a usage error). Other failures (an unknown name, a file that cannot be read, a
// seed policy that does not parse) keep their own types.
// The architectures a zero-cost warm-up ranks when --warmup-sample is not given.
inline constexpr std::size_t kDefaultWarmupSample = 1000;

// The most threads --executor local starts for one run.
inline constexpr int kMaxLocalWorkers = 1024;

class PlanError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct StudyPlan {
  StudyConfig config;  // the budget in seconds, the estimators' options with T resolved
  spaces::SearchSpacePtr space;
  std::shared_ptr<const bench::Benchmark> benchmark;  // tabular studies only
  std::string dataset;
  std::vector<std::string> devices;  // one local worker each (--devices); empty without
  int schedule_epochs = 0;  // T_end of the schedule the default source trains or looks up
  // A budget in full trainings: how many, and what the median architecture's costs (seconds).
  std::optional<double> full_trainings;
  double full_training_s = 0;
  // The curve sources, one per schedule the evaluators read, shared by all runs; and what builds
  // each run's evaluator over them.
  std::shared_ptr<evaluators::SourcesBySchedule> sources;
  EvaluatorMaker make_evaluator;
  nlohmann::json record;  // config.json: the options as given and as resolved
  // The files the study reads, (option, path): its output may overwrite none of them.
  std::vector<std::pair<std::string, std::string>> inputs;
  std::vector<std::string> warnings;  // to show before the study starts
};

StudyPlan plan_study(const StudyOptions& options);

// The devices of --devices `list`, one local worker each: a comma list of cpu, cuda:K (CUDA
// device K) and cuda (every CUDA device, cuda:0 to cuda:n-1, n = `cuda_devices()`, which is
// asked only when the list names a CUDA device). A device may be listed more than once: its
// workers share it (several small trainings may use a GPU better than one). PlanError, naming
// --devices, for an empty list or item, a device that is none of these, cuda with no CUDA device,
// and cuda:K beyond the n there are.
std::vector<std::string> worker_devices(const std::string& list,
                                        const std::function<int()>& cuda_devices);

// The estimators nas-run offers as evaluators: every registered one but the oracles.
std::vector<std::pair<std::string, std::string>> search_estimators();

}  // namespace nasrun::experiment
