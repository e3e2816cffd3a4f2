// Learning-curve sources by name ("tabular", "live"), each built from the same options record.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "bench/benchmark.hpp"
#include "common/registry.hpp"
#include "evaluators/learning_curve.hpp"

namespace nasrun::evaluators {

struct SourceOptions {
  spaces::SearchSpacePtr space;
  std::string dataset;
  // The schedule an estimator needs ("" = the default one; "12" for val-hp12).
  std::string schedule;
  // Tabular sources: the benchmark; others may ignore it.
  std::shared_ptr<const bench::Benchmark> benchmark;
  bench::SeedPolicy data_seeds = bench::SeedPolicy::random();
  bench::SeedPolicy truth_seeds = bench::SeedPolicy::mean();
  // Source-specific settings (`--source-option key=value`); a source rejects keys it does not
  // know, naming the ones it does.
  nlohmann::json extra = nlohmann::json::object();
};

using CurveSourceFactory =
    std::function<std::shared_ptr<LearningCurveSource>(const SourceOptions&)>;

inline Registry<CurveSourceFactory>& curve_source_registry() {
  return Registry<CurveSourceFactory>::instance("curve source");
}


std::shared_ptr<LearningCurveSource> make_curve_source(const std::string& name,
                                                       const SourceOptions& options);

}  // namespace nasrun::evaluators
