#include "evaluators/curve_source.hpp"

namespace nasrun::evaluators {

std::shared_ptr<LearningCurveSource> make_curve_source(const std::string& name,
                                                       const SourceOptions& options) {
  return curve_source_registry().at(name).factory(options);
}

}  // namespace nasrun::evaluators
