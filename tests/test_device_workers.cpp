// One local worker per device (nas-run --devices): the device list and its refusals, where each
// trial's kept training is placed (TrialPlacement, shared with the MPI executor), and the
// options that contradict --devices.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "evaluators/plugin_source.hpp"
#include "run/trial_placement.hpp"
#include "study/plan.hpp"
#include "plan_support.hpp"
#include "test_support.hpp"
#ifdef NASRUN_HAVE_LIVE
#include "live_fake_data.hpp"
#include "live_small_training.hpp"
#endif

using namespace nasrun;
using namespace nasrun::experiment;

namespace {

// A machine with `n` CUDA devices, which fails the test when asked and `asked` is false.
std::function<int()> cuda_devices(int n, bool may_ask = true) {
  return [n, may_ask] {
    if (!may_ask) FAIL("the CUDA device count was asked for a list without CUDA devices");
    return n;
  };
}

std::string devices_error(const std::string& list, int cuda) {
  return testing::error_of([&] { worker_devices(list, cuda_devices(cuda)); });
}

}  // namespace

TEST_CASE("Devices: cuda is every CUDA device, cuda:K one, cpu the processor", "[devices]") {
  using List = std::vector<std::string>;
  CHECK(worker_devices("cpu", cuda_devices(0, false)) == List{"cpu"});
  // Repeated devices are workers sharing one device; the count is not asked without CUDA.
  CHECK(worker_devices("cpu,cpu", cuda_devices(0, false)) == List{"cpu", "cpu"});
  CHECK(worker_devices("cuda", cuda_devices(3)) == List{"cuda:0", "cuda:1", "cuda:2"});
  CHECK(worker_devices("cuda:2,cuda:0", cuda_devices(3)) == List{"cuda:2", "cuda:0"});
  CHECK(worker_devices("cuda:1,cuda:1", cuda_devices(2)) == List{"cuda:1", "cuda:1"});
  CHECK(worker_devices("cuda,cpu", cuda_devices(2)) == List{"cuda:0", "cuda:1", "cpu"});
  CHECK(worker_devices("cuda:01", cuda_devices(2)) == List{"cuda:1"});
}

TEST_CASE("Devices: bad lists are refused, naming --devices", "[devices][bad-input]") {
  CHECK(devices_error("", 1) == "--devices '' has an empty item (expected a comma list)");
  CHECK(devices_error("cpu,", 1) == "--devices 'cpu,' has an empty item (expected a comma list)");
  for (const std::string bad : {"tpu", "gpu", "cuda:", "cuda:-1", "cuda:x", "CPU", "cuda0"})
    CHECK(devices_error(bad, 4) == "--devices '" + bad + "': '" + bad +
                                       "' is not a device (expected cpu, cuda or cuda:K, K = 0, "
                                       "1, ...)");
  CHECK(devices_error("cuda", 0) == "--devices 'cuda' names cuda, but live training sees no CUDA "
                                    "device (no GPU, or a LibTorch without CUDA support)");
  CHECK(devices_error("cpu,cuda:0", 0) == "--devices 'cpu,cuda:0' names cuda:0, but live training "
                                          "sees no CUDA device (no GPU, or a LibTorch without CUDA "
                                          "support)");
  CHECK(devices_error("cuda:2", 2) == "--devices 'cuda:2': cuda:2 is beyond the 2 CUDA device(s) "
                                      "live training sees (cuda:0 to cuda:1)");
}

TEST_CASE("Trial placement: a continuation goes to the place holding its trial, or moves",
          "[devices][executors]") {
  TrialPlacement placement;
  const std::vector<bool> all_free{true, true, true}, first_busy{false, true, true};
  // A new trial goes to the first free place, with nothing to rebuild.
  auto p = placement.place({1, 100, 1}, 11, all_free);
  CHECK(p.place == 0);
  CHECK(p.rebuild.epochs.empty());
  CHECK_FALSE(p.released_from);
  CHECK(placement.place({2, 200, 1}, 22, first_busy).place == 1);
  // Its holder free: the continuation stays, nothing rebuilt, whichever place is first free.
  p = placement.place({2, 200, 3}, 23, all_free);
  CHECK(p.place == 1);
  CHECK(p.rebuild.epochs.empty());
  CHECK_FALSE(p.released_from);
  // Its holder busy: it moves to the first free place, which rebuilds the trial's first job
  // (its seed) and rungs so far; the holder may let its copy go.
  p = placement.place({2, 200, 9}, 24, {true, false, true});
  CHECK(p.place == 0);
  CHECK(p.rebuild.first_seed == 22);
  CHECK(p.rebuild.epochs == std::vector<int>{1, 3});
  CHECK(p.released_from == 1);
  // ... and lives there now.
  CHECK(placement.place({2, 200, 27}, 25, {false, true, true}).place == 1);
  CHECK(placement.release(2) == 1);
  CHECK_FALSE(placement.release(2));
  // An estimator job (no rungs) keeps nothing.
  CHECK(placement.place({3, 300, search::Job::kEstimatorEpochs}, 31, first_busy).place == 1);
  CHECK_FALSE(placement.release(3));
  CHECK_THROWS_AS(placement.place({4, 400, 1}, 41, {false, false}), std::logic_error);
}

TEST_CASE("Trial placement: a trial known from the journal is rebuilt where it next runs",
          "[devices][executors][journal]") {
  TrialPlacement placement;
  placement.known({5, 500, 1}, 51);
  placement.known({5, 500, 3}, 52);
  placement.known({6, 600, search::Job::kEstimatorEpochs}, 61);
  // Held nowhere: released, no place lets it go.
  placement.known({7, 700, 1}, 71);
  CHECK_FALSE(placement.release(7));
  const auto p = placement.place({5, 500, 9}, 53, {false, true});
  CHECK(p.place == 1);
  CHECK(p.rebuild.first_seed == 51);
  CHECK(p.rebuild.epochs == std::vector<int>{1, 3});
  CHECK_FALSE(p.released_from);
  CHECK(placement.release(5) == 1);
}

TEST_CASE("Devices: the options that contradict --devices are refused, naming them",
          "[devices][plan][bad-input]") {
  StudyOptions o;
  o.source = "live";
  o.budget = "1h";
  o.executor = "local";
  o.devices = "cpu,cpu";
  using testing::plan_error;
  auto bad = o;
  bad.executor = "simulated";
  CHECK(plan_error(bad) == "--devices starts one local worker per device: it needs --executor local");
  bad.executor = "mpi";
  CHECK(plan_error(bad) == "--devices starts one local worker per device: it needs --executor local");
  bad = o;
  bad.source = "tabular";
  CHECK(plan_error(bad) == "--devices applies to live training (--source live)");
  bad = o;
  bad.device = "cpu";
  CHECK(plan_error(bad) == "--devices gives each worker its device: drop --device cpu");
  bad = o;
  bad.source_options["device"] = "cpu";
  CHECK(plan_error(bad) == "--devices gives each worker its device: drop --source-option device=");
  bad = o;
  bad.workers = 3;
  bad.workers_given = true;
  CHECK(plan_error(bad) == "--workers 3 with --devices cpu,cpu: --devices starts one worker per "
                           "device, 2 here (leave --workers out)");
  // An explicit --workers 1 contradicts two devices too.
  bad.workers = 1;
  CHECK_THAT(plan_error(bad), Catch::StartsWith("--workers 1 with --devices cpu,cpu"));
  bad.devices = "tpu";
  CHECK_THAT(plan_error(bad), Catch::StartsWith("--devices 'tpu': 'tpu' is not a device"));
}

TEST_CASE("nas-run --devices cuda without the live plugin says that live training is not in the "
          "build",
          "[devices][cli]") {
  testing::TempDir dir("devices-no-plugin");
  const auto r = testing::run_program(
      "nas-run", "--source live --executor local --devices cuda --budget 1h --out " +
                     dir.file("study"),
      "NASRUN_PLUGIN_DIR=" + dir.path().string() + " ");
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Catch::Contains("--devices 'cuda': live training is not in this build"));
  CHECK_FALSE(std::filesystem::exists(dir.file("study")));
}

#ifdef NASRUN_HAVE_LIVE
namespace {

// A live study of successive halving (rungs at 1 and 3 epochs) on two local workers, sharing one
// evaluator or (`devices`) one on each device listed, over fake CIFAR-10 files: tiny trainings
// (256 images of 16x16, C = 8, N = 1) with no truth runs.
struct LiveStudy {
  std::string data_dir = testing::make_fake_cifar("devices", 205, 64);
  ~LiveStudy() { std::filesystem::remove_all(data_dir); }

  StudyPlan plan(const std::optional<std::string>& devices) const {
    StudyOptions o;
    o.source = "live";
    o.dataset = "cifar10";
    o.source_options = {{"data_dir", data_dir}, {"epochs", "3"},         {"channels", "8"},
                        {"cells", "1"},         {"image_size", "16"},    {"train_subset", "256"},
                        {"valid_subset", "64"}, {"test_subset", "64"},   {"batch", "64"},
                        {"truth", "none"}};
    o.strategies = {"sh"};
    o.evaluators = {"sotle"};
    o.seeds = 1;
    o.budget = "10h";
    o.executor = "local";
    o.min_epochs = 1;
    o.max_epochs = 3;
    o.max_evaluations = 8;  // two brackets of 3 new trials and one promotion
    if (devices) {
      o.devices = devices;
    } else {
      o.workers = 2;
    }
    return plan_study(o);
  }
};

}  // namespace

TEST_CASE("Devices: one live worker per device gives the shared workers' results job for job",
          "[devices][live]") {
  const LiveStudy study;
  const auto shared = study.plan(std::nullopt);
  const auto devices = study.plan("cpu,cpu");
  CHECK(devices.devices == std::vector<std::string>{"cpu", "cpu"});
  CHECK(devices.config.budget.workers == 2);
  CHECK(devices.record["devices"] == nlohmann::json{"cpu", "cpu"});
  CHECK_FALSE(shared.record.contains("devices"));
  std::vector<std::vector<TraceRow>> runs;
  for (const auto* plan : {&shared, &devices}) {
    auto rows = run_one(plan->config, plan->space, plan->make_evaluator, "sh", "sotle", 0).trace.rows;
    std::sort(rows.begin(), rows.end(),
              [](const TraceRow& a, const TraceRow& b) { return a.real->job < b.real->job; });
    runs.push_back(rows);
  }
  REQUIRE(runs[0].size() == 8);
  REQUIRE(runs[1].size() == runs[0].size());
  int continuations = 0;
  for (std::size_t i = 0; i < runs[0].size(); ++i) {
    INFO("job " << i + 1);
    CHECK(runs[1][i].arch == runs[0][i].arch);
    CHECK(runs[1][i].epochs == runs[0][i].epochs);
    // Bit for bit: each job's training seed follows from its launch order alone.
    CHECK(runs[1][i].score == runs[0][i].score);
    continuations += runs[0][i].epochs == 3;
  }
  CHECK(continuations == 2);
}

TEST_CASE("Devices: a live training rebuilt on another device's worker continues bit for bit",
          "[devices][live]") {
  const LiveStudy study;
  const auto arch = spaces::make_search_space("nb201")->parse(testing::kLiveArch);
  std::vector<std::map<int, double>> scores;
  for (const auto& devices : {std::optional<std::string>{}, std::optional<std::string>{"cpu,cpu"}}) {
    const auto plan = study.plan(devices);
    auto evaluator = plan.make_evaluator("sotle", plan.config.estimator);
    const auto executor =
        plan.config.make_executor(*evaluator, "sotle", plan.config.estimator, plan.config.budget);
    common::Rng data_rng(3);
    // Trial 1 trains 1 epoch on the first worker; a new trial then takes that worker (the first
    // free), so that trial 1's continuation to 3 epochs runs on the other: with one evaluator per
    // worker its training is rebuilt there first.
    executor->submit(0, {1, arch, 1}, data_rng);
    REQUIRE(executor->wait());
    executor->submit(0, {2, arch + 1, 1}, data_rng);
    executor->submit(1, {1, arch, 3}, data_rng);
    std::map<int, double> by_worker;
    for (int jobs = 0; jobs < 2; ++jobs) {
      const auto c = executor->wait();
      REQUIRE(c);
      CHECK(c->failure.empty());
      by_worker[c->worker] = c->eval.score;
    }
    scores.push_back(by_worker);
  }
  CHECK(scores[1] == scores[0]);
}

TEST_CASE("Devices: --devices cuda is refused where live training sees no CUDA device",
          "[devices][plan][live]") {
  if (evaluators::live_cuda_device_count() > 0) {
    WARN("skipped: this machine has a CUDA device");
    return;
  }
  StudyOptions o;
  o.source = "live";
  o.budget = "1h";
  o.executor = "local";
  o.devices = "cuda";
  CHECK(testing::error_of([&] { plan_study(o); }) ==
        "--devices 'cuda' names cuda, but live training sees no CUDA device (no GPU, or a "
        "LibTorch without CUDA support)");
  // The program asks the plugin it opens, and refuses before anything is written.
  testing::TempDir dir("devices-cuda");
  const auto r = testing::run_program(
      "nas-run", "--source live --executor local --devices cuda --budget 1h --out " +
                     dir.file("study"));
  INFO(r.output);
  CHECK(r.status == 2);
  CHECK_THAT(r.output, Catch::Contains("live training sees no CUDA device"));
  CHECK_FALSE(std::filesystem::exists(dir.file("study")));
}
#endif
