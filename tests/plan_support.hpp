// What plan_study refuses, for the tests of nas-run's options.
#pragma once

#include <string>

#include "study/plan.hpp"

namespace nasrun::testing {

// The message of the PlanError that planning `o` throws, "other exception: ..." for any other
// exception (a refusal must be a PlanError, which the programs print as a usage error), or
// "no error".
inline std::string plan_error(const experiment::StudyOptions& o) {
  try {
    experiment::plan_study(o);
  } catch (const experiment::PlanError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("other exception: ") + e.what();
  }
  return "no error";
}

}  // namespace nasrun::testing
