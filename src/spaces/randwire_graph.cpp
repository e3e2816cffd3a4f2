#include "spaces/randwire_graph.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace nasrun::spaces::randwire {

namespace {

void require(bool ok, const std::string& what) {
  if (!ok) throw std::invalid_argument("random graph: " + what);
}

bool joined(const UndirectedGraph& g, std::size_t u, std::size_t v) {
  return boost::edge(u, v, g).second;
}

}  // namespace

UndirectedGraph erdos_renyi(std::size_t nodes, double p, common::Rng& rng) {
  require(p >= 0 && p <= 1, "ER's P must be in [0, 1], got " + std::to_string(p));
  UndirectedGraph g(nodes);
  for (std::size_t u = 0; u < nodes; ++u)
    for (std::size_t v = u + 1; v < nodes; ++v)
      if (common::uniform_unit(rng) < p) boost::add_edge(u, v, g);
  return g;
}

UndirectedGraph barabasi_albert(std::size_t nodes, std::size_t m, common::Rng& rng) {
  require(m >= 1 && m < nodes, "BA's M must be in [1, N - 1] = [1, " + std::to_string(nodes - 1) +
                                   "], got " + std::to_string(m));
  UndirectedGraph g(nodes);
  for (std::size_t added = m; added < nodes; ++added) {
    // The existing nodes not yet joined to the new one, and their degrees.
    std::vector<std::size_t> candidates(added);
    for (std::size_t v = 0; v < added; ++v) candidates[v] = v;
    for (std::size_t e = 0; e < m; ++e) {
      std::uint64_t total = 0;
      for (auto v : candidates) total += boost::degree(v, g);
      std::size_t pick = 0;
      if (total == 0) {
        pick = common::uniform_below(rng, candidates.size());
      } else {
        std::uint64_t r = common::uniform_below(rng, total);
        while (r >= boost::degree(candidates[pick], g)) r -= boost::degree(candidates[pick++], g);
      }
      // The node drawn leaves the candidates, so the others keep the degrees they had before
      // the new node arrived.
      boost::add_edge(added, candidates[pick], g);
      candidates.erase(candidates.begin() + static_cast<std::ptrdiff_t>(pick));
    }
  }
  return g;
}

UndirectedGraph watts_strogatz(std::size_t nodes, std::size_t k, double p, common::Rng& rng) {
  require(k >= 2 && k % 2 == 0 && k < nodes, "WS's K must be even and in [2, N - 1] = [2, " +
                                                  std::to_string(nodes - 1) + "], got " +
                                                  std::to_string(k));
  require(p >= 0 && p <= 1, "WS's P must be in [0, 1], got " + std::to_string(p));
  UndirectedGraph g(nodes);
  for (std::size_t v = 0; v < nodes; ++v)
    for (std::size_t j = 1; j <= k / 2; ++j) boost::add_edge(v, (v + j) % nodes, g);
  for (std::size_t j = 1; j <= k / 2; ++j) {
    for (std::size_t v = 0; v < nodes; ++v) {
      const std::size_t u = (v + j) % nodes;
      if (common::uniform_unit(rng) >= p) continue;
      // A node joined to every other has nowhere to rewire to.
      if (boost::degree(v, g) >= nodes - 1) continue;
      std::size_t w;
      do {
        w = common::uniform_below(rng, nodes);
      } while (w == v || joined(g, v, w));
      boost::remove_edge(v, u, g);
      boost::add_edge(v, w, g);
    }
  }
  return g;
}

std::string GeneratorSetting::name() const {
  char text[32];
  switch (model) {
    case Model::ErdosRenyi: std::snprintf(text, sizeof text, "ER(%.2f)", p); break;
    case Model::BarabasiAlbert: std::snprintf(text, sizeof text, "BA(%zu)", m); break;
    case Model::WattsStrogatz: std::snprintf(text, sizeof text, "WS(%zu,%.2f)", k, p); break;
  }
  return text;
}

UndirectedGraph GeneratorSetting::generate(std::size_t nodes, common::Rng& rng) const {
  switch (model) {
    case Model::ErdosRenyi: return erdos_renyi(nodes, p, rng);
    case Model::BarabasiAlbert: return barabasi_albert(nodes, m, rng);
    case Model::WattsStrogatz: return watts_strogatz(nodes, k, p, rng);
  }
  throw std::logic_error("unknown random graph model");
}

std::size_t Dag::edges() const {
  std::size_t n = 0;
  for (const auto& p : predecessors) n += p.size();
  return n;
}

std::vector<std::size_t> Dag::input_nodes() const {
  std::vector<std::size_t> out;
  for (std::size_t j = 0; j < nodes(); ++j)
    if (predecessors[j].empty()) out.push_back(j);
  return out;
}

std::vector<std::size_t> Dag::output_nodes() const {
  std::vector<bool> feeds(nodes(), false);
  for (const auto& p : predecessors)
    for (auto i : p) feeds[i] = true;
  std::vector<std::size_t> out;
  for (std::size_t j = 0; j < nodes(); ++j)
    if (!feeds[j]) out.push_back(j);
  return out;
}

std::size_t Dag::depth() const {
  // Predecessors are lower-numbered, so ascending order is a topological order.
  std::vector<std::size_t> longest(nodes(), 1);
  std::size_t deepest = 0;
  for (std::size_t j = 0; j < nodes(); ++j) {
    for (auto i : predecessors[j]) longest[j] = std::max(longest[j], longest[i] + 1);
    deepest = std::max(deepest, longest[j]);
  }
  return deepest;
}

Dag orient_by_index(const UndirectedGraph& graph) {
  Dag dag;
  dag.predecessors.resize(boost::num_vertices(graph));
  for (auto [e, end] = boost::edges(graph); e != end; ++e) {
    const std::size_t a = boost::source(*e, graph), b = boost::target(*e, graph);
    dag.predecessors[std::max(a, b)].push_back(std::min(a, b));
  }
  for (auto& p : dag.predecessors) std::sort(p.begin(), p.end());
  return dag;
}

}  // namespace nasrun::spaces::randwire
