// The random graphs of RandWire (Xie et al., "Exploring Randomly Wired Neural Networks for Image
// Recognition", ICCV 2019, Sec. 3.2-3.3): the Erdos-Renyi, Barabasi-Albert and Watts-Strogatz
// models as undirected Boost.Graph adjacency lists, and the DAG a stage's network is wired by.
//
// The generators are written here with the project's draws (common/random.hpp) rather than
// taken from boost/graph/erdos_renyi_generator.hpp and small_world_generator.hpp: those draw
// through boost::random's uniform_int / uniform_01 / geometric_distribution, whose algorithms
// are Boost's and not promised to stay the same between Boost versions, so a wiring seed would
// not name the same graph everywhere. They also differ from the models of the paper (and of
// networkx, which the paper used): erdos_renyi_iterator with a fraction is G(n, M) with
// repeated pairs, not G(n, p), and small_world_iterator's rewired edges may duplicate an edge.
// Boost.Graph holds the graphs; Boost has no Barabasi-Albert generator (plod_generator is a
// power-law degree model, not preferential attachment).
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <cstddef>
#include <string>
#include <vector>

#include "common/random.hpp"

namespace nasrun::spaces::randwire {

// Undirected, no parallel edges (setS), nodes 0..n-1 in the order the model makes them.
using UndirectedGraph = boost::adjacency_list<boost::setS, boost::vecS, boost::undirectedS>;

// ER(P): each pair of nodes joined with probability p, independently.
UndirectedGraph erdos_renyi(std::size_t nodes, double p, common::Rng& rng);
// BA(M): M nodes without edges, then each new node joins M distinct existing nodes, each drawn
// with probability proportional to its degree (uniformly while every candidate has degree 0,
// as for the first new node, which so joins all M). M(N - M) edges; requires 1 <= M < N.
UndirectedGraph barabasi_albert(std::size_t nodes, std::size_t m, common::Rng& rng);
// WS(K, P): a ring where each node joins its K/2 neighbours on either side, then, for offset
// j = 1..K/2 and node v = 0..N-1 in turn, the edge v-(v+j) is rewired with probability p to
// v-w, w uniform among the nodes that are neither v nor already joined to v (as networkx's
// watts_strogatz_graph, which the paper used). N K / 2 edges; requires K even, 2 <= K < N.
UndirectedGraph watts_strogatz(std::size_t nodes, std::size_t k, double p, common::Rng& rng);

// A model and its parameters (those the model does not use are 0).
struct GeneratorSetting {
  enum class Model { ErdosRenyi, BarabasiAlbert, WattsStrogatz };
  Model model = Model::ErdosRenyi;
  double p = 0;       // ER, WS
  std::size_t m = 0;  // BA
  std::size_t k = 0;  // WS
  // "ER(0.20)", "BA(3)", "WS(4,0.50)".
  std::string name() const;
  UndirectedGraph generate(std::size_t nodes, common::Rng& rng) const;
};

// A graph turned into a DAG as in the paper: every edge points from its lower-numbered node to
// its higher. Nodes with no input take the stage's input; the stage's output averages the
// nodes with no output.
struct Dag {
  // predecessors[j]: the nodes feeding node j, ascending (all below j).
  std::vector<std::vector<std::size_t>> predecessors;

  std::size_t nodes() const { return predecessors.size(); }
  std::size_t edges() const;
  std::vector<std::size_t> input_nodes() const;   // no predecessor
  std::vector<std::size_t> output_nodes() const;  // no successor
  // The most nodes on one path from an input node to an output node.
  std::size_t depth() const;
  bool operator==(const Dag& other) const { return predecessors == other.predecessors; }
};

Dag orient_by_index(const UndirectedGraph& graph);

}  // namespace nasrun::spaces::randwire
