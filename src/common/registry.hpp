// A registry of named factories, filled by static registration objects in the files that
// define each implementation. Adding an implementation is one file with one line,
//   const Registration<strategy_registry> kRegistration{"name", "what it is", factory};
// naming the registry's accessor (strategy_registry, estimator_registry, curve_source_registry,
// search_space_registry).
#pragma once

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace nasrun {

class UnknownNameError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// "unknown <kind> '<name>' (expected one of: a, b[; hint])": what a registry, or a program that
// offers a part of one, says of a name it does not know.
inline UnknownNameError unknown_name(const std::string& kind, const std::string& name,
                                     const std::vector<std::string>& known,
                                     const std::string& hint = "") {
  std::string list;
  for (const auto& n : known) list += (list.empty() ? "" : ", ") + n;
  return UnknownNameError("unknown " + kind + " '" + name + "' (expected one of: " + list +
                          (hint.empty() ? "" : "; " + hint) + ")");
}

// What a registration records beside the description and the factory, for registries that
// record nothing more.
struct NoTraits {};

template <typename FactoryType, typename TraitsType = NoTraits>
class Registry {
 public:
  using Factory = FactoryType;
  using Traits = TraitsType;
  struct Entry {
    std::string description;
    Factory factory;
    Traits traits;
  };

  // `kind` names what is registered ("strategy", "estimator") in error messages.
  static Registry& instance(const char* kind) {
    static Registry registry(kind);
    return registry;
  }

  void add(const std::string& name, std::string description, Factory factory, Traits traits) {
    Entry entry{std::move(description), std::move(factory), std::move(traits)};
    if (!entries_.emplace(name, std::move(entry)).second)
      throw std::logic_error(kind_ + " '" + name + "' is registered twice");
  }

  const Entry& at(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) throw unknown_name(kind_, name, names());
    return it->second;
  }

  bool contains(const std::string& name) const { return entries_.count(name) != 0; }

  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& [n, e] : entries_) out.push_back(n);
    return out;
  }

  std::vector<std::pair<std::string, std::string>> list() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [n, e] : entries_) out.emplace_back(n, e.description);
    return out;
  }

 private:
  explicit Registry(const char* kind) : kind_(kind) {}
  std::string kind_;
  std::map<std::string, Entry> entries_;
};

// Registers an implementation in the registry that `registry()` returns, when the static
// object is constructed (before main).
template <auto registry>
struct Registration {
  using RegistryType = std::remove_reference_t<decltype(registry())>;
  Registration(const std::string& name, std::string description,
               typename RegistryType::Factory factory,
               typename RegistryType::Traits traits = {}) {
    registry().add(name, std::move(description), std::move(factory), std::move(traits));
  }
};

}  // namespace nasrun
