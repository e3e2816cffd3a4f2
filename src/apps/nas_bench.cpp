// nas-bench: import, inspect and query tabular NAS benchmarks.
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <set>

#include "apps/cli_common.hpp"
#include "bench/benchmark.hpp"
#include "bench/earlier_output.hpp"
#include "bench/nats_importer.hpp"
#include "bench/nb201_csv.hpp"
#include "common/file_io.hpp"
#include "common/numbers.hpp"
#include "evaluators/tabular_source.hpp"
#include "tabulate/tabulation.hpp"

namespace po = boost::program_options;
using namespace nasrun;

namespace {

const char* kUsage =
    "nas-bench: import, inspect and query tabular NAS benchmarks.\n\n"
    "Usage:\n"
    "  nas-bench import (--nats-dir DIR | --nb201-csv FILE [FILE ...]) --out FILE\n"
    "  nas-bench tabulate --out FILE [--source live] [--dataset D] [--source-option k=v ...]\n"
    "                     [--archs classes|all|sample:N|LIST] [--seeds 0] [--extra-seeds 1,2]\n"
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

nlohmann::json number_or_null(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
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
      "folder of an official NATS-Bench topology archive (NATS-tss-v1_0-3ffb9-simple)")(
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
    auto builder = bench::import_nats_archive(nats_dir, &report);
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
    bench::import_nb201_csv(csv).write(out);
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

int cmd_tabulate(const std::vector<std::string>& args) {
  experiment::TabulationConfig config;
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
      "workers", po::value(&config.workers)->default_value(0), "parallel trainings (0 = one per core)")(
      "time-limit", po::value(&time_limit),
      "start no training after this long (e.g. 2h); the file then holds what is done, and a "
      "rerun continues")(
      "force", po::bool_switch(&config.force),
      "replace an existing --out that has no journal beside it (not a tabulation to resume)");
  const auto parsed = parse(desc, args);
  if (!parsed) return 0;
  if (config.out.empty()) throw cli::UsageError("tabulate needs --out FILE");
  if (config.workers < 0) throw cli::UsageError("--workers must be 0 (one per core) or more");
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
  const auto r = experiment::tabulate(config, print_progress);
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

nlohmann::json describe(const bench::Benchmark& b) {
  nlohmann::json j;
  std::set<spaces::ArchCode> classes;
  for (std::size_t i = 0; i < b.num_archs(); ++i) classes.insert(b.space().class_of(b.code(i)));
  j["space"] = b.space().name();
  j["space_architectures"] = b.space().size();
  j["architectures"] = b.num_archs();
  j["classes"] = classes.size();
  j["meta"] = b.meta();
  j["tables"] = nlohmann::json::array();
  for (const auto& t : b.tables()) {
    nlohmann::json jt;
    jt["dataset"] = t.dataset();
    jt["schedule"] = t.schedule();
    jt["epochs"] = t.epochs();
    jt["recorded_epochs"] = t.recorded_epochs().size() == static_cast<std::size_t>(t.epochs())
                                ? nlohmann::json("all")
                                : nlohmann::json(t.recorded_epochs());
    jt["seeds"] = t.seeds();
    jt["truth_metric"] = bench::metric_name(t.truth_metric());
    // Cells that share stored results (a tabulated benchmark's isomorphic cells) share their
    // training runs: count each stored result, and its runs, once.
    std::size_t runs = 0, archs_with_data = 0;
    std::set<int> rows;
    std::vector<std::size_t> one_per_row;  // an architecture of each stored result
    std::set<spaces::ArchCode> classes_with_data;
    for (std::size_t a = 0; a < t.num_archs(); ++a) {
      const auto n = static_cast<std::size_t>(t.num_seeds_present(a));
      if (n == 0) continue;
      ++archs_with_data;
      classes_with_data.insert(b.space().class_of(b.code(a)));
      if (rows.insert(t.row_of(a)).second) {
        runs += n;
        one_per_row.push_back(a);
      }
    }
    jt["architectures_with_results"] = archs_with_data;
    jt["complete"] = !b.coverage(t).partial();
    jt["classes_with_results"] = classes_with_data.size();
    jt["stored_results"] = one_per_row.size();
    jt["training_runs"] = runs;
    nlohmann::json metrics = nlohmann::json::object();
    const auto cols = t.recorded_epochs().size();
    for (auto m : bench::all_metrics()) {
      if (!t.has_metric(m)) continue;
      std::size_t missing = 0, missing_last = 0;
      for (const auto a : one_per_row) {
        for (std::size_t s = 0; s < t.seeds().size(); ++s) {
          if (!t.seed_present(a, static_cast<int>(s))) continue;
          const float* v = t.series(m, a, static_cast<int>(s));
          for (std::size_t c = 0; c < cols; ++c) missing += std::isnan(v[c]);
          missing_last += std::isnan(v[cols - 1]);
        }
      }
      // Test metrics are often recorded at the last epoch only: "missing at the last epoch"
      // says whether they are complete.
      const bool last_epoch_only = runs > 0 && cols > 1 && missing - missing_last == runs * (cols - 1);
      metrics[bench::metric_name(m)] = {{"values", runs * cols},
                                        {"missing", missing},
                                        {"missing_at_last_epoch", missing_last},
                                        {"last_epoch_only", last_epoch_only}};
    }
    jt["metrics"] = metrics;
    nlohmann::json costs = nlohmann::json::array();
    for (auto c : bench::all_costs())
      if (!std::isnan(t.cost(c, 0)) || [&] {
            for (std::size_t a = 0; a < t.num_archs(); ++a)
              if (!std::isnan(t.cost(c, a))) return true;
            return false;
          }())
        costs.push_back(bench::cost_name(c));
    jt["costs"] = costs;
    j["tables"].push_back(jt);
  }
  return j;
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
  const auto j = describe(b);
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
  for (std::size_t k = 0; k < b.tables().size(); ++k) {
    const auto& t = j["tables"][k];
    std::printf("\n%s @ schedule %s (%d epochs; recorded: %s)\n",
                t["dataset"].get<std::string>().c_str(), t["schedule"].get<std::string>().c_str(),
                t["epochs"].get<int>(), t["recorded_epochs"].dump().c_str());
    std::printf("  seeds %s, truth %s\n  results for %zu architectures (%zu isomorphism classes): "
                "%zu stored results from %zu training runs\n",
                t["seeds"].dump().c_str(), t["truth_metric"].get<std::string>().c_str(),
                t["architectures_with_results"].get<std::size_t>(),
                t["classes_with_results"].get<std::size_t>(),
                t["stored_results"].get<std::size_t>(), t["training_runs"].get<std::size_t>());
    if (const auto coverage = b.coverage(b.tables()[k]); coverage.partial())
      std::printf("  partial: %s\n", coverage.to_string().c_str());
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
  return 0;
}

int cmd_query(const std::vector<std::string>& args) {
  std::string file = cli::default_benchmark_path(), arch, dataset, schedule, policy_text;
  long long index = -1;
  std::int64_t seed = 0;
  bool json = false;
  po::options_description desc("nas-bench query options");
  desc.add_options()("help,h", "show this help")("file", po::value(&file), "benchmark file")(
      "arch", po::value(&arch), "architecture string")(
      "index", po::value(&index), "architecture index in the benchmark")(
      "dataset", po::value(&dataset), "dataset (default: the benchmark's only one)")(
      "schedule", po::value(&schedule), "training schedule (default: the dataset's longest)")(
      "seed", po::value(&seed), "one training seed")(
      "seed-policy", po::value(&policy_text), "mean: average over the seeds present")(
      "json", po::bool_switch(&json), "print one JSON document");
  const auto parsed = parse(desc, args, /*file_positional=*/true);
  if (!parsed) return 0;
  const auto& vm = *parsed;
  if (vm.count("dataset") && dataset.empty())
    throw cli::UsageError("query needs --dataset to name a dataset, not an empty one");
  if (arch.empty() == (index < 0 && !vm.count("index")))
    throw cli::UsageError("query needs exactly one of --arch STRING or --index N");
  if (vm.count("seed") && vm.count("seed-policy"))
    throw cli::UsageError("give --seed or --seed-policy, not both");
  if (vm.count("seed-policy") && policy_text != "mean")
    throw cli::UsageError("--seed-policy must be 'mean' (or give --seed S), got '" + policy_text + "'");
  const auto b = bench::Benchmark::open(file);
  if (dataset.empty())
    dataset = cli::usage_error_on<std::invalid_argument>([&] { return evaluators::only_dataset(b); });
  std::size_t i;
  if (!arch.empty()) {
    i = b.index_of(b.space().parse(arch));
  } else {
    if (index < 0 || static_cast<std::size_t>(index) >= b.num_archs())
      throw cli::UsageError("--index " + std::to_string(index) + " is out of range (expected 0.." +
                            std::to_string(b.num_archs() - 1) + ")");
    i = static_cast<std::size_t>(index);
  }
  const auto& t = b.table(dataset, schedule);
  const bench::SeedChoice choice = vm.count("seed") ? bench::SeedChoice{t.slot_of_seed(seed)}
                                                    : bench::SeedChoice{};
  if (choice.slot != bench::SeedChoice::kMean && !t.seed_present(i, choice.slot))
    throw bench::MissingDataError("table " + t.dataset() + "@" + t.schedule() + " has no run of seed " +
                                  std::to_string(seed) + " for index " + std::to_string(i));
  if (t.num_seeds_present(i) == 0)
    throw bench::MissingDataError("table " + t.dataset() + "@" + t.schedule() +
                                  " has no results for index " + std::to_string(i));
  nlohmann::json j;
  j["index"] = i;
  j["arch"] = b.space().to_string(b.code(i));
  j["class"] = b.space().to_string(b.space().class_of(b.code(i)));
  j["dataset"] = t.dataset();
  j["schedule"] = t.schedule();
  j["epochs"] = t.epochs();
  j["seed"] = vm.count("seed") ? nlohmann::json(seed) : nlohmann::json("mean");
  nlohmann::json final_metrics = nlohmann::json::object(), curves = nlohmann::json::object();
  for (auto m : bench::all_metrics()) {
    if (!t.has_metric(m)) continue;
    final_metrics[bench::metric_name(m)] = number_or_null(t.value(m, i, choice, t.epochs()));
    nlohmann::json c = nlohmann::json::array();
    for (int e : t.recorded_epochs()) c.push_back(number_or_null(t.value(m, i, choice, e)));
    curves[bench::metric_name(m)] = c;
  }
  j["final"] = final_metrics;
  j["recorded_epochs"] = t.recorded_epochs();
  j["curves"] = curves;
  nlohmann::json costs = nlohmann::json::object();
  for (auto c : bench::all_costs()) costs[bench::cost_name(c)] = number_or_null(t.cost(c, i));
  j["costs"] = costs;
  if (json) {
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  std::printf("index %zu  %s\nclass %s\n%s @ %s (%d epochs), seed %s\n", i,
              j["arch"].get<std::string>().c_str(), j["class"].get<std::string>().c_str(),
              t.dataset().c_str(), t.schedule().c_str(), t.epochs(), j["seed"].dump().c_str());
  std::printf("final (epoch %d):\n", t.epochs());
  for (auto m : bench::all_metrics())
    if (t.has_metric(m))
      std::printf("  %-14s %s\n", bench::metric_name(m),
                  json_number(t.value(m, i, choice, t.epochs())).c_str());
  std::printf("costs:\n");
  for (auto c : bench::all_costs())
    std::printf("  %-20s %s\n", bench::cost_name(c), json_number(t.cost(c, i)).c_str());
  if (t.recorded_epochs().size() > 1) {
    std::printf("curves (epoch:");
    for (auto m : bench::all_metrics())
      if (t.has_metric(m)) std::printf(" %s", bench::metric_name(m));
    std::printf("):\n");
    for (int e : t.recorded_epochs()) {
      std::printf("  %4d", e);
      for (auto m : bench::all_metrics())
        if (t.has_metric(m)) std::printf(" %s", json_number(t.value(m, i, choice, e)).c_str());
      std::printf("\n");
    }
  }
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
