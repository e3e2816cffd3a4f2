#include "spaces/nb201.hpp"

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/topological_sort.hpp>
#include <unordered_map>

#include "spaces/search_space_registry.hpp"

namespace nasrun::spaces {

namespace {

const Registration<search_space_registry> kRegistration{
    "nb201", "NAS-Bench-201 cell: 6 edges x 5 operations, 15,625 cells, 6,466 classes",
    [] { return std::make_shared<Nb201Space>(); }};

constexpr const char* kZero = "#";

std::string edge_name(std::size_t edge) {
  return "edge " + std::to_string(Nb201Space::kEdgeTo.at(edge)) + "<-" +
         std::to_string(Nb201Space::kEdgeFrom.at(edge));
}

}  // namespace

Nb201Space::Nb201Space() = default;

const std::vector<std::uint16_t>& Nb201Space::classes() const {
  std::call_once(classes_computed_, [this] {
    class_of_.resize(size());
    // The smallest code with each expression represents its class; codes ascend, so the first
    // one seen is the smallest.
    std::unordered_map<std::string, std::uint16_t> first_code;
    for (ArchCode c = 0; c < size(); ++c) {
      auto [it, inserted] =
          first_code.emplace(output_expression(decode(c)), static_cast<std::uint16_t>(c));
      class_of_[c] = it->second;
    }
  });
  return class_of_;
}

std::string Nb201Space::dimension_name(std::size_t dim) const { return edge_name(dim); }

std::string Nb201Space::choice_name(std::size_t, std::size_t choice) const {
  return kOpNames.at(choice);
}

std::string Nb201Space::to_string(ArchCode code) const {
  const auto ops = decode(code);
  std::string s;
  // The longest string: six of the longest name with "~N|", the "|" before, and two "+|".
  s.reserve(1 + kEdges * (sizeof "nor_conv_3x3~0|" - 1) + 2 * 2);
  s += '|';
  for (std::size_t d = 0; d < kEdges; ++d) {
    if (d > 0 && kEdgeFrom[d] == 0) s += "+|";
    s += kOpNames[ops[d]];
    s += '~';
    s += static_cast<char>('0' + kEdgeFrom[d]);
    s += '|';
  }
  return s;
}

ArchCode Nb201Space::parse(std::string_view text) const {
  std::size_t pos = 0;
  auto fail = [&](const std::string& expected) -> ArchParseError {
    std::string found = pos < text.size() ? "'" + std::string(text.substr(pos, 12)) + "'"
                                          : std::string("end of text");
    return ArchParseError("invalid NAS-Bench-201 architecture string at character " +
                          std::to_string(pos) + ": expected " + expected + ", found " + found +
                          " (form: |op~0|+|op~0|op~1|+|op~0|op~1|op~2|)");
  };
  auto expect = [&](char c) {
    if (pos >= text.size() || text[pos] != c) throw fail(std::string("'") + c + "'");
    ++pos;
  };
  Choices ops(kEdges);
  expect('|');
  for (std::size_t d = 0; d < kEdges; ++d) {
    if (d > 0 && kEdgeFrom[d] == 0) {
      expect('+');
      expect('|');
    }
    const auto tilde = text.find('~', pos);
    const auto op = text.substr(pos, tilde == std::string_view::npos ? 0 : tilde - pos);
    auto it = std::find(kOpNames.begin(), kOpNames.end(), op);
    if (tilde == std::string_view::npos || it == kOpNames.end())
      throw fail("an operation (none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)");
    ops[d] = static_cast<std::uint32_t>(it - kOpNames.begin());
    pos = tilde + 1;
    expect(static_cast<char>('0' + kEdgeFrom[d]));
    expect('|');
  }
  if (pos != text.size()) throw fail("end of text");
  return encode(ops);
}

ArchCode Nb201Space::class_of(ArchCode code) const {
  check(code);
  return classes()[code];
}

namespace {

// Longest input-to-output path of the cell counted in non-skip operations.
double depth(const Choices& ops) {
  using S = Nb201Space;
  std::array<int, 4> best{0, -1, -1, -1};  // -1: node not reachable from the input
  for (std::size_t e = 0; e < S::kEdges; ++e) {  // edges are in topological order of their target
    const std::string op = S::kOpNames[ops[e]];
    const int from = S::kEdgeFrom[e], to = S::kEdgeTo[e];
    if (op == "none" || best[from] < 0) continue;
    best[to] = std::max(best[to], best[from] + (op == "skip_connect" ? 0 : 1));
  }
  return std::max(best[3], 0);
}

}  // namespace

std::vector<std::string> Nb201Space::feature_names() const {
  auto names = SearchSpace::feature_names();
  names.push_back("depth");
  return names;
}

std::vector<double> Nb201Space::features(ArchCode code) const {
  auto out = SearchSpace::features(code);
  out.push_back(depth(decode(code)));
  return out;
}

std::string Nb201Space::shape_error(const SearchSpace& space) {
  std::string differs;
  if (space.num_dimensions() != kEdges) {
    differs = "has " + std::to_string(space.num_dimensions()) + " dimensions";
  } else {
    for (std::size_t d = 0; d < kEdges && differs.empty(); ++d) {
      if (space.dimension_name(d) != edge_name(d)) {
        differs = "has dimension " + std::to_string(d) + " '" + space.dimension_name(d) + "'";
        continue;
      }
      if (space.num_choices(d) != kOps) {
        differs = "offers " + std::to_string(space.num_choices(d)) + " choices on " +
                  space.dimension_name(d);
        continue;
      }
      for (std::size_t c = 0; c < kOps && differs.empty(); ++c)
        if (space.choice_name(d, c) != kOpNames[c])
          differs = "has choice " + std::to_string(c) + " '" + space.choice_name(d, c) + "' on " +
                    space.dimension_name(d);
    }
  }
  if (differs.empty()) return {};
  return "space '" + space.name() + "' " + differs +
         ", not NAS-Bench-201's shape (6 edges 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2, each one of "
         "none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)";
}

std::string Nb201Space::output_expression(const Choices& ops) {
  // The cell as a DAG whose edges carry their operation; nodes are evaluated in topological
  // order. Node 0 is the input. An edge with `none`, or whose source node is exactly zero, adds
  // a zero term; skip_connect passes its source; any other operation wraps it. A node is the
  // sorted sum of its terms, zero terms kept, so only a node whose single term is zero is zero.
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS,
                                      boost::no_property, boost::property<boost::edge_name_t, int>>;
  Graph g(4);
  for (std::size_t d = 0; d < kEdges; ++d) boost::add_edge(kEdgeFrom[d], kEdgeTo[d], ops[d], g);
  std::vector<Graph::vertex_descriptor> order;
  boost::topological_sort(g, std::back_inserter(order));  // reverse topological order
  const auto op_of = boost::get(boost::edge_name, g);
  std::vector<std::string> value(4);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const auto v = *it;
    if (boost::in_degree(v, g) == 0) {
      value[v] = "x";
      continue;
    }
    std::vector<std::string> terms;
    for (auto [e, end] = boost::in_edges(v, g); e != end; ++e) {
      const auto& src = value[boost::source(*e, g)];
      const int op = op_of[*e];
      if (op == 0 || src == kZero)
        terms.emplace_back(kZero);
      else if (op == 1)
        terms.push_back(src);
      else
        terms.push_back("(" + src + ")@" + kOpNames[op]);
    }
    std::sort(terms.begin(), terms.end());
    std::string sum;
    for (const auto& t : terms) sum += (sum.empty() ? "" : "+") + t;
    value[v] = sum;
  }
  return value[3];
}

}  // namespace nasrun::spaces
