#include "spaces/search_space.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "common/random.hpp"

namespace nasrun::spaces {

std::uint64_t SearchSpace::size() const {
  constexpr std::uint64_t kMaxChoices = std::uint64_t{1} << 32;  // Choices holds 32 bits
  std::uint64_t n = 1;
  for (std::size_t d = 0; d < num_dimensions(); ++d) {
    const std::uint64_t k = num_choices(d);
    if (k < 1 || k > kMaxChoices)
      throw std::logic_error("dimension " + dimension_name(d) + " of space '" + name() + "' has " +
                             std::to_string(k) + " choices (expected 1..2^32)");
    // The compilers' checked multiplication (GCC, Clang): size() is on every decode's path,
    // and a division per dimension would cost more than the rest of it.
    if (__builtin_mul_overflow(n, k, &n))
      throw std::overflow_error("space '" + name() + "' holds 2^64 architectures or more, "
                                "beyond the 64-bit architecture codes");
  }
  return n;
}

void SearchSpace::require_listable(const std::string& purpose) const {
  if (size() > kMaxListable)
    throw SpaceTooLargeError(purpose + " needs every architecture of space '" + name() +
                             "', which holds " + std::to_string(size()) + ", more than the " +
                             std::to_string(kMaxListable) + " that can be listed");
}

void SearchSpace::check(ArchCode code) const {
  if (code >= size())
    throw std::out_of_range("architecture code " + std::to_string(code) + " is outside space '" +
                            name() + "' (expected 0.." + std::to_string(size() - 1) + ")");
}

Choices SearchSpace::decode(ArchCode code) const {
  check(code);
  Choices choices(num_dimensions());
  for (std::size_t d = 0; d < choices.size(); ++d) {
    choices[d] = static_cast<std::uint32_t>(code % num_choices(d));
    code /= num_choices(d);
  }
  return choices;
}

ArchCode SearchSpace::encode(const Choices& choices) const {
  if (choices.size() != num_dimensions())
    throw std::invalid_argument("space '" + name() + "' expects " +
                                std::to_string(num_dimensions()) + " choices, got " +
                                std::to_string(choices.size()));
  ArchCode code = 0;
  for (std::size_t d = choices.size(); d-- > 0;) {
    if (choices[d] >= num_choices(d))
      throw std::invalid_argument("choice " + std::to_string(choices[d]) + " of dimension " +
                                  dimension_name(d) + " is out of range (expected < " +
                                  std::to_string(num_choices(d)) + ")");
    code = code * num_choices(d) + choices[d];
  }
  return code;
}

ArchCode SearchSpace::sample(Rng& rng) const { return common::uniform_below(rng, size()); }

ArchCode SearchSpace::mutate(ArchCode code, Rng& rng) const {
  auto choices = decode(code);
  // Only a dimension with an alternative can change; draw among those, then among the other
  // choices, so the mutation always changes the architecture.
  std::size_t open = 0;
  for (std::size_t d = 0; d < choices.size(); ++d) open += num_choices(d) > 1;
  if (open == 0)
    throw std::logic_error("space '" + name() + "' holds one architecture: nothing to mutate");
  auto k = common::uniform_below(rng, open);
  std::size_t dim = 0;
  while (num_choices(dim) < 2 || k-- > 0) ++dim;
  const auto other = common::uniform_below(rng, num_choices(dim) - 1);
  choices[dim] = static_cast<std::uint32_t>(other >= choices[dim] ? other + 1 : other);
  return encode(choices);
}

std::vector<ArchCode> SearchSpace::neighbours(ArchCode code) const {
  const auto choices = decode(code);
  std::vector<ArchCode> out;
  std::uint64_t place = 1;
  for (std::size_t d = 0; d < choices.size(); ++d) {
    const ArchCode base = code - choices[d] * place;
    for (std::size_t c = 0; c < num_choices(d); ++c)
      if (c != choices[d]) out.push_back(base + c * place);
    place *= num_choices(d);
  }
  return out;
}

std::vector<ArchCode> SearchSpace::class_representatives() const {
  require_listable("listing the isomorphism classes");
  std::vector<ArchCode> reps;
  for (ArchCode c = 0; c < size(); ++c)
    if (class_of(c) == c) reps.push_back(c);
  return reps;
}

namespace {

// The choice names of a space in order of first appearance over its dimensions.
std::vector<std::string> choice_names(const SearchSpace& space) {
  std::vector<std::string> names;
  for (std::size_t d = 0; d < space.num_dimensions(); ++d)
    for (std::size_t c = 0; c < space.num_choices(d); ++c) {
      auto name = space.choice_name(d, c);
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  return names;
}

}  // namespace

std::vector<std::string> SearchSpace::feature_names() const {
  std::vector<std::string> out;
  for (const auto& name : choice_names(*this)) out.push_back("count:" + name);
  return out;
}

std::vector<double> SearchSpace::features(ArchCode code) const {
  const auto names = choice_names(*this);
  const auto choices = decode(code);
  std::vector<double> out(names.size(), 0.0);
  for (std::size_t d = 0; d < choices.size(); ++d) {
    const auto name = choice_name(d, choices[d]);
    out[static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin())] += 1;
  }
  return out;
}

}  // namespace nasrun::spaces

#include "spaces/search_space_registry.hpp"

namespace nasrun::spaces {

SearchSpacePtr make_search_space(const std::string& name) {
  // Spaces are immutable and some precompute tables, so one instance per name is shared.
  static std::map<std::string, SearchSpacePtr> cache;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[name];
  if (!slot) slot = search_space_registry().at(name).factory();
  return slot;
}

std::vector<std::string> search_space_names() {
  std::vector<std::string> names;
  for (const auto& [n, d] : search_space_registry().list()) names.push_back(n);
  return names;
}

}  // namespace nasrun::spaces
