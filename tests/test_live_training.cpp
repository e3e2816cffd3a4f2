// Live training: the trainer learns, repeats itself bit for bit, survives divergence; the "live"
// curve source parses its options and reports what it trained.
#ifdef NASRUN_HAVE_LIVE

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <thread>

#include "evaluators/curve_source.hpp"
#include "evaluators/live_source.hpp"
#include "evaluators/live_trainer.hpp"
#include "live_fake_data.hpp"
#include "live_small_training.hpp"
#include "spaces/nb201.hpp"

using namespace nasrun;
using namespace nasrun::evaluators::live;

namespace {

const char* const kArch = testing::kLiveArch;
using testing::ops_of;
using testing::small_config;
using testing::small_data;
using testing::small_network;

std::string error_of(const nlohmann::json& extra, const std::string& dataset = "") {
  try {
    LiveOptions::parse(extra, dataset);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("live trainer: a short training lowers the training loss", "[live]") {
  TrainRequest r;
  r.epochs = 2;
  r.seed = 1;
  r.evaluate_test = true;
  const auto result = train(network_builder("nb201"), small_network(), ops_of(kArch), small_data(), small_config(2), r);
  REQUIRE(result.epochs.size() == 2);
  CHECK_FALSE(result.diverged);
  CHECK(result.epochs[1].train_loss < result.epochs[0].train_loss);
  for (const auto& e : result.epochs) {
    CHECK(std::isfinite(e.valid_loss));
    CHECK(e.valid_acc >= 0);
    CHECK(e.valid_acc <= 100);
    CHECK(e.train_time_s > 0);
    CHECK(e.eval_time_s > 0);
  }
  CHECK(result.test_acc >= 0);
  CHECK(result.parameters > 0);
}

TEST_CASE("live trainer: the same seed gives identical curves", "[live]") {
  TrainRequest r;
  r.epochs = 2;
  r.seed = 42;
  const auto a = train(network_builder("nb201"), small_network(), ops_of(kArch), small_data(), small_config(4), r);
  const auto b = train(network_builder("nb201"), small_network(), ops_of(kArch), small_data(), small_config(4), r);
  for (std::size_t t = 0; t < 2; ++t) {
    CHECK(a.epochs[t].train_loss == b.epochs[t].train_loss);
    CHECK(a.epochs[t].train_acc == b.epochs[t].train_acc);
    CHECK(a.epochs[t].valid_loss == b.epochs[t].valid_loss);
    CHECK(a.epochs[t].valid_acc == b.epochs[t].valid_acc);
  }
  r.seed = 43;
  const auto c = train(network_builder("nb201"), small_network(), ops_of(kArch), small_data(), small_config(4), r);
  CHECK(c.epochs[0].train_loss != a.epochs[0].train_loss);
}

TEST_CASE("live trainer: concurrent trainings do not influence each other", "[live]") {
  TrainRequest r;
  r.epochs = 1;
  r.seed = 7;
  const auto alone = train(network_builder("nb201"), small_network(), ops_of(kArch), small_data(), small_config(2), r);
  std::vector<TrainResult> together(2);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < 2; ++i)
    threads.emplace_back([&, i] {
      auto request = r;
      request.seed = i == 0 ? 7 : 8;
      together[i] = train(network_builder("nb201"), small_network(), ops_of(kArch), small_data(), small_config(2), request);
    });
  for (auto& t : threads) t.join();
  CHECK(together[0].epochs[0].train_loss == alone.epochs[0].train_loss);
  CHECK(together[0].epochs[0].valid_loss == alone.epochs[0].valid_loss);
  CHECK(together[1].epochs[0].train_loss != alone.epochs[0].train_loss);
}

TEST_CASE("live trainer: a divergence is recorded, not fatal", "[live]") {
  auto config = small_config(2);
  config.lr = 1e6;
  config.batch = 32;
  TrainRequest r;
  r.epochs = 2;
  const auto result = train(network_builder("nb201"), small_network(), ops_of(kArch), small_data(), config, r);
  CHECK(result.diverged);
  REQUIRE_FALSE(result.epochs.empty());
  CHECK_FALSE(std::isfinite(result.epochs.back().train_loss));
}

TEST_CASE("live source: options are parsed and checked", "[live]") {
  const auto o = LiveOptions::parse({{"epochs", "12"}, {"channels", "8"}, {"cells", "1"},
                                     {"lr", "0.05"}, {"augment", "false"}, {"truth", "none"}},
                                    "cifar10-valid");
  CHECK(o.data.dataset == "cifar10");
  CHECK(o.train.schedule_epochs == 12);
  CHECK(o.network.channels == 8);
  CHECK(o.network.cells == 1);
  CHECK(o.network.input_channels == 3);
  CHECK(o.train.lr == 0.05);
  CHECK_FALSE(o.train.augment);
  CHECK(o.truth == LiveOptions::Truth::None);
  const auto f = LiveOptions::parse(nlohmann::json::object());
  CHECK(f.data.dataset == "fashion-mnist");
  CHECK(f.network.input_channels == 1);
  CHECK(f.train.schedule_epochs == 20);
  CHECK(LiveOptions::parse(nlohmann::json::object(), "cifar10", "12").train.schedule_epochs == 12);

  CHECK_THAT(error_of({{"colour", "red"}}),
             Catch::Contains("unknown live source option 'colour'") &&
                 Catch::Contains("valid: dataset, data_dir, epochs"));
  CHECK_THAT(error_of({{"channels", "abc"}}), Catch::Contains("channels='abc'") &&
                                                  Catch::Contains("an integer in [1, 1024]"));
  CHECK_THAT(error_of({{"epochs", "0"}}), Catch::Contains("epochs='0'"));
  CHECK_THAT(error_of({{"lr", "-1"}}), Catch::Contains("lr='-1'"));
  // Numbers as documented only (issue 21): no hexadecimal, infinities or leading spaces.
  CHECK_THAT(error_of({{"lr", "0x1p-4"}}), Catch::Contains("lr='0x1p-4'"));
  CHECK_THAT(error_of({{"lr", "inf"}}), Catch::Contains("lr='inf'"));
  CHECK_THAT(error_of({{"channels", "0x10"}}), Catch::Contains("channels='0x10'"));
  CHECK_THAT(error_of({{"channels", " 8"}}), Catch::Contains("channels=' 8'"));
  CHECK_THAT(error_of({{"image_size", "30"}}), Catch::Contains("multiple of 4"));
  CHECK_THAT(error_of({{"device", "tpu"}}), Catch::Contains("expected cpu, cuda or cuda:K"));
  CHECK_THAT(error_of({{"device", "cuda:"}}), Catch::Contains("device='cuda:'"));
  CHECK_THAT(error_of({{"device", "cuda:-1"}}), Catch::Contains("device='cuda:-1'"));
  CHECK_THAT(error_of({{"device", "cuda:x"}}), Catch::Contains("device='cuda:x'"));
  CHECK_THAT(error_of({{"truth", "maybe"}}), Catch::Contains("full or none"));
  CHECK_THAT(error_of({{"augment", "perhaps"}}), Catch::Contains("true or false"));
  CHECK_THAT(error_of({{"dataset", "mnist"}}), Catch::Contains("fashion-mnist or cifar10"));
  CHECK_THAT(error_of({{"dataset", "cifar10"}}, "fashion-mnist"), Catch::Contains("contradicts"));
}

TEST_CASE("live source: missing files and unavailable devices give clear errors", "[live]") {
  evaluators::SourceOptions o;
  o.extra = {{"dataset", "cifar10"}, {"data_dir", "/nonexistent/cifar"}};
  CHECK_THROWS_WITH(evaluators::make_curve_source("live", o),
                    Catch::Contains("/nonexistent/cifar/data_batch_1.bin"));
  o.extra = {{"dataset", "fashion-mnist"}, {"data_dir", "/nonexistent/fmnist"}};
  CHECK_THROWS_WITH(evaluators::make_curve_source("live", o),
                    Catch::Contains("/nonexistent/fmnist/train-images-idx3-ubyte"));
  o.extra = {{"device", "cuda"}};
  CHECK_THROWS_WITH(evaluators::make_curve_source("live", o), Catch::Contains("CUDA"));
  // A device beyond those there are names how many there are.
  o.extra = {{"device", "cuda:9999"}};
  CHECK_THROWS_WITH(evaluators::make_curve_source("live", o), Catch::Contains("device=cuda:9999: "));
}

TEST_CASE("live source: observes curves and the truth", "[live]") {
  const auto dir = testing::make_fake_cifar("source", 205, 64);
  evaluators::SourceOptions o;
  o.space = spaces::make_search_space("nb201");
  o.dataset = "cifar10-valid";
  o.extra = {{"data_dir", dir},      {"epochs", "3"},        {"channels", "8"},
             {"cells", "1"},         {"image_size", "16"},   {"train_subset", "256"},
             {"valid_subset", "64"}, {"test_subset", "64"},  {"batch", "64"}};
  const auto source = evaluators::make_curve_source("live", o);
  CHECK(source->schedule_epochs() == 3);
  CHECK_THAT(source->describe(), Catch::Contains("live cifar10 16x16"));
  const auto arch = o.space->parse(kArch);
  common::Rng rng(5);
  const std::vector<evaluators::CurveNeed> needs = {{bench::Metric::TrainLoss, 1, 2},
                                                    {bench::Metric::ValidAcc, 2, 2}};
  const auto curve = source->observe(arch, 2, needs, rng);
  CHECK(curve.epochs_trained == 2);
  CHECK(curve.schedule_epochs == 3);
  CHECK_FALSE(curve.diverged);
  for (auto m : bench::all_metrics()) CHECK(curve.series[static_cast<int>(m)].size() == 2);
  CHECK(std::isfinite(curve.at(bench::Metric::TrainLoss, 1)));
  CHECK(std::isfinite(curve.at(bench::Metric::ValidAcc, 2)));
  CHECK(std::isnan(curve.at(bench::Metric::TestAcc, 2)));  // not asked for
  REQUIRE(curve.train_time_s.size() == 2);
  CHECK(curve.train_time_s[0] > 0);
  CHECK(curve.eval_time_s[1] > 0);

  const double truth = source->final_test_error(arch);
  CHECK(truth >= 0);
  CHECK(truth <= 100);
  CHECK(source->final_test_error(arch) == truth);  // cached

  o.extra["truth"] = "none";
  o.extra["lr"] = "1e6";
  o.extra["batch"] = "16";
  const auto wild = evaluators::make_curve_source("live", o);
  CHECK(std::isnan(wild->final_test_error(arch)));
  const auto diverged = wild->observe(arch, 2, needs, rng);
  CHECK(diverged.diverged);
  std::filesystem::remove_all(dir);
}

#endif  // NASRUN_HAVE_LIVE
