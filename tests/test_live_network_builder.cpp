// The live source trains any space that has a network builder, found by the space's name: a
// new space brings its network as one registration; a space without one is refused by name.
#ifdef NASRUN_HAVE_LIVE

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "evaluators/live_network_module.hpp"
#include "evaluators/live_source.hpp"
#include "live_fake_data.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::evaluators::live;

namespace {

constexpr std::array<int, 3> kWidths = {4, 8, 16};

// One dimension: the width of a hidden layer.
class WidthSpace : public spaces::SearchSpace {
 public:
  explicit WidthSpace(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  std::size_t num_dimensions() const override { return 1; }
  std::size_t num_choices(std::size_t) const override { return kWidths.size(); }
  std::string dimension_name(std::size_t) const override { return "width"; }
  std::string choice_name(std::size_t, std::size_t choice) const override {
    return std::to_string(kWidths.at(choice));
  }
  std::string to_string(spaces::ArchCode code) const override { return choice_name(0, code); }
  spaces::ArchCode parse(std::string_view text) const override {
    for (std::size_t c = 0; c < kWidths.size(); ++c)
      if (text == choice_name(0, c)) return c;
    throw spaces::ArchParseError("not a width: " + std::string(text));
  }

 private:
  std::string name_;
};

// Average-pooled to 4x4, then a hidden layer of the architecture's width.
class WidthNetwork : public NetworkModule {
 public:
  WidthNetwork(const NetworkConfig& config, int width)
      : hidden_(register_module("hidden", torch::nn::Linear(16 * config.input_channels, width))),
        out_(register_module("out", torch::nn::Linear(width, config.num_classes))) {}
  torch::Tensor forward(const torch::Tensor& x) override {
    const auto pooled = torch::adaptive_avg_pool2d(x, {4, 4}).flatten(1);
    return out_->forward(torch::relu(hidden_->forward(pooled)));
  }

 private:
  torch::nn::Linear hidden_, out_;
};

const Registration<network_builder_registry> kWidthBuilder{
    "test-width", "a hidden layer of the chosen width (tests)",
    [](const NetworkConfig& config, const Choices& choices) -> std::shared_ptr<NetworkModule> {
      return std::make_shared<WidthNetwork>(config, kWidths.at(choices.at(0)));
    }};

}  // namespace

TEST_CASE("live source: a space with a registered network builder is trained with it",
          "[live][space]") {
  const auto dir = testing::make_fake_cifar("builder", 64, 32);
  const auto space = std::make_shared<WidthSpace>("test-width");
  auto options = LiveOptions::parse({{"data_dir", dir}, {"epochs", "2"}, {"image_size", "8"},
                                     {"train_subset", "128"}, {"valid_subset", "32"},
                                     {"test_subset", "32"}, {"batch", "32"}},
                                    "cifar10");
  LiveCurveSource source(space, options, bench::SeedPolicy::fixed(1));
  common::Rng rng(3);
  for (spaces::ArchCode arch = 0; arch < space->size(); ++arch) {
    INFO(space->to_string(arch));
    const auto curve = source.observe(arch, 2, {{bench::Metric::TrainLoss, 1, 2}}, rng);
    CHECK(curve.epochs_trained == 2);
    CHECK(std::isfinite(curve.at(bench::Metric::TrainLoss, 2)));
    // The parameters of the network the builder made: 3x16 inputs, the width, 10 classes.
    const double width = kWidths[arch];
    CHECK(curve.params == 48 * width + width + width * 10 + 10);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("live source: a space without a network builder is refused by name", "[live][space]") {
  const auto message = testing::error_of([] {
    LiveCurveSource(std::make_shared<WidthSpace>("unbuilt"), LiveOptions::parse({}));
  });
  CHECK_THAT(message, Catch::Contains("no network for the search space 'unbuilt'"));
  // The spaces that have one, NAS-Bench-201's among them.
  CHECK_THAT(message, Catch::Contains("nb201"));
  CHECK_THAT(message, Catch::Contains("test-width"));
}

#endif  // NASRUN_HAVE_LIVE
