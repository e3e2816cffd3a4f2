// Registration of search spaces by name: a new space is one file holding one
// `const Registration<search_space_registry> kRegistration{"name", "description", factory};`.
#pragma once

#include <functional>

#include "common/registry.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::spaces {

using SearchSpaceFactory = std::function<SearchSpacePtr()>;

inline Registry<SearchSpaceFactory>& search_space_registry() {
  return Registry<SearchSpaceFactory>::instance("search space");
}

}  // namespace nasrun::spaces
