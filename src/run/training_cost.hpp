// What one full training costs on a benchmark: the unit of budgets given as "150x".
#pragma once

#include "evaluators/evaluator.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::experiment {

// The median, over every architecture of `space`, of the simulated seconds `full` charges for
// one evaluation. `full` should train the whole schedule (val-final); the median rather than
// the mean, so that a few very slow cells do not set the scale. Reads seeds from its own fixed
// generator, so the result is the same on every call. Evaluates every architecture of the space
// (a full table): throws spaces::SpaceTooLargeError, before evaluating any, for a space too
// large to list, and bench::MissingDataError where the source lacks an architecture's times.
double median_evaluation_cost(evaluators::Evaluator& full, const spaces::SearchSpace& space);

}  // namespace nasrun::experiment
