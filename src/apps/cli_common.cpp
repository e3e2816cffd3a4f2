#include "apps/cli_common.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/program_options/errors.hpp>
#include <cstdlib>
#include <iostream>

namespace nasrun::cli {

int guarded_main(const char* program, const std::function<int()>& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    std::cerr << program << ": error: " << e.what() << "\n(see " << program << " --help)\n";
    return 2;
  } catch (const boost::program_options::error& e) {
    std::cerr << program << ": error: " << e.what() << "\n(see " << program << " --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << program << ": error: " << e.what() << "\n";
    return 1;
  }
}

std::vector<std::string> split_list(const std::string& text, const std::string& option) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    out.push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (out.back().empty())
      throw UsageError("--" + option + " '" + text + "' has an empty item (expected a comma list)");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::vector<std::int64_t> parse_integer_list(const std::string& text, const std::string& option,
                                             std::int64_t min) {
  std::vector<std::int64_t> out;
  for (const auto& item : split_list(text, option)) {
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || v < min)
      throw UsageError("--" + option + " '" + text + "': '" + item + "' is not an integer >= " +
                       std::to_string(min));
    out.push_back(v);
  }
  return out;
}

nlohmann::json parse_source_options(const std::vector<std::string>& items) {
  nlohmann::json extra = nlohmann::json::object();
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("--source-option '" + item + "' is not of the form key=value");
    extra[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return extra;
}

std::shared_ptr<bench::Benchmark> open_benchmark(bool given, const std::string& path) {
  std::string file = path;
  if (!given) {
    file = default_benchmark_path();
    if (::access(file.c_str(), R_OK) != 0)
      throw std::runtime_error("the embedded benchmark " + file +
                               " is missing; pass --benchmark FILE (make one with nas-bench "
                               "import or nas-bench tabulate)");
  }
  auto benchmark = std::make_shared<bench::Benchmark>(bench::Benchmark::open(file));
  // A tabulation stopped by its time limit writes what it has; searching it would stop at the
  // first architecture it lacks.
  if (!given && benchmark->meta().value("complete", true) == false)
    throw std::runtime_error("the embedded benchmark " + file + " is incomplete (" +
                             benchmark->meta().value("trainings", nlohmann::json(0)).dump() +
                             " of " +
                             benchmark->meta().value("trainings_planned", nlohmann::json(0)).dump() +
                             " trainings); rerun its tabulation (docs/embedded-benchmark.md) "
                             "or pass --benchmark FILE");
  return benchmark;
}

std::string only_dataset(const bench::Benchmark& benchmark) {
  std::vector<std::string> datasets;
  for (const auto& t : benchmark.tables())
    if (std::find(datasets.begin(), datasets.end(), t.dataset()) == datasets.end())
      datasets.push_back(t.dataset());
  if (datasets.size() == 1) return datasets.front();
  if (datasets.empty())
    throw UsageError("the benchmark has no tables, so no dataset to choose: it holds no results "
                     "(make one with nas-bench import or nas-bench tabulate)");
  std::string all;
  for (const auto& d : datasets) all += (all.empty() ? "" : ", ") + d;
  throw UsageError("the benchmark has several datasets; choose one with --dataset (" + all + ")");
}

std::string default_benchmark_path() {
  const char* dir = std::getenv("NASRUN_DATA_DIR");
  return std::string(dir ? dir : NASRUN_DEFAULT_DATA_DIR) + "/fashion-mnist-nb201.nasbench";
}

}  // namespace nasrun::cli
