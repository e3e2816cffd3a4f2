#include "study/plan.hpp"

#include <algorithm>
#include <map>

#include "common/lists.hpp"
#include "common/numbers.hpp"
#include "evaluators/curve_source.hpp"
#include "evaluators/plugin_source.hpp"
#include "evaluators/tabular_source.hpp"
#include "run/budget_tracker.hpp"
#include "run/local_executor.hpp"
#include "run/training_cost.hpp"
#include "search/warmup.hpp"
#include "spaces/search_space_registry.hpp"
#include "study/initial_designs.hpp"

namespace nasrun::experiment {

namespace {

// tse-ema's weight when --mu is not given.
const double kDefaultMu = evaluators::EstimatorOptions{}.ema_mu;

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// Values that no study can take, whatever the data.
void check_values(const StudyOptions& o) {
  if (o.seeds < 1) throw PlanError("--seeds must be at least 1, got " + std::to_string(o.seeds));
  if (o.workers < 1)
    throw PlanError("--workers must be at least 1, got " + std::to_string(o.workers));
  if (o.threads < 0)
    throw PlanError("--threads must be 0 (all cores) or more, got " + std::to_string(o.threads));
  if (o.T && *o.T < 1) throw PlanError("--T must be at least 1, got " + std::to_string(*o.T));
  if (o.executor != "simulated" && o.executor != "local" && o.executor != "mpi")
    throw PlanError("--executor must be simulated, local or mpi, got '" + o.executor + "'");
  try {
    parse_budget_clock(o.budget_clock);
  } catch (const std::invalid_argument& e) {
    throw PlanError(e.what());
  }
  if (o.executor == "simulated" && o.budget_clock != "charged")
    throw PlanError("--budget-clock " + o.budget_clock + " needs a real executor (--executor "
                    "local or mpi): the simulated clock has charged time only");
  if (o.executor == "local" && o.workers > kMaxLocalWorkers)
    throw PlanError("--workers " + std::to_string(o.workers) + " with --executor local starts a "
                    "thread per worker; at most " + std::to_string(kMaxLocalWorkers));
  if (o.retries < 0)
    throw PlanError("--retries must be 0 or more, got " + std::to_string(o.retries));
  if (o.devices) {
    if (o.executor != "local")
      throw PlanError("--devices starts one local worker per device: it needs --executor local");
    if (o.source != "live")
      throw PlanError("--devices applies to live training (--source live)");
    if (o.device)
      throw PlanError("--devices gives each worker its device: drop --device " + *o.device);
    if (o.source_options.contains("device"))
      throw PlanError("--devices gives each worker its device: drop --source-option device=");
  }
  if (o.executor == "mpi" && o.threads > 1)
    throw PlanError("--threads " + std::to_string(o.threads) + " with --executor mpi: the ranks "
                    "serve one run at a time (--threads 1)");
}

// Every name is registered, no evaluator is an oracle, and a window E has an estimator to use it.
void check_names(const StudyOptions& o) {
  for (const auto& s : o.strategies) search::check_strategy_name(s);
  const auto& estimators = evaluators::estimator_registry();
  for (const auto& e : o.evaluators) {
    if (!estimators.contains(e)) {
      std::vector<std::string> offered;
      for (const auto& [name, description] : search_estimators()) offered.push_back(name);
      throw unknown_name("evaluator", e, offered);
    }
    if (estimators.at(e).traits.oracle)
      throw PlanError("--evaluator " + e + " is an oracle: it reads the test split that the "
                      "truth comes from, which a search must never see (nas-rank shows it as a "
                      "reference)");
  }
  if (o.E && std::none_of(o.evaluators.begin(), o.evaluators.end(), evaluators::takes_window))
    throw PlanError("--E sets the window of sotle and sovl-e, and none of the evaluators (" +
                    joined(o.evaluators) + ") takes one");
  if (o.mu && std::none_of(o.evaluators.begin(), o.evaluators.end(), evaluators::takes_mu))
    throw PlanError("--mu sets the weight of tse-ema's moving average, and none of the "
                    "evaluators (" + joined(o.evaluators) + ") reads it (tse-ema-naslib fixes "
                    "its own, 0.99, as NASLib does)");
  if (o.warmup_sample && !o.warmup)
    throw PlanError("--warmup-sample sets how many architectures a zero-cost warm-up ranks, and "
                    "there is no --warmup");
  if (o.proxy_rungs && !o.warmup)
    throw PlanError("--proxy-rungs scores a rung by the proxy of --warmup, and there is none");
  if (o.warmup_sample == std::size_t{0} && !o.proxy_rungs)
    throw PlanError("--warmup-sample 0 ranks nothing, and there is no --proxy-rungs: the proxy "
                    "of --warmup " + *o.warmup + " would score nothing");
  if (o.warmup) {
    std::vector<std::string> proxies;
    for (auto p : bench::all_proxies()) proxies.push_back(bench::proxy_name(p));
    if (std::find(proxies.begin(), proxies.end(), *o.warmup) == proxies.end())
      throw PlanError("--warmup " + *o.warmup + " is not a zero-cost proxy; a warm-up ranks "
                      "architectures by one of " + joined(proxies));
  }
  evaluators::curve_source_registry().at(o.source);
}

// The warm-up fits the space and the initial designs (search::check_warmup).
void check_warmup(const StudyOptions& o, const StudyPlan& plan) {
  search::StrategyContext ctx;
  ctx.space = plan.space;
  ctx.n_init = o.n_init;
  ctx.warmup_sample = plan.config.warmup_sample;
  if (!plan.config.initial_designs.empty()) ctx.initial_design = plan.config.initial_designs[0];
  try {
    search::check_warmup(ctx);
  } catch (const std::invalid_argument& e) {
    throw PlanError(e.what());
  }
}

// The source's options, the space and the dataset; for a tabular study, the benchmark.
evaluators::SourceOptions resolve_source(const StudyOptions& o,
                                         const std::vector<std::string>& devices) {
  evaluators::SourceOptions source;
  source.extra = o.source_options;
  // The run's own evaluator trains on the first worker's device.
  if (!devices.empty()) source.extra["device"] = devices.front();
  if (o.device) {
    if (o.source != "live") throw PlanError("--device applies to live training (--source live)");
    if (source.extra.contains("device"))
      throw PlanError("give the device once: --device or --source-option device=");
    source.extra["device"] = *o.device;
  }
  source.data_seeds = bench::SeedPolicy::parse(o.data_seed);
  source.truth_seeds = bench::SeedPolicy::parse(o.truth_seed);
  if (o.source != "tabular" && o.benchmark)
    throw PlanError("--benchmark is read by tabular studies only; --source " + o.source +
                    " trains its own curves (drop --benchmark, or use --source tabular)");
  source.dataset = o.dataset;
  if (o.source != "tabular") {
    source.space = spaces::make_search_space(o.space.empty() ? "nb201" : o.space);
    return source;
  }
  if (!o.space.empty())
    throw PlanError("--space applies to sources that train (--source live); a tabular "
                    "benchmark names its own space");
  source.benchmark = evaluators::open_benchmark(o.benchmark, o.embedded_benchmark);
  source.space = source.benchmark->space_ptr();
  if (source.dataset.empty()) {
    try {
      source.dataset = evaluators::only_dataset(*source.benchmark);
    } catch (const std::invalid_argument& e) {
      throw PlanError(e.what());
    }
  }
  return source;
}

// A search may propose any architecture of the space, so a table that lacks some (a tabulation
// stopped by its time limit, or one of a sample) would end the study at the first it meets.
// Checks the truth table and every table an evaluator reads.
void require_every_architecture(const bench::Benchmark& benchmark, const std::string& dataset,
                                const StudyConfig& config) {
  std::vector<const bench::Table*> tables{&benchmark.table(dataset)};
  for (const auto& e : config.evaluators)
    tables.push_back(
        &benchmark.table(dataset, evaluators::make_estimator(e, config.estimator)->schedule()));
  for (const auto* t : tables)
    if (const auto coverage = benchmark.coverage(*t); coverage.partial())
      throw PlanError("table " + t->dataset() + "@" + t->schedule() + " has " +
                      coverage.to_string() +
                      ", and a search may propose any of them: finish its tabulation "
                      "(docs/tabulation.md), or study what it has with nas-rank");
}

std::shared_ptr<evaluators::SourcesBySchedule> shared_sources(
    const std::string& source_name, const evaluators::SourceOptions& source) {
  return std::make_shared<evaluators::SourcesBySchedule>(
      [source_name, source](const std::string& schedule) {
        auto options = source;
        options.schedule = schedule;
        return evaluators::make_curve_source(source_name, options);
      });
}

// Each evaluator that can score any epoch also scores the rungs of multi-fidelity strategies;
// with a `warmup` proxy, each scores warm-up jobs by it.
EvaluatorMaker evaluators_over(std::shared_ptr<evaluators::SourcesBySchedule> sources,
                               const evaluators::CostModel& cost,
                               std::optional<std::string> warmup) {
  return [sources, cost, warmup](const std::string& name,
                                 const evaluators::EstimatorOptions& options) {
    auto estimator = evaluators::make_estimator(name, options);
    auto curves = sources->at(estimator->schedule());
    try {
      const int schedule = curves->schedule_epochs();
      evaluators::EstimatorAtEpoch at_epoch;
      if (evaluators::scores_any_epoch(name, schedule))
        at_epoch = evaluators::estimator_at_epochs(name, options, schedule);
      std::unique_ptr<evaluators::Evaluator> proxy;
      if (warmup)
        proxy = std::make_unique<evaluators::Evaluator>(
            evaluators::make_estimator(*warmup, options), sources->at(""), cost);
      return std::make_unique<evaluators::Evaluator>(std::move(estimator), curves, cost,
                                                     std::move(at_epoch), std::move(proxy));
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument("evaluator '" + name + "': " + e.what());
    }
  };
}

std::vector<std::string> multi_fidelity_strategies(const StudyOptions& o) {
  std::vector<std::string> out;
  for (const auto& s : o.strategies)
    if (search::is_multi_fidelity(s)) out.push_back(s);
  return out;
}

// The fidelities of the study's multi-fidelity strategies, and that every evaluator can score
// each epoch they may reach (a rung metric the benchmark lacks is named here, before a file is
// written).
search::Fidelities resolve_fidelities(const StudyOptions& o, const StudyPlan& plan) {
  const auto multi = multi_fidelity_strategies(o);
  if (multi.empty()) {
    if (o.min_epochs || o.max_epochs || o.eta || o.brackets || o.proxy_rungs)
      throw PlanError("--min-epochs, --max-epochs, --eta, --brackets and --proxy-rungs set the "
                      "fidelities of multi-fidelity strategies (" +
                      joined(search::multi_fidelity_strategy_registry().names()) +
                      "), and the study has none");
    return {};
  }
  search::Fidelities f;
  f.min_epochs = o.min_epochs.value_or(1);
  f.max_epochs = o.max_epochs.value_or(plan.schedule_epochs);
  f.eta = o.eta.value_or(3);
  f.brackets = o.brackets.value_or(0);
  f.proxy_rungs = o.proxy_rungs;
  auto takes_proxy_rungs = [&](const std::string& s) {
    return search::takes_proxy_rungs(s, plan.space);
  };
  if (o.proxy_rungs && std::none_of(multi.begin(), multi.end(), takes_proxy_rungs)) {
    auto bracket_strategies = search::multi_fidelity_strategy_registry().names();
    bracket_strategies.erase(std::remove_if(bracket_strategies.begin(), bracket_strategies.end(),
                                            [&](const auto& s) { return !takes_proxy_rungs(s); }),
                             bracket_strategies.end());
    throw PlanError("--proxy-rungs puts a rung below the first of each bracket, and none of " +
                    joined(multi) + " runs brackets (" + joined(bracket_strategies) + " do)");
  }
  try {
    search::check_fidelities(f);
  } catch (const std::invalid_argument& e) {
    throw PlanError(e.what());
  }
  if (f.max_epochs > plan.schedule_epochs)
    throw PlanError("--max-epochs " + std::to_string(f.max_epochs) + " is beyond the schedule's " +
                    std::to_string(plan.schedule_epochs) + " epochs");
  for (const auto& e : plan.config.evaluators) {
    if (!evaluators::scores_any_epoch(e, plan.schedule_epochs)) {
      std::vector<std::string> rung_metrics;
      for (const auto& [name, description] : search_estimators())
        if (evaluators::scores_any_epoch(name, plan.schedule_epochs))
          rung_metrics.push_back(name);
      throw PlanError("--evaluator " + e + " scores an architecture only at the end of its "
                      "schedule, so it cannot score the rungs of " + joined(multi) +
                      "; use one that scores any epoch (" + joined(rung_metrics) + ")");
    }
    plan.make_evaluator(e, plan.config.estimator)->check_rungs(f.min_epochs, f.max_epochs);
  }
  return f;
}

// The budget in seconds; a number of full trainings is priced at the median architecture's.
void resolve_budget(const StudyOptions& o, const BudgetSpec& budget, StudyPlan& plan) {
  if (!budget.in_full_trainings) {
    plan.config.budget.budget_s = budget.amount;
    return;
  }
  auto full = plan.make_evaluator("val-final", plan.config.estimator);
  try {
    plan.full_training_s = median_evaluation_cost(*full, *plan.space);
  } catch (const bench::MissingDataError& e) {
    throw PlanError("--budget " + o.budget + " needs every architecture's training time, for "
                    "the median full training, but " + e.what() +
                    "; give a duration instead, such as --budget 2h");
  }
  plan.full_trainings = budget.amount;
  plan.config.budget.budget_s = budget.amount * plan.full_training_s;
}

// Evaluators that read the very value they are judged by (a table without a test split).
std::vector<std::string> truth_warnings(const StudyPlan& plan) {
  std::vector<std::string> out;
  if (!plan.benchmark) return out;
  for (const auto& e : plan.config.evaluators)
    if (evaluators::reads_truth(*evaluators::make_estimator(e, plan.config.estimator),
                                *plan.benchmark, plan.dataset))
      out.push_back(plan.dataset + "'s truth is " +
                    bench::metric_name(plan.benchmark->table(plan.dataset).truth_metric()) +
                    " (the table has no test split), which " + e +
                    " reads too: its test errors partly measure what it searched on");
  return out;
}

nlohmann::json study_record(const StudyOptions& o, const evaluators::SourceOptions& source,
                            const StudyPlan& plan) {
  const auto& c = plan.config;
  const std::string benchmark_file = o.benchmark.value_or(o.embedded_benchmark);
  return {{"strategies", c.strategies},
          {"evaluators", c.evaluators},
          {"seeds", c.seeds},
          {"base_seed", c.base_seed},
          {"n_init", c.n_init},
          {"init_file", o.init_file},
          {"T", c.estimator.T},
          {"E", o.E ? nlohmann::json(*o.E) : nlohmann::json(nullptr)},
          {"mu", o.mu.value_or(kDefaultMu)},
          {"budget", o.budget},
          {"budget_s", c.budget.budget_s},
          {"workers", c.budget.workers},
          {"max_evaluations", c.budget.max_evaluations},
          {"source", o.source},
          {"space", plan.space->name()},
          {"source_options", source.extra},
          {"benchmark", plan.benchmark ? benchmark_file : ""},
          {"benchmark_data_crc32",
           plan.benchmark ? plan.benchmark->header().value("data_crc32", 0u) : 0u},
          {"dataset", plan.dataset},
          {"data_seed", source.data_seeds.to_string()},
          {"truth_seed", source.truth_seeds.to_string()},
          {"train_time_only", c.cost.training_time_only},
          {"version", "nas-run 0.1.0"}};
}

// One local worker per device, each with its own evaluator (made by the maker of its device).
ExecutorMaker device_workers(std::vector<EvaluatorMaker> makers, BudgetClock clock, int retries) {
  return [makers = std::move(makers), clock, retries](
             evaluators::Evaluator&, const std::string& name,
             const evaluators::EstimatorOptions& options, const RunBudget& budget) {
    std::vector<std::unique_ptr<evaluators::Evaluator>> evaluators;
    for (const auto& make : makers) evaluators.push_back(make(name, options));
    return std::make_unique<LocalExecutor>(std::move(evaluators), budget.budget_s, clock,
                                           retries);
  };
}

// The devices of --devices, refused when --workers says another number.
std::vector<std::string> resolve_devices(const StudyOptions& o) {
  if (!o.devices) return {};
  auto devices = worker_devices(*o.devices, [&o] {
    try {
      return evaluators::live_cuda_device_count();
    } catch (const std::runtime_error& e) {
      throw PlanError("--devices '" + *o.devices + "': " + e.what());
    }
  });
  const int n = static_cast<int>(devices.size());
  if (o.workers_given && o.workers != n)
    throw PlanError("--workers " + std::to_string(o.workers) + " with --devices " + *o.devices +
                    ": --devices starts one worker per device, " + std::to_string(n) +
                    " here (leave --workers out)");
  if (n > kMaxLocalWorkers)
    throw PlanError("--devices " + *o.devices + " lists " + std::to_string(n) +
                    " devices, a thread each; at most " + std::to_string(kMaxLocalWorkers));
  return devices;
}

StudyConfig configuration(const StudyOptions& o, const std::vector<std::string>& devices) {
  StudyConfig config;
  config.strategies = o.strategies;
  config.evaluators = o.evaluators;
  config.seeds = o.seeds;
  config.base_seed = o.base_seed;
  config.n_init = o.n_init;
  if (o.warmup) config.warmup_sample = o.warmup_sample.value_or(kDefaultWarmupSample);
  config.cost.training_time_only = o.train_time_only;
  config.threads = o.threads;
  config.budget.workers = devices.empty() ? o.workers : static_cast<int>(devices.size());
  config.budget.max_evaluations = o.max_evaluations;
  if (o.executor != "simulated") {
    // Runs side by side would share the cores (or ranks) their real times measure.
    if (o.threads == 0) config.threads = 1;
    config.retries = o.retries;
    if (o.executor == "local" && devices.empty()) {
      const auto clock = parse_budget_clock(o.budget_clock);
      config.make_executor = [clock, retries = o.retries](
                                 evaluators::Evaluator& evaluator, const std::string&,
                                 const evaluators::EstimatorOptions&, const RunBudget& budget) {
        return std::make_unique<LocalExecutor>(evaluator, budget.budget_s, budget.workers, clock,
                                               retries);
      };
    }
  }
  return config;
}

// The executor of one local worker per device: the first device's evaluators are made as the
// run's own (plan.make_evaluator, over plan.sources); each other device has its own sources,
// shared by its workers, and every evaluator is built once on it, as on the first, before
// anything is written.
void plan_device_workers(const StudyOptions& o, const evaluators::SourceOptions& source,
                         StudyPlan& plan) {
  std::map<std::string, EvaluatorMaker> by_device{{plan.devices.front(), plan.make_evaluator}};
  std::vector<EvaluatorMaker> makers;
  for (const auto& device : plan.devices) {
    auto [it, fresh] = by_device.try_emplace(device);
    if (fresh) {
      auto options = source;
      options.extra["device"] = device;
      it->second =
          evaluators_over(shared_sources(o.source, options), plan.config.cost, o.warmup);
      for (const auto& e : plan.config.evaluators) it->second(e, plan.config.estimator);
    }
    makers.push_back(it->second);
  }
  plan.config.make_executor =
      device_workers(std::move(makers), parse_budget_clock(o.budget_clock), o.retries);
}

}  // namespace

std::vector<std::string> worker_devices(const std::string& list,
                                        const std::function<int()>& cuda_devices) {
  std::vector<std::string> items;
  try {
    items = common::split_list(list, "devices", true);
  } catch (const std::invalid_argument& e) {
    throw PlanError(e.what());
  }
  std::optional<int> cuda_count;
  auto count = [&] {
    if (!cuda_count) cuda_count = cuda_devices();
    return *cuda_count;
  };
  const std::string cuda_prefix = "cuda:";
  std::vector<std::string> out;
  for (const auto& item : items) {
    if (item == "cpu") {
      out.push_back(item);
      continue;
    }
    const bool all_cuda = item == "cuda";
    std::optional<long long> index;
    if (!all_cuda && item.compare(0, cuda_prefix.size(), cuda_prefix) == 0)
      index = common::parse_decimal_integer(item.substr(cuda_prefix.size()));
    if (!all_cuda && (!index || *index < 0))
      throw PlanError("--devices '" + list + "': '" + item +
                      "' is not a device (expected cpu, cuda or cuda:K, K = 0, 1, ...)");
    const int n = count();
    if (n == 0)
      throw PlanError("--devices '" + list + "' names " + item +
                      ", but live training sees no CUDA device (no GPU, or a LibTorch without "
                      "CUDA support)");
    if (all_cuda) {
      for (int k = 0; k < n; ++k) out.push_back(cuda_prefix + std::to_string(k));
    } else if (*index >= n) {
      throw PlanError("--devices '" + list + "': " + item + " is beyond the " +
                      std::to_string(n) + " CUDA device(s) live training sees (cuda:0 to cuda:" +
                      std::to_string(n - 1) + ")");
    } else {
      out.push_back(cuda_prefix + std::to_string(*index));
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> search_estimators() {
  std::vector<std::pair<std::string, std::string>> out;
  const auto& registry = evaluators::estimator_registry();
  for (const auto& [name, description] : registry.list())
    if (!registry.at(name).traits.oracle) out.emplace_back(name, description);
  return out;
}

StudyPlan plan_study(const StudyOptions& o) {
  check_values(o);
  StudyPlan plan;
  plan.devices = resolve_devices(o);
  plan.config = configuration(o, plan.devices);
  BudgetSpec budget;
  try {
    budget = parse_budget(o.budget);
  } catch (const std::invalid_argument& e) {
    throw PlanError(std::string("--budget: ") + e.what());
  }
  check_names(o);
  if (budget.in_full_trainings && o.source != "tabular")
    throw PlanError("--budget " + o.budget +
                    " counts full trainings of the median architecture, which only a tabular "
                    "benchmark's recorded times tell; with --source " + o.source +
                    " give a duration, such as --budget 2h");
  const auto source = resolve_source(o, plan.devices);
  plan.space = source.space;
  plan.benchmark = source.benchmark;
  plan.dataset = source.dataset;
  if (plan.benchmark)
    plan.inputs.emplace_back("--benchmark", o.benchmark.value_or(o.embedded_benchmark));
  if (!o.init_file.empty()) {
    plan.config.initial_designs = read_initial_designs(o.init_file, *plan.space);
    plan.inputs.emplace_back("--init-file", o.init_file);
  }
  check_warmup(o, plan);
  try {
    check_study(plan.config);
  } catch (const std::invalid_argument& e) {
    throw PlanError(e.what());
  }
  plan.sources = shared_sources(o.source, source);
  plan.make_evaluator = evaluators_over(plan.sources, plan.config.cost, o.warmup);
  // Defaults that follow the benchmark, as the paper's T=50 and 150 h follow NAS-Bench-201's
  // 200-epoch schedule; a 10-epoch benchmark then scores at T=3. Estimators that ignore T
  // (val-final) would accept any, but a T the schedule lacks is a mistake.
  plan.schedule_epochs = plan.sources->at("")->schedule_epochs();
  const int T = o.T.value_or((plan.schedule_epochs + 2) / 4);
  if (T > plan.schedule_epochs)
    throw PlanError("--T " + std::to_string(T) + " is outside the schedule's 1.." +
                    std::to_string(plan.schedule_epochs) + " epochs");
  plan.config.estimator = {T, o.E, o.mu.value_or(kDefaultMu)};
  plan.config.fidelity = resolve_fidelities(o, plan);
  if (plan.benchmark) require_every_architecture(*plan.benchmark, plan.dataset, plan.config);
  // Every evaluator is built once before the budget is worked out and anything is written, so
  // that an evaluator the data cannot serve is reported first, for what it is.
  for (const auto& e : plan.config.evaluators) plan.make_evaluator(e, plan.config.estimator);
  if (!plan.devices.empty()) plan_device_workers(o, source, plan);
  resolve_budget(o, budget, plan);
  plan.warnings = truth_warnings(plan);
  plan.record = study_record(o, source, plan);
  // Only studies with a multi-fidelity strategy record fidelities: the configuration (and the
  // checksum every trace carries) of any other study stays what it was.
  if (!multi_fidelity_strategies(o).empty())
    plan.record["fidelity"] = {{"min_epochs", plan.config.fidelity.min_epochs},
                               {"max_epochs", plan.config.fidelity.max_epochs},
                               {"eta", plan.config.fidelity.eta},
                               {"brackets", plan.config.fidelity.brackets}};
  if (plan.config.fidelity.proxy_rungs) plan.record["fidelity"]["proxy_rungs"] = true;
  // Likewise only studies with a warm-up, and those on a real executor, record them.
  if (o.warmup)
    plan.record["warmup"] = {{"proxy", *o.warmup}, {"sample", plan.config.warmup_sample}};
  if (o.executor != "simulated") {
    plan.record["executor"] = o.executor;
    plan.record["budget_clock"] = o.budget_clock;
    plan.record["retries"] = o.retries;
  }
  if (!plan.devices.empty()) plan.record["devices"] = plan.devices;
  return plan;
}

}  // namespace nasrun::experiment
