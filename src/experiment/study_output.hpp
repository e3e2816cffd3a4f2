// A study's output folder: config.json, traces/<strategy>__<evaluator>__run<NNN>.csv,
// summary.json, results.csv (the end-of-budget table) and the figure. Every file is written atomically, and each trace as soon as its
// run finishes, so a study that is killed resumes from the runs already on disk.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "experiment/study.hpp"
#include "experiment/summary.hpp"

namespace nasrun::experiment {

class StudyOutput {
 public:
  // Creates the folder. If it already holds a study, its config.json must equal `config`
  // (else std::runtime_error saying what differs); its finished runs are then reused.
  StudyOutput(std::string dir, const nlohmann::json& config, const spaces::SearchSpace& space);

  const std::string& dir() const { return dir_; }
  std::string trace_path(const std::string& strategy, const std::string& evaluator, int run) const;
  void write_trace(const RunResult& result) const;
  // The run's result if a complete trace of it is on disk.
  std::optional<RunResult> load(const std::string& strategy, const std::string& evaluator,
                                int run) const;
  // summary.json (with `extra` merged in) and results.csv.
  void write_summary(const StudySummary& summary, const nlohmann::json& extra) const;

 private:
  std::string dir_;
  const spaces::SearchSpace& space_;
  nlohmann::json config_;
};

std::string trace_csv(const Trace& trace, const spaces::SearchSpace& space, std::uint64_t seed);
// Throws std::runtime_error naming `what` and the line.
Trace parse_trace_csv(const std::string& text, const spaces::SearchSpace& space,
                      const std::string& what);

}  // namespace nasrun::experiment
