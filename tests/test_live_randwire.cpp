// RandWire's live network (live_randwire.cpp): its parameters against a count by hand from the
// stage graphs and Xie et al.'s node structure, its output shape on Fashion-MNIST-sized images,
// and a short training through the live source.
#ifdef NASRUN_HAVE_LIVE

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "evaluators/live_network_module.hpp"
#include "evaluators/live_proxies.hpp"
#include "evaluators/live_source.hpp"
#include "live_fake_data.hpp"
#include "live_small_training.hpp"
#include "spaces/randwire.hpp"

using namespace nasrun;
using namespace nasrun::evaluators::live;
using spaces::RandWireSpace;

namespace {

NetworkConfig fashion_mnist(int channels) {
  NetworkConfig c;
  c.channels = channels;
  c.input_channels = 1;
  c.num_classes = 10;
  return c;
}

// By hand: the stem's conv 3x3 and BN; per node a depthwise 3x3 conv on its input channels, a
// pointwise conv to the stage's channels, BN (weight and bias), and one aggregation weight per
// input edge where it has two or more; the classifier's weights and biases.
std::int64_t parameters_by_hand(const NetworkConfig& config, const RandWireSpace::StageDags& dags) {
  const std::int64_t c = config.channels;
  std::int64_t n = config.input_channels * c * 9 + 2 * c;
  std::int64_t in = c;
  for (std::size_t s = 0; s < dags.size(); ++s) {
    const std::int64_t out = s == 0 ? c : 2 * in;
    for (const auto& preds : dags[s].predecessors) {
      const std::int64_t node_in = preds.empty() ? in : out;
      n += 9 * node_in + node_in * out + 2 * out;
      if (preds.size() >= 2) n += static_cast<std::int64_t>(preds.size());
    }
    in = out;
  }
  return n + in * config.num_classes + config.num_classes;
}

// Multiply-accumulates of one side x side image by hand: per output element of a convolution, one
// per weight of its filter (9 for a depthwise 3x3, the input channels for a pointwise 1x1);
// the stem keeps the resolution, every stage halves it; the classifier's weights.
double flops_by_hand(const NetworkConfig& config, const RandWireSpace::StageDags& dags,
                     double side) {
  const double c = config.channels;
  double n = side * side * c * config.input_channels * 9;
  double in = c;
  for (std::size_t s = 0; s < dags.size(); ++s) {
    const double out = s == 0 ? c : 2 * in;
    side /= 2;
    for (const auto& preds : dags[s].predecessors) {
      const double node_in = preds.empty() ? in : out;
      n += side * side * (node_in * 9 + out * node_in);
    }
    in = out;
  }
  return n + in * config.num_classes;
}

const spaces::SearchSpace& space() {
  static const auto s = spaces::make_search_space("randwire");
  return *s;
}

}  // namespace

TEST_CASE("live RandWire network: parameters as counted by hand from its graphs",
          "[live][randwire]") {
  const auto& build = network_builder("randwire");
  // Every generator setting, with a wiring seed that varies with it, at two widths.
  for (std::uint32_t setting = 0; setting < space().num_choices(0); ++setting) {
    const spaces::Choices choices{setting, setting % 8};
    INFO(space().to_string(space().encode(choices)));
    const auto dags = RandWireSpace::stage_dags(choices);
    for (int channels : {8, 12}) {
      const auto config = fashion_mnist(channels);
      REQUIRE(parameter_count(*build(config, choices)) == parameters_by_hand(config, dags));
    }
  }
  // Written out for the ring lattice WS(2, 0) at C = 8 (node 0 the only input, nodes 1..30 with
  // one input, node 31 fed by 0 and 30): stem 1*8*9 + 16 = 88; stage 8 -> 8: node 0 72 + 64 + 16
  // = 152, nodes 1..30 152 each, node 31 152 + 2, 4,866 in all; stage 8 -> 16: 72 + 128 + 32 =
  // 232, 30 x (144 + 256 + 32) = 12,960, 434: 13,626; stage 16 -> 32: 144 + 512 + 64 = 720,
  // 30 x (288 + 1,024 + 64) = 41,280, 1,378: 43,378; classifier 32*10 + 10 = 330. 62,288.
  const auto ring = space().decode(space().parse("WS(2,0.00)@0"));
  CHECK(parameter_count(*build(fashion_mnist(8), ring)) == 62288);
}

TEST_CASE("live RandWire network: Fashion-MNIST images to logits, resolution halved per stage",
          "[live][randwire]") {
  const auto& build = network_builder("randwire");
  torch::manual_seed(0);
  for (const char* arch : {"ER(0.20)@0", "BA(3)@1", "WS(4,0.50)@2", "WS(8,1.00)@7"}) {
    INFO(arch);
    auto net = build(fashion_mnist(8), space().decode(space().parse(arch)));
    for (int side : {16, 28}) {
      const auto logits = net->forward(torch::randn({4, 1, side, side}));
      CHECK(logits.sizes() == torch::IntArrayRef({4, 10}));
      CHECK(torch::isfinite(logits).all().item<bool>());
    }
    // Every parameter takes part: one backward pass gives each a gradient.
    net->zero_grad();
    net->forward(torch::randn({4, 1, 16, 16})).sum().backward();
    for (const auto& p : net->named_parameters()) {
      INFO(p.key());
      CHECK(p.value().grad().defined());
    }
  }
  CHECK_THROWS_WITH(build(fashion_mnist(8), {0}), Catch::Contains("2 choices"));
}

TEST_CASE("live RandWire network: the zero-cost proxies see its layers", "[live][randwire][proxies]") {
  const std::vector<bench::Proxy> all(bench::all_proxies().begin(), bench::all_proxies().end());
  const auto config = testing::small_network();  // 3 input channels, 16 x 16 images
  for (const char* arch : {"WS(2,0.00)@0", "ER(0.20)@0"}) {
    INFO(arch);
    const auto choices = space().decode(space().parse(arch));
    const auto v = compute_proxies(network_builder("randwire"), config, choices,
                                   testing::small_data(), 32, 3, all);
    for (auto p : all) {
      INFO(bench::proxy_name(p));
      CHECK(std::isfinite(v.at(p)));
    }
    CHECK(v.at(bench::Proxy::Flops) ==
          flops_by_hand(config, RandWireSpace::stage_dags(choices), 16));
    CHECK(v.at(bench::Proxy::Params) ==
          static_cast<double>(parameters_by_hand(config, RandWireSpace::stage_dags(choices))));
  }
}

TEST_CASE("live source: RandWire architectures train, the training loss falls",
          "[live][randwire]") {
  const auto dir = testing::make_fake_cifar("randwire", 128, 64);
  const auto randwire = spaces::make_search_space("randwire");
  auto options = LiveOptions::parse({{"data_dir", dir}, {"epochs", "3"}, {"image_size", "8"},
                                     {"channels", "8"}, {"train_subset", "256"},
                                     {"valid_subset", "64"}, {"test_subset", "64"}, {"batch", "32"}},
                                    "cifar10");
  LiveCurveSource source(randwire, options, bench::SeedPolicy::fixed(0));
  common::Rng rng(1);
  for (const char* arch : {"ER(0.30)@0", "WS(4,0.20)@3"}) {
    INFO(arch);
    const auto code = randwire->parse(arch);
    const auto curve = source.observe(code, 3, {{bench::Metric::TrainLoss, 1, 3}}, rng);
    CHECK(curve.epochs_trained == 3);
    CHECK(curve.at(bench::Metric::TrainLoss, 3) < curve.at(bench::Metric::TrainLoss, 1));
    CHECK(curve.params == static_cast<double>(parameters_by_hand(
                              options.network, RandWireSpace::stage_dags(randwire->decode(code)))));
  }
  std::filesystem::remove_all(dir);
}

#endif  // NASRUN_HAVE_LIVE
