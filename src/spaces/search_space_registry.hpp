// Registration of search spaces by name: a new space is one file holding one
// `const SearchSpaceRegistration kRegistration{"name", "description", factory};`.
#pragma once

#include <functional>

#include "common/registry.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::spaces {

using SearchSpaceFactory = std::function<SearchSpacePtr()>;

inline Registry<SearchSpaceFactory>& search_space_registry() {
  return Registry<SearchSpaceFactory>::instance("search space");
}

struct SearchSpaceRegistration {
  SearchSpaceRegistration(const std::string& name, std::string description,
                          SearchSpaceFactory factory) {
    search_space_registry().add(name, std::move(description), std::move(factory));
  }
};

}  // namespace nasrun::spaces
