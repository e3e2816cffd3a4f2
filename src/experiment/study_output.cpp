#include "experiment/study_output.hpp"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "bench/file_io.hpp"

namespace nasrun::experiment {

namespace fs = std::filesystem;

namespace {
constexpr const char* kTraceHeader =
    "evaluation,time_s,arch,score,cost_s,epochs,diverged,test_error,incumbent,"
    "incumbent_test_error,best_test_error";
constexpr const char* kCompleteMarker = "# complete";

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

std::string trace_csv(const Trace& trace, const spaces::SearchSpace& space, std::uint64_t seed) {
  std::string out = "# run seed " + std::to_string(seed) + ", cut off " +
                    std::to_string(trace.cut_off) + "\n" + kTraceHeader + "\n";
  for (const auto& r : trace.rows) {
    out += std::to_string(r.evaluation) + "," + fmt(r.time_s) + "," + space.to_string(r.arch) +
           "," + fmt(r.score) + "," + fmt(r.cost_s) + "," + std::to_string(r.epochs) + "," +
           (r.diverged ? "1" : "0") + "," + fmt(r.test_error) + "," +
           space.to_string(r.incumbent) + "," + fmt(r.incumbent_test_error) + "," +
           fmt(r.best_test_error) + "\n";
  }
  return out + kCompleteMarker + "\n";
}

Trace parse_trace_csv(const std::string& text, const spaces::SearchSpace& space,
                      const std::string& what) {
  Trace t;
  std::istringstream in(text);
  std::string line;
  std::size_t n = 0;
  bool complete = false;
  auto fail = [&](const std::string& msg) {
    throw std::runtime_error(what + ":" + std::to_string(n) + ": " + msg);
  };
  while (std::getline(in, line)) {
    ++n;
    if (line == kCompleteMarker) {
      complete = true;
      continue;
    }
    if (line.rfind("# run seed", 0) == 0) {
      const auto pos = line.find("cut off ");
      if (pos != std::string::npos) t.cut_off = std::stoull(line.substr(pos + 8));
      continue;
    }
    if (line == kTraceHeader || line.empty()) continue;
    std::vector<std::string> f;
    std::stringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) f.push_back(cell);
    if (f.size() != 11) fail("expected 11 fields, found " + std::to_string(f.size()));
    TraceRow r;
    try {
      r.evaluation = std::stoull(f[0]);
      r.time_s = std::stod(f[1]);
      r.arch = space.parse(f[2]);
      r.score = std::stod(f[3]);
      r.cost_s = std::stod(f[4]);
      r.epochs = std::stoi(f[5]);
      r.diverged = f[6] == "1";
      r.test_error = std::stod(f[7]);
      r.incumbent = space.parse(f[8]);
      r.incumbent_test_error = std::stod(f[9]);
      r.best_test_error = std::stod(f[10]);
    } catch (const std::exception& e) {
      fail(std::string("malformed trace row: ") + e.what());
    }
    t.rows.push_back(r);
  }
  if (!complete) fail("the trace is incomplete (no '# complete' line)");
  return t;
}

StudyOutput::StudyOutput(std::string dir, const nlohmann::json& config,
                         const spaces::SearchSpace& space)
    : dir_(std::move(dir)), space_(space), config_(config) {
  fs::create_directories(fs::path(dir_) / "traces");
  const auto path = (fs::path(dir_) / "config.json").string();
  if (fs::exists(path)) {
    nlohmann::json old;
    try {
      old = nlohmann::json::parse(bench::read_file(path));
    } catch (const std::exception& e) {
      throw std::runtime_error(path + " is not valid JSON: " + e.what());
    }
    if (old != config_) {
      std::string diff;
      for (const auto& d : nlohmann::json::diff(old, config_))
        diff += (diff.empty() ? "" : ", ") + d.value("path", std::string("?"));
      throw std::runtime_error("output folder '" + dir_ +
                               "' holds a study with another configuration (differs at " + diff +
                               "); choose another --out or remove the folder");
    }
  } else {
    bench::write_file_atomically(path, config_.dump(2) + "\n");
  }
}

std::string StudyOutput::trace_path(const std::string& strategy, const std::string& evaluator,
                                    int run) const {
  char name[32];
  std::snprintf(name, sizeof name, "__run%03d.csv", run);
  return (fs::path(dir_) / "traces" / (strategy + "__" + evaluator + name)).string();
}

void StudyOutput::write_trace(const RunResult& r) const {
  bench::write_file_atomically(trace_path(r.strategy, r.evaluator, r.run),
                               trace_csv(r.trace, space_, r.seed));
}

std::optional<RunResult> StudyOutput::load(const std::string& strategy,
                                           const std::string& evaluator, int run) const {
  const auto path = trace_path(strategy, evaluator, run);
  if (!fs::exists(path)) return std::nullopt;
  RunResult r;
  r.strategy = strategy;
  r.evaluator = evaluator;
  r.run = run;
  r.seed = run_seed(config_.at("base_seed").get<std::uint64_t>(), run);
  r.trace = parse_trace_csv(bench::read_file(path), space_, path);
  return r;
}

void StudyOutput::write_summary(const StudySummary& summary, const nlohmann::json& extra) const {
  auto j = summary.to_json();
  j.update(extra);
  bench::write_file_atomically((fs::path(dir_) / "summary.json").string(), j.dump(2) + "\n");
  // The end-of-budget table as CSV: deterministic for a configuration (no wall times), so a
  // rerun reproduces it byte for byte. Every column has its own name: readers look them up by
  // name, and two columns called "se" once had the best-seen error's read as the incumbent's.
  std::string csv =
      "strategy,evaluator,runs,evaluations_per_run,final_incumbent_test_error,"
      "final_incumbent_test_error_se,final_best_test_error,final_best_test_error_se\n";
  auto num = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", v);
    return std::string(buf);
  };
  for (const auto& c : summary.combos)
    csv += c.strategy + "," + c.evaluator + "," + std::to_string(c.runs) + "," +
           num(c.evaluations.mean) + "," + num(c.final_incumbent_test_error.mean) + "," +
           num(c.final_incumbent_test_error.se) + "," + num(c.final_best_test_error.mean) + "," +
           num(c.final_best_test_error.se) + "\n";
  bench::write_file_atomically((fs::path(dir_) / "results.csv").string(), csv);
}

}  // namespace nasrun::experiment
