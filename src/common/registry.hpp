// A registry of named factories, filled by static registration objects in the files that
// define each implementation. Adding an implementation is one file with one
// `static const Registration<...> reg{"name", "what it is", factory};` line.
#pragma once

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace nasrun {

class UnknownNameError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

template <typename Factory>
class Registry {
 public:
  struct Entry {
    std::string description;
    Factory factory;
  };

  // `kind` names what is registered ("strategy", "evaluator") in error messages.
  static Registry& instance(const char* kind) {
    static Registry registry(kind);
    return registry;
  }

  void add(const std::string& name, std::string description, Factory factory) {
    if (!entries_.emplace(name, Entry{std::move(description), std::move(factory)}).second)
      throw std::logic_error(kind_ + " '" + name + "' is registered twice");
  }

  const Entry& at(const std::string& name) const {
    auto it = entries_.find(name);
    if (it == entries_.end()) {
      std::string known;
      for (const auto& [n, e] : entries_) known += (known.empty() ? "" : ", ") + n;
      throw UnknownNameError("unknown " + kind_ + " '" + name + "' (expected one of: " + known +
                             ")");
    }
    return it->second;
  }

  bool contains(const std::string& name) const { return entries_.count(name) != 0; }

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

}  // namespace nasrun
