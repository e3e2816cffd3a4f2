// nas-bench: import, inspect and query tabular NAS benchmarks.
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "apps/cli_common.hpp"
#include "bench/benchmark.hpp"
#include "bench/description.hpp"
#include "bench/earlier_output.hpp"
#include "bench/nats_importer.hpp"
#include "bench/nb201_csv.hpp"
#include "common/file_io.hpp"
#include "common/numbers.hpp"
#include "evaluators/tabular_source.hpp"
#include "tabulate/tabulation.hpp"
#ifdef NASRUN_HAVE_MPI
#include "mpi/mpi_tabulation.hpp"
#endif

namespace po = boost::program_options;
using namespace nasrun;

namespace {

const char* kUsage =
    "nas-bench: import, inspect and query tabular NAS benchmarks.\n\n"
    "Usage:\n"
    "  nas-bench import (--nats-dir DIR | --nb201-csv FILE [FILE ...]) --out FILE\n"
    "  nas-bench tabulate --out FILE [--source live] [--dataset D] [--source-option k=v ...]\n"
    "                     [--archs classes|all|sample:N|LIST] [--seeds 0] [--extra-seeds 1,2]\n"
    "                     [--executor local|mpi] [--workers W] [--proxies]\n"
    "  nas-bench info [FILE] [--json]\n"
    "  nas-bench query [FILE] (--arch STRING | --index N) [--dataset D]\n"
    "                  [--schedule S] [--seed S | --seed-policy mean] [--json]\n"
    "FILE defaults to the embedded benchmark. Run 'nas-bench COMMAND --help' for a command's options.\n";

// Parses a command's options (with `file` also as the first positional argument when
// `file_positional`); prints the command's help and returns nothing when --help is given.
std::optional<po::variables_map> parse(po::options_description& desc,
                                       const std::vector<std::string>& args,
                                       bool file_positional = false) {
  po::variables_map vm;
  po::store(cli::parse_arguments(desc, args, file_positional ? "file" : nullptr), vm);
  if (vm.count("help")) {
    std::cout << desc;
    return std::nullopt;
  }
  po::notify(vm);
  return vm;
}

std::string json_number(double v) {
  if (std::isnan(v)) return "missing";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// Names the tables of a benchmark just written that lack some of the space's architectures.
void report_partial_tables(const std::string& file) {
  const auto b = bench::Benchmark::open(file, {/*verify_checksum=*/false});
  for (const auto& t : b.tables())
    if (const auto coverage = b.coverage(t); coverage.partial())
      std::printf("table %s@%s is partial: %s (nas-run needs every one; nas-rank studies what "
                  "there is)\n",
                  t.dataset().c_str(), t.schedule().c_str(), coverage.to_string().c_str());
}

int cmd_import(const std::vector<std::string>& args) {
  std::string nats_dir, out;
  std::vector<std::string> csv;
  bool force = false;
  po::options_description desc("nas-bench import options");
  desc.add_options()("help,h", "show this help")(
      "nats-dir", po::value(&nats_dir),
      "folder of an official NATS-Bench archive: topology (NATS-tss-v1_0-3ffb9-simple, space "
      "nb201) or size (NATS-sss-v1_0-50262-simple, space nats-sss)")(
      "nb201-csv", po::value(&csv)->multitoken(),
      "NAS-Bench-201 CSV tables (nb201_final.csv, nb201_hp12_mean.csv)")(
      "out", po::value(&out), "benchmark file to write (atomically)")(
      "force", po::bool_switch(&force),
      "replace an existing --out that is not an earlier import");
  const auto parsed = parse(desc, args);
  if (!parsed) return 0;
  // --nb201-csv takes every following word, options included ("--nb201-csv --out x" would
  // read "--out" as a file): name the mistake rather than the --out it swallowed.
  for (const auto& file : csv)
    if (file.rfind("--", 0) == 0)
      throw cli::UsageError("--nb201-csv expects CSV files, got the option '" + file +
                            "' among them: give the files right after --nb201-csv");
  if (out.empty()) throw cli::UsageError("import needs --out FILE");
  if (nats_dir.empty() == csv.empty())
    throw cli::UsageError("import needs exactly one of --nats-dir DIR or --nb201-csv FILE...");
  std::vector<std::pair<std::string, std::string>> inputs;
  for (const auto& file : csv) inputs.emplace_back("--nb201-csv", file);
  // Any file of the archive's folder is read; --out may name none of them.
  if (!nats_dir.empty())
    inputs.emplace_back("--nats-dir", nats_dir + "/" + std::filesystem::path(out).filename().string());
  common::check_output_file(out, inputs, {"--out", "nas-bench import", bench::is_imported_benchmark},
                           force);
  if (!nats_dir.empty()) {
    bench::NatsImportReport report;
    // The archive says which of NATS-Bench's spaces it holds.
    const auto space = spaces::make_search_space(bench::nats_archive_space(nats_dir));
    auto builder = bench::import_nats_archive(space, nats_dir, &report);
    builder.write(out);
    std::printf("imported %zu of %zu architectures from %s into %s\n", report.imported,
                report.expected, nats_dir.c_str(), out.c_str());
    if (!report.missing.empty()) {
      std::printf("missing %zu architecture files (their results are marked missing):",
                  report.missing.size());
      for (std::size_t i = 0; i < report.missing.size() && i < 20; ++i)
        std::printf(" %zu", report.missing[i]);
      std::printf(report.missing.size() > 20 ? " ...\n" : "\n");
    }
  } else {
    bench::import_nb201_csv(spaces::make_search_space("nb201"), csv).write(out);
    std::printf("imported %zu CSV file(s) into %s\n", csv.size(), out.c_str());
  }
  report_partial_tables(out);
  return 0;
}

void print_progress(const experiment::TabulationProgress& p) {
  const double fraction = p.total ? static_cast<double>(p.done) / p.total : 1.0;
  const auto new_done = p.done - p.resumed;
  const double rate = p.elapsed_s > 0 ? new_done / p.elapsed_s : 0;
  const double left = rate > 0 ? (p.total - p.done) / rate : 0;
  char bar[31];
  const int filled = static_cast<int>(fraction * 30);
  for (int i = 0; i < 30; ++i) bar[i] = i < filled ? '#' : '.';
  bar[30] = '\0';
  std::fprintf(stderr, "\r[%s] %zu/%zu (%.1f%%) %.2f trainings/s, %.0f min left   ", bar, p.done,
               p.total, 100 * fraction, rate, left / 60);
  if (p.done == p.total) std::fputc('\n', stderr);
  std::fflush(stderr);
}

struct TabulateOptions {
  experiment::TabulationConfig config;
  std::string executor = "local";
  bool workers_given = false;  // --workers was on the command line
};

// The tabulation's options, or nothing when --help was given (and printed).
std::optional<TabulateOptions> parse_tabulate(const std::vector<std::string>& args) {
  TabulateOptions options;
  auto& config = options.config;
  std::string archs = "classes", seeds = "0", extra_seeds, time_limit, space = "nb201";
  std::vector<std::string> source_options;
  po::options_description desc("nas-bench tabulate options");
  desc.add_options()("help,h", "show this help")(
      "out", po::value(&config.out), "benchmark file to write (a journal <out>.journal makes it resumable)")(
      "source", po::value(&config.source)->default_value("live"), "curve source that trains")(
      "dataset", po::value(&config.source_options.dataset), "dataset (e.g. fashion-mnist, cifar10)")(
      "source-option", po::value(&source_options)->composing(),
      "key=value setting of the source, repeatable (see docs/live-training.md)")(
      "space", po::value(&space)->default_value("nb201"), "search space")(
      "archs", po::value(&archs)->default_value("classes"),
      "classes (one per isomorphism class), all, sample:N, or a file of architecture strings")(
      "share-within-class", po::value(&config.share_within_class)->default_value(true),
      "give untrained cells the results of a trained isomorphic cell")(
      "seeds", po::value(&seeds)->default_value("0"), "training seeds of every architecture")(
      "extra-seeds", po::value(&extra_seeds), "more training seeds for a seeded subset")(
      "extra-fraction", po::value(&config.extra_fraction)->default_value(0.1),
      "fraction of the architectures trained with the extra seeds")(
      "selection-seed", po::value(&config.selection_seed)->default_value(0),
      "seed of sample:N and of the extra-seed subset")(
      "executor", po::value(&options.executor)->default_value("local"),
      "who trains: local (--workers threads) or mpi (ranks 1..N-1 of mpirun -np N; "
      "docs/executors.md)")(
      "workers", po::value(&config.workers)->default_value(0),
      "parallel trainings with --executor local (0 = one per core)")(
      "retries", po::value(&config.retries)->default_value(2),
      "tries again a training that throws, up to this many more times")(
      "time-limit", po::value(&time_limit),
      "start no training after this long (e.g. 2h); the file then holds what is done, and a "
      "rerun continues")(
      "proxies", po::bool_switch(&config.proxies),
      "also compute the zero-cost proxies of every training at initialisation (journaled in "
      "<out>.proxies.journal; on a finished tabulation, only the proxies are computed)")(
      "force", po::bool_switch(&config.force),
      "replace an existing --out that has no journal beside it (not a tabulation to resume)");
  const auto vm = parse(desc, args);
  if (!vm) return std::nullopt;
  options.workers_given = !(*vm)["workers"].defaulted();
  if (config.out.empty()) throw cli::UsageError("tabulate needs --out FILE");
  if (config.workers < 0) throw cli::UsageError("--workers must be 0 (one per core) or more");
  if (config.retries < 0) throw cli::UsageError("--retries must be 0 or more");
  if (options.executor != "local" && options.executor != "mpi")
    throw cli::UsageError("--executor '" + options.executor + "': expected local or mpi");
  if (!time_limit.empty()) {
    try {
      config.time_limit_s = common::parse_duration(time_limit);
    } catch (const std::invalid_argument& e) {
      throw cli::UsageError(std::string("--time-limit: ") + e.what());
    }
  }
  config.source_options.space = spaces::make_search_space(space);
  config.source_options.extra = cli::parse_source_options(source_options);
  config.seeds = cli::parse_integer_list(seeds, "seeds", 0);
  if (!extra_seeds.empty()) config.extra_seeds = cli::parse_integer_list(extra_seeds, "extra-seeds", 0);
  config.archs = experiment::select_archs(archs, *config.source_options.space, config.selection_seed);
  if (experiment::archs_spec_is_file(archs)) config.inputs.emplace_back("--archs", archs);
  std::string command = "nas-bench tabulate";
  for (const auto& a : args) command += " " + a;
  config.meta["command"] = command;
  return options;
}

// Prints what a tabulation did; returns the exit status.
int report_tabulation(const experiment::TabulationConfig& config,
                      const experiment::TabulationResult& r) {
  const auto left = r.total - r.resumed - r.trained;
  std::string state;  // nothing when complete
  if (!r.complete && r.stopped_by_time_limit)
    state = " (stopped by the time limit with " + std::to_string(left) +
            " trainings left: rerun to continue)";
  else if (!r.complete)
    state = " (incomplete: " + std::to_string(left) + " planned trainings have no record: rerun "
            "to continue)";
  std::printf("%s: %zu trainings done now, %zu resumed from the journal, %zu planned%s\n",
              config.out.c_str(), r.trained, r.resumed, r.total, state.c_str());
  return 0;
}

#ifdef NASRUN_HAVE_MPI
// Rank 0 tabulates (lock, journal, work list, benchmark); the other ranks train.
int tabulate_on_rank(const TabulateOptions& options, const boost::mpi::communicator& world) {
  if (world.size() < 2)
    throw cli::UsageError("--executor mpi needs at least 2 MPI ranks (rank 0 keeps the journal, "
                          "the others train): start it as mpirun -np N nas-bench tabulate ..., "
                          "N >= 2");
  if (options.workers_given)
    throw cli::UsageError("--workers with --executor mpi: the workers are the ranks after the "
                          "first, " + std::to_string(world.size() - 1) +
                          " here (leave --workers out)");
  if (world.rank() != 0) {
    mpi_executor::serve_tabulation(world, experiment::Trainer(options.config));
    return 0;
  }
  const mpi_executor::Workers workers(world);
  const auto r = experiment::tabulate(options.config, print_progress, [&](const experiment::Trainer&) {
    return std::make_unique<mpi_executor::MpiTrainingPool>(workers);
  });
  return report_tabulation(options.config, r);
}
#endif

// --executor mpi, under mpirun: every rank runs the same command.
int tabulate_mpi(const TabulateOptions& options) {
#ifdef NASRUN_HAVE_MPI
  return mpi_executor::run_with_mpi(
      [&](const boost::mpi::communicator& world) { return tabulate_on_rank(options, world); });
#else
  (void)options;
  throw cli::UsageError("--executor mpi: this nas-bench was built without MPI (it needs "
                        "Boost.MPI and an MPI library: Debian libboost-mpi-dev and openmpi-bin)");
#endif
}

int cmd_tabulate(const std::vector<std::string>& args) {
  const auto options = parse_tabulate(args);
  if (!options) return 0;
  if (options->executor == "mpi") return tabulate_mpi(*options);
  return report_tabulation(options->config, experiment::tabulate(options->config, print_progress));
}

// One table of describe() as text.
void print_table_info(const nlohmann::json& t, const bench::Coverage& coverage) {
  std::printf("\n%s @ schedule %s (%d epochs; recorded: %s)\n",
              t["dataset"].get<std::string>().c_str(), t["schedule"].get<std::string>().c_str(),
              t["epochs"].get<int>(), t["recorded_epochs"].dump().c_str());
  std::printf("  seeds %s, truth %s\n  results for %zu architectures (%zu isomorphism classes): "
              "%zu stored results from %zu training runs\n",
              t["seeds"].dump().c_str(), t["truth_metric"].get<std::string>().c_str(),
              t["architectures_with_results"].get<std::size_t>(),
              t["classes_with_results"].get<std::size_t>(),
              t["stored_results"].get<std::size_t>(), t["training_runs"].get<std::size_t>());
  if (coverage.partial()) std::printf("  partial: %s\n", coverage.to_string().c_str());
  for (const auto& [name, m] : t["metrics"].items())
    if (m["last_epoch_only"].get<bool>())
      std::printf("  %-14s %10zu values, %10zu missing, at the last epoch only\n", name.c_str(),
                  t["training_runs"].get<std::size_t>(),
                  m["missing_at_last_epoch"].get<std::size_t>());
    else
      std::printf("  %-14s %10zu values, %10zu missing, %8zu of them at the last epoch\n",
                  name.c_str(), m["values"].get<std::size_t>(), m["missing"].get<std::size_t>(),
                  m["missing_at_last_epoch"].get<std::size_t>());
  std::printf("  costs: %s\n", t["costs"].dump().c_str());
}

int cmd_info(const std::vector<std::string>& args) {
  std::string file = cli::default_benchmark_path();
  bool json = false;
  po::options_description desc("nas-bench info options");
  desc.add_options()("help,h", "show this help")("file", po::value(&file), "benchmark file")(
      "json", po::bool_switch(&json), "print one JSON document");
  const auto parsed = parse(desc, args, /*file_positional=*/true);
  if (!parsed) return 0;
  const auto b = bench::Benchmark::open(file);
  const auto j = bench::describe(b);
  if (json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  if (b.num_archs() < b.space().size())
    std::printf("%s\nspace %s: %zu architectures; the benchmark lists %zu of them (%zu "
                "isomorphism classes)\n",
                file.c_str(), j["space"].get<std::string>().c_str(), b.space().size(),
                b.num_archs(), j["classes"].get<std::size_t>());
  else
    std::printf("%s\nspace %s: %zu architectures, %zu isomorphism classes\n", file.c_str(),
                j["space"].get<std::string>().c_str(), j["architectures"].get<std::size_t>(),
                j["classes"].get<std::size_t>());
  for (std::size_t k = 0; k < b.tables().size(); ++k)
    print_table_info(j["tables"][k], b.coverage(b.tables()[k]));
  return 0;
}

// The value of a JSON number for text: "missing" where it is null.
std::string text_of(const nlohmann::json& v) {
  return json_number(v.is_null() ? NAN : v.get<double>());
}

// describe_results() as text: the final values, the costs and the recorded curves.
void print_results(const nlohmann::json& j) {
  std::printf("index %zu  %s\nclass %s\n%s @ %s (%d epochs), seed %s\n",
              j["index"].get<std::size_t>(), j["arch"].get<std::string>().c_str(),
              j["class"].get<std::string>().c_str(),
              j["dataset"].get<std::string>().c_str(), j["schedule"].get<std::string>().c_str(),
              j["epochs"].get<int>(), j["seed"].dump().c_str());
  std::vector<const char*> metrics;
  for (auto m : bench::all_metrics())
    if (j["final"].contains(bench::metric_name(m))) metrics.push_back(bench::metric_name(m));
  std::printf("final (epoch %d):\n", j["epochs"].get<int>());
  for (const char* m : metrics) std::printf("  %-14s %s\n", m, text_of(j["final"][m]).c_str());
  std::printf("costs:\n");
  for (auto c : bench::all_costs())
    std::printf("  %-20s %s\n", bench::cost_name(c),
                text_of(j["costs"][bench::cost_name(c)]).c_str());
  const auto& epochs = j["recorded_epochs"];
  if (epochs.size() <= 1) return;
  std::printf("curves (epoch:");
  for (const char* m : metrics) std::printf(" %s", m);
  std::printf("):\n");
  for (std::size_t k = 0; k < epochs.size(); ++k) {
    std::printf("  %4d", epochs[k].get<int>());
    for (const char* m : metrics) std::printf(" %s", text_of(j["curves"][m][k]).c_str());
    std::printf("\n");
  }
}

struct QueryOptions {
  std::string file = cli::default_benchmark_path(), arch, dataset, schedule, policy_text;
  long long index = -1;
  std::int64_t seed = 0;
  bool json = false;
};

// The options, checked, or nothing when --help was given (and printed).
std::optional<po::variables_map> parse_query(const std::vector<std::string>& args,
                                             QueryOptions& q) {
  po::options_description desc("nas-bench query options");
  desc.add_options()("help,h", "show this help")("file", po::value(&q.file), "benchmark file")(
      "arch", po::value(&q.arch), "architecture string")(
      "index", po::value(&q.index), "architecture index in the benchmark")(
      "dataset", po::value(&q.dataset), "dataset (default: the benchmark's only one)")(
      "schedule", po::value(&q.schedule), "training schedule (default: the dataset's longest)")(
      "seed", po::value(&q.seed), "one training seed")(
      "seed-policy", po::value(&q.policy_text), "mean: average over the seeds present")(
      "json", po::bool_switch(&q.json), "print one JSON document");
  auto vm = parse(desc, args, /*file_positional=*/true);
  if (!vm) return vm;
  if (vm->count("dataset") && q.dataset.empty())
    throw cli::UsageError("query needs --dataset to name a dataset, not an empty one");
  if (q.arch.empty() == (q.index < 0 && !vm->count("index")))
    throw cli::UsageError("query needs exactly one of --arch STRING or --index N");
  if (vm->count("seed") && vm->count("seed-policy"))
    throw cli::UsageError("give --seed or --seed-policy, not both");
  if (vm->count("seed-policy") && q.policy_text != "mean")
    throw cli::UsageError("--seed-policy must be 'mean' (or give --seed S), got '" +
                          q.policy_text + "'");
  return vm;
}

// The benchmark index that --arch or --index names.
std::size_t queried_index(const bench::Benchmark& b, const QueryOptions& q) {
  if (!q.arch.empty()) return b.index_of(b.space().parse(q.arch));
  if (q.index < 0 || static_cast<std::size_t>(q.index) >= b.num_archs())
    throw cli::UsageError("--index " + std::to_string(q.index) + " is out of range (expected 0.." +
                          std::to_string(b.num_archs() - 1) + ")");
  return static_cast<std::size_t>(q.index);
}

int cmd_query(const std::vector<std::string>& args) {
  QueryOptions q;
  const auto vm = parse_query(args, q);
  if (!vm) return 0;
  const auto b = bench::Benchmark::open(q.file);
  if (q.dataset.empty())
    q.dataset = cli::usage_error_on<std::invalid_argument>(
        [&] { return evaluators::only_dataset(b); });
  const std::size_t i = queried_index(b, q);
  const auto& t = b.table(q.dataset, q.schedule);
  const bench::SeedChoice choice = vm->count("seed") ? bench::SeedChoice{t.slot_of_seed(q.seed)}
                                                     : bench::SeedChoice{};
  const auto j = bench::describe_results(b, t, i, choice);
  if (q.json)
    std::cout << j.dump(2) << "\n";
  else
    print_results(j);
  return 0;
}

int run(int argc, char** argv) {
  const std::vector<std::string> args(argv + std::min(argc, 2), argv + argc);
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "import") return cmd_import(args);
  if (command == "info") return cmd_info(args);
  if (command == "tabulate") return cmd_tabulate(args);
  if (command == "query") return cmd_query(args);
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  throw cli::UsageError(command.empty() ? std::string("no command given\n") + kUsage
                                        : "unknown command '" + command +
                                              "' (expected import, tabulate, info or query)");
}

}  // namespace

int main(int argc, char** argv) {
  return cli::guarded_main("nas-bench", [&] { return run(argc, argv); });
}
