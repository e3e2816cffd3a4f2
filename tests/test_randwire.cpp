// The RandWire space (spaces/randwire.hpp): its random graph models against their definitions
// (Xie et al., ICCV 2019, Sec. 3.2), the DAGs its stages are wired by, determinism by wiring
// seed, and the space as strategies and studies see it.
#include <boost/graph/topological_sort.hpp>
#include <catch2/catch.hpp>
#include <iterator>
#include <set>

#include "search/multi_fidelity.hpp"
#include "search/strategy.hpp"
#include "spaces/randwire.hpp"
#include "study/study.hpp"
#include "synthetic_curves.hpp"
#include "test_support.hpp"

using namespace nasrun;
using spaces::ArchCode;
using spaces::RandWireSpace;
using namespace nasrun::spaces::randwire;

namespace {

constexpr std::size_t kN = RandWireSpace::kNodes;

std::size_t edge_count(const UndirectedGraph& g) { return boost::num_edges(g); }

bool joined(const UndirectedGraph& g, std::size_t u, std::size_t v) {
  return boost::edge(u, v, g).second;
}

bool has_self_loop(const UndirectedGraph& g) {
  for (std::size_t v = 0; v < boost::num_vertices(g); ++v)
    if (joined(g, v, v)) return true;
  return false;
}

// Nodes reachable from `start` following `next` (predecessors or successors).
std::set<std::size_t> reach(const std::vector<std::size_t>& start,
                            const std::vector<std::vector<std::size_t>>& next) {
  std::set<std::size_t> seen(start.begin(), start.end());
  std::vector<std::size_t> todo(start.begin(), start.end());
  while (!todo.empty()) {
    const auto v = todo.back();
    todo.pop_back();
    for (auto w : next[v])
      if (seen.insert(w).second) todo.push_back(w);
  }
  return seen;
}

const spaces::SearchSpace& space() {
  static const auto s = spaces::make_search_space("randwire");
  return *s;
}

}  // namespace

TEST_CASE("RandWire ER(P): each pair joined with probability P", "[spaces][randwire]") {
  const std::size_t pairs = kN * (kN - 1) / 2;
  for (double p : {0.1, 0.3, 0.7}) {
    INFO("P = " << p);
    // 500 graphs: the density's standard error is at most sqrt(0.25 / (500 * 496)) = 0.001.
    common::Rng rng(11);
    double edges = 0;
    for (int i = 0; i < 500; ++i) {
      const auto g = erdos_renyi(kN, p, rng);
      REQUIRE_FALSE(has_self_loop(g));
      edges += static_cast<double>(edge_count(g));
    }
    CHECK(edges / (500.0 * pairs) == Approx(p).margin(0.015));
  }
  common::Rng rng(1);
  CHECK(edge_count(erdos_renyi(kN, 0.0, rng)) == 0);
  CHECK(edge_count(erdos_renyi(kN, 1.0, rng)) == pairs);
}

TEST_CASE("RandWire BA(M): M(N - M) edges, every added node joins M others", "[spaces][randwire]") {
  for (std::size_t m = 1; m < kN; ++m) {
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      INFO("M = " << m << ", seed " << seed);
      common::Rng rng(seed);
      const auto g = barabasi_albert(kN, m, rng);
      REQUIRE(edge_count(g) == m * (kN - m));
      REQUIRE_FALSE(has_self_loop(g));
      // The M initial nodes are joined by the first added node at least; every added node has
      // its own M edges to earlier nodes (and more from nodes added after it).
      for (std::size_t v = 0; v < kN; ++v) {
        REQUIRE(boost::degree(v, g) >= (v < m ? 1 : m));
        if (v < m) continue;
        std::size_t earlier = 0;
        for (std::size_t u = 0; u < v; ++u) earlier += joined(g, u, v);
        REQUIRE(earlier == m);
      }
    }
  }
}

TEST_CASE("RandWire BA: attachment prefers high degree", "[spaces][randwire]") {
  // With M = 1 on 200 nodes, preferential attachment makes hubs of the oldest nodes: node 1's
  // expected degree grows like sqrt(N) (about 14), while uniform attachment would give it
  // 1 + sum 1/t over t = 2..199, about 5.9.
  common::Rng rng(5);
  double degree_of_node_1 = 0;
  for (int i = 0; i < 50; ++i) degree_of_node_1 += boost::degree(1, barabasi_albert(200, 1, rng));
  CHECK(degree_of_node_1 / 50 > 9);
}

TEST_CASE("RandWire WS(K, P): a ring lattice at P = 0, N K / 2 edges at any P",
          "[spaces][randwire]") {
  for (std::size_t k : {2, 4, 6, 8}) {
    common::Rng rng(3);
    const auto ring = watts_strogatz(kN, k, 0.0, rng);
    for (std::size_t u = 0; u < kN; ++u)
      for (std::size_t v = 0; v < kN; ++v) {
        const std::size_t gap = std::min((u + kN - v) % kN, (v + kN - u) % kN);
        REQUIRE(joined(ring, u, v) == (gap >= 1 && gap <= k / 2));
      }
    std::size_t rewired_graphs = 0;
    for (double p : {0.2, 0.5, 1.0}) {
      for (std::uint64_t seed = 0; seed < 20; ++seed) {
        common::Rng r(seed);
        const auto g = watts_strogatz(kN, k, p, r);
        REQUIRE(edge_count(g) == kN * k / 2);
        REQUIRE_FALSE(has_self_loop(g));
        bool differs = false;
        for (std::size_t u = 0; u < kN; ++u)
          for (std::size_t v = u + 1; v < kN; ++v) differs |= joined(g, u, v) != joined(ring, u, v);
        rewired_graphs += differs;
      }
    }
    // Of 60 graphs, only those at P = 0.2 may keep the ring (K = 2: 0.8^32, under 0.1% of them).
    CHECK(rewired_graphs >= 50u);
  }
}

TEST_CASE("RandWire generators refuse parameters outside their models, naming them",
          "[spaces][randwire]") {
  common::Rng rng(0);
  CHECK_THAT(testing::error_of([&] { erdos_renyi(kN, 1.5, rng); }), Catch::Contains("ER's P"));
  CHECK_THAT(testing::error_of([&] { barabasi_albert(kN, 0, rng); }), Catch::Contains("BA's M"));
  CHECK_THAT(testing::error_of([&] { barabasi_albert(kN, kN, rng); }), Catch::Contains("BA's M"));
  CHECK_THAT(testing::error_of([&] { watts_strogatz(kN, 3, 0.5, rng); }),
             Catch::Contains("WS's K must be even"));
  CHECK_THAT(testing::error_of([&] { watts_strogatz(kN, kN, 0.5, rng); }),
             Catch::Contains("WS's K"));
  CHECK_THAT(testing::error_of([&] { watts_strogatz(kN, 4, -0.1, rng); }),
             Catch::Contains("WS's P"));
}

TEST_CASE("RandWire stages are DAGs ordered by node index, every node between input and output",
          "[spaces][randwire]") {
  using Directed = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;
  for (ArchCode code = 0; code < space().size(); ++code) {
    INFO(space().to_string(code));
    for (const auto& dag : RandWireSpace::stage_dags(space().decode(code))) {
      REQUIRE(dag.nodes() == kN);
      Directed d(kN);
      std::vector<std::vector<std::size_t>> successors(kN);
      for (std::size_t j = 0; j < kN; ++j)
        for (auto i : dag.predecessors[j]) {
          REQUIRE(i < j);
          boost::add_edge(i, j, d);
          successors[i].push_back(j);
        }
      // Boost's topological sort throws not_a_dag on a cycle.
      std::vector<std::size_t> order;
      REQUIRE_NOTHROW(boost::topological_sort(d, std::back_inserter(order)));
      REQUIRE(!dag.input_nodes().empty());
      REQUIRE(!dag.output_nodes().empty());
      REQUIRE(reach(dag.input_nodes(), successors).size() == kN);
      REQUIRE(reach(dag.output_nodes(), dag.predecessors).size() == kN);
      REQUIRE(dag.depth() >= 1);
      REQUIRE(dag.depth() <= kN);
    }
  }
}

TEST_CASE("RandWire orientation keeps every edge of the graph", "[spaces][randwire]") {
  common::Rng rng(2);
  const auto g = watts_strogatz(kN, 4, 0.5, rng);
  const auto dag = orient_by_index(g);
  CHECK(dag.edges() == edge_count(g));
  for (std::size_t j = 0; j < kN; ++j)
    for (auto i : dag.predecessors[j]) CHECK(joined(g, i, j));
  // A ring lattice's DAG: node 0 is the only input, node N-1 the only output, and the depth
  // runs through every node.
  common::Rng unused(0);
  const auto ring = orient_by_index(watts_strogatz(kN, 2, 0.0, unused));
  CHECK(ring.input_nodes() == std::vector<std::size_t>{0});
  CHECK(ring.output_nodes() == std::vector<std::size_t>{kN - 1});
  CHECK(ring.depth() == kN);
}

TEST_CASE("RandWire graphs are determined by the wiring seed", "[spaces][randwire]") {
  const auto& settings = RandWireSpace::generator_settings();
  std::size_t differing_seeds = 0, differing_stages = 0, random_settings = 0;
  for (std::uint32_t s = 0; s < settings.size(); ++s) {
    INFO(settings[s].name());
    const auto first = RandWireSpace::stage_dags({s, 3});
    REQUIRE(RandWireSpace::stage_dags({s, 3}) == first);
    if (settings[s].p == 0 && settings[s].m == 0) continue;  // WS(K, 0): the ring, every seed
    ++random_settings;
    differing_seeds += !(RandWireSpace::stage_dags({s, 4}) == first);
    differing_stages += !(first[0] == first[1]);
  }
  // At 32 nodes every random setting draws a new graph for each seed and each stage (at 10
  // nodes BA(9) could not: node 9 joined all others).
  CHECK(differing_seeds == random_settings);
  CHECK(differing_stages == random_settings);
  // A wiring seed names the same graph whatever ran before: stage 2 of setting 20 with seed 3
  // is the graph its own generator makes, from the stream of (seed 3, setting 20, stage 2).
  common::Rng rng(common::mix_seed(common::mix_seed(3, 20), 2));
  CHECK(RandWireSpace::stage_dags({20, 3})[2] == orient_by_index(settings[20].generate(kN, rng)));
}

TEST_CASE("RandWire space: 69 settings x 8 seeds, printed and parsed", "[spaces][randwire]") {
  CHECK(space().name() == "randwire");
  CHECK(space().size() == 552);
  CHECK(space().num_choices(0) == 69);
  CHECK(space().num_choices(1) == 8);
  std::set<std::string> texts;
  for (ArchCode code = 0; code < space().size(); ++code) {
    const auto text = space().to_string(code);
    REQUIRE(space().parse(text) == code);
    texts.insert(text);
  }
  CHECK(texts.size() == space().size());
  const auto ws = space().parse("WS(4,0.30)@5");
  CHECK(space().decode(ws) == spaces::Choices{16 + 9 + 11 + 3, 5});
  CHECK(space().to_string(space().encode({0, 0})) == "ER(0.05)@0");
  CHECK(space().to_string(space().encode({68, 7})) == "WS(8,1.00)@7");
  for (const std::string bad : {"WS(4,0.30)", "WS(4,0.3)@5", "ER(0.05)@8", "ER(0.05)@", "BA(10)@0",
                                "ER(0.05)@01", "@0", ""})
    CHECK_THROWS_AS(space().parse(bad), spaces::ArchParseError);
  CHECK_THAT(testing::error_of([] { space().parse("BA(10)@0"); }),
             Catch::Contains("unknown generator setting 'BA(10)'") && Catch::Contains("BA(1)..BA(9)"));
  CHECK_THAT(testing::error_of([] { space().parse("ER(0.05)@8"); }),
             Catch::Contains("wiring seed '8'"));
}

TEST_CASE("RandWire space: architectures with the same wiring share a class", "[spaces][randwire]") {
  std::set<ArchCode> classes;
  for (ArchCode code = 0; code < space().size(); ++code) {
    const auto cls = space().class_of(code);
    REQUIRE(cls <= code);
    REQUIRE(RandWireSpace::stage_dags(space().decode(cls)) ==
            RandWireSpace::stage_dags(space().decode(code)));
    classes.insert(cls);
  }
  // WS(K, 0) is the ring lattice whatever the seed: one class for the 8 seeds of each K.
  for (const char* k : {"2", "4", "6", "8"})
    for (int seed = 1; seed < 8; ++seed)
      CHECK(space().class_of(space().parse(std::string("WS(") + k + ",0.00)@" +
                                           std::to_string(seed))) ==
            space().parse(std::string("WS(") + k + ",0.00)@0"));
  // No two other architectures share a wiring: each setting draws from its own stream, and at
  // 32 nodes no random setting is a single graph.
  CHECK(classes.size() == space().size() - 4 * 7);
  CHECK(space().class_representatives().size() == classes.size());
}

TEST_CASE("RandWire space: features describe the model and its graphs", "[spaces][randwire]") {
  const auto names = space().feature_names();
  const auto ring = space().features(space().parse("WS(2,0.00)@0"));
  REQUIRE(ring.size() == names.size());
  // ws indicator, P = 0, K = 2; the ring's DAG: N edges (node 0 feeds 1 and N-1), one input,
  // one output, depth N.
  CHECK(ring == std::vector<double>{0, 0, 1, 0, 0, 2, double(kN), 1, 1, double(kN)});
  const auto ba = space().features(space().parse("BA(3)@2"));
  CHECK(ba[1] == 1);
  CHECK(ba[4] == 3);
  CHECK(ba[6] == 3 * (kN - 3));
}

TEST_CASE("Every strategy searches the RandWire space", "[search][randwire]") {
  const auto randwire = spaces::make_search_space("randwire");
  // The best architecture of the synthetic curves: WS(4,0.30) with wiring seed 5.
  auto source = std::make_shared<testing::SyntheticCurves>(randwire,
                                                           randwire->decode(randwire->parse("WS(4,0.30)@5")));
  const experiment::EvaluatorMaker maker = [source](const std::string& name,
                                                    const evaluators::EstimatorOptions& o) {
    // Multi-fidelity strategies score each rung with the estimator at the rung's epoch.
    return std::make_unique<evaluators::Evaluator>(
        evaluators::make_estimator(name, o), source, evaluators::CostModel{},
        evaluators::estimator_at_epochs(name, o, source->schedule_epochs()));
  };
  experiment::StudyConfig config;
  config.strategies = search::strategy_registry().names();
  for (const auto& name : search::multi_fidelity_strategy_registry().names())
    config.strategies.push_back(name);
  config.evaluators = {"sotle"};
  config.seeds = 2;
  config.estimator.T = 5;
  config.fidelity.max_epochs = 20;
  config.budget.budget_s = 3000;  // 5 epochs of 10 to 15 s: about 45 evaluations a run
  config.threads = 2;
  const auto results = experiment::run_study(config, randwire, maker);
  REQUIRE(results.size() == 2 * config.strategies.size());
  for (const auto& r : results) {
    INFO(r.strategy << " run " << r.run);
    REQUIRE(r.trace.rows.size() > config.n_init);
    for (const auto& row : r.trace.rows) REQUIRE(row.arch < randwire->size());
    CHECK(r.trace.rows.back().incumbent_test_error <= r.trace.rows.front().test_error);
  }
}
