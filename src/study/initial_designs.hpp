// Initial designs per run from a file, e.g. the paper's (../shared/data/tse-init): a TSV with
// a header `seed<TAB>position<TAB>arch`, one architecture per line. Run i uses the lines of seed i
// in the order of their positions.
#pragma once

#include <string>
#include <vector>

#include "spaces/search_space.hpp"

namespace nasrun::experiment {

// Throws std::runtime_error naming the file and line of the first problem.
std::vector<std::vector<spaces::ArchCode>> read_initial_designs(const std::string& path,
                                                               const spaces::SearchSpace& space);

}  // namespace nasrun::experiment
