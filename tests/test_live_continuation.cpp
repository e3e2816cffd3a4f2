// Live trainings that continue between the rungs of a multi-fidelity search: a training stopped
// and continued (in memory, or spilled to a file and read back) is the uninterrupted training
// bit for bit; kept trainings stay within their memory cap and are released with their files;
// a multi-fidelity run over live training charges a promotion only its new epochs.
#ifdef NASRUN_HAVE_LIVE

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <optional>
#include <thread>
#include <unistd.h>

#include "evaluators/evaluator.hpp"
#include "evaluators/live_source.hpp"
#include "evaluators/live_trainer.hpp"
#include "live_fake_data.hpp"
#include "live_small_training.hpp"
#include "run/search_run.hpp"
#include "search/multi_fidelity.hpp"

using namespace nasrun;
using namespace nasrun::evaluators::live;
using bench::Metric;
using testing::ops_of;
using testing::small_config;
using testing::small_data;
using testing::small_network;

namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kSeed = 11;

Training small_training() {
  return Training(network_builder("nb201"), small_network(), ops_of(testing::kLiveArch),
                  small_data(), small_config(5), kSeed);
}

// The 5-epoch training in one go, test pass included (trained once).
const TrainResult& uninterrupted() {
  static const TrainResult r = [] {
    TrainRequest request;
    request.epochs = 5;
    request.seed = kSeed;
    request.evaluate_test = true;
    return train(network_builder("nb201"), small_network(), ops_of(testing::kLiveArch),
                 small_data(), small_config(5), request);
  }();
  return r;
}

// Every recorded value but the times, bit for bit.
void check_same_training(const TrainResult& a, const TrainResult& b) {
  REQUIRE(a.epochs.size() == b.epochs.size());
  for (std::size_t t = 0; t < a.epochs.size(); ++t) {
    INFO("epoch " << t + 1);
    CHECK(a.epochs[t].train_loss == b.epochs[t].train_loss);
    CHECK(a.epochs[t].train_acc == b.epochs[t].train_acc);
    CHECK(a.epochs[t].valid_loss == b.epochs[t].valid_loss);
    CHECK(a.epochs[t].valid_acc == b.epochs[t].valid_acc);
  }
  CHECK(a.test_loss == b.test_loss);
  CHECK(a.test_acc == b.test_acc);
  CHECK(a.diverged == b.diverged);
}

std::size_t files_under(const fs::path& folder) {
  std::size_t n = 0;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) n += entry.is_regular_file();
  return n;
}

// A folder of its own under the temporary folder, removed with the object.
struct ScratchFolder {
  explicit ScratchFolder(const std::string& name)
      : path(fs::temp_directory_path() /
             ("nasrun-kept-test-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchFolder() { fs::remove_all(path); }
  fs::path path;
};

// Fake CIFAR-10 files and a folder for spilled trainings, removed with the object, and live
// sources over them.
struct LiveScratch {
  explicit LiveScratch(const std::string& name)
      : data_dir(testing::make_fake_cifar("kept-" + name, 205, 64)), kept_dir(name) {}
  ~LiveScratch() { fs::remove_all(data_dir); }

  // A source of `schedule` epochs over the fake data (256 training images of 16x16, C = 8,
  // N = 1), keeping trainings within `kept_mb` in `kept` (default: kept_dir).
  std::shared_ptr<LiveCurveSource> source(int kept_mb, int schedule, fs::path kept = {}) const {
    if (kept.empty()) kept = kept_dir.path;
    auto options = LiveOptions::parse(
        {{"data_dir", data_dir}, {"epochs", std::to_string(schedule)}, {"channels", "8"},
         {"cells", "1"}, {"image_size", "16"}, {"train_subset", "256"}, {"valid_subset", "64"},
         {"test_subset", "64"}, {"batch", "64"}, {"truth", "none"},
         {"kept_memory_mb", std::to_string(kept_mb)}, {"kept_dir", kept.string()}},
        "cifar10");
    return std::make_shared<LiveCurveSource>(spaces::make_search_space("nb201"), options);
  }

  std::string data_dir;
  ScratchFolder kept_dir;
};

spaces::ArchCode live_arch() {
  return spaces::make_search_space("nb201")->parse(testing::kLiveArch);
}

const std::vector<evaluators::CurveNeed> kNeeds = {{Metric::TrainLoss, 1, 1},
                                                   {Metric::ValidAcc, 1, 1}};

void check_same_curve(const evaluators::Curve& a, const evaluators::Curve& b) {
  REQUIRE(a.epochs_trained == b.epochs_trained);
  for (Metric m : {Metric::TrainLoss, Metric::TrainAcc, Metric::ValidLoss, Metric::ValidAcc})
    for (int t = 1; t <= a.epochs_trained; ++t) {
      INFO(bench::metric_name(m) << " at epoch " << t);
      CHECK(a.at(m, t) == b.at(m, t));
    }
}

}  // namespace

TEST_CASE("live trainer: a training advanced to 2 then 5 epochs is the uninterrupted one",
          "[live]") {
  Training training = small_training();
  const TrainResult& first = training.advance(2, true, false);
  REQUIRE(first.epochs.size() == 2);
  CHECK(std::isnan(first.test_acc));
  CHECK(first.epochs[1].train_loss == uninterrupted().epochs[1].train_loss);
  check_same_training(training.advance(5, true, true), uninterrupted());
  CHECK(training.epochs_trained() == 5);

  CHECK_THROWS_WITH(training.advance(5, true, false),
                    Catch::Contains("on to epoch 5") && Catch::Contains("trained 5"));
  CHECK_THROWS_WITH(training.advance(6, true, false),
                    Catch::Contains("cannot train 6 epochs of a 5-epoch schedule"));
}

TEST_CASE("live trainer: a spilled training reads back bit for bit", "[live]") {
  const ScratchFolder folder("spill");
  const std::string path = (folder.path / "training.pt").string();
  Training training = small_training();
  training.advance(2, true, false);
  const std::size_t bytes = training.memory_bytes();
  CHECK(bytes > 0);
  training.spill(path);
  CHECK(training.spilled());
  CHECK(training.memory_bytes() == 0);
  CHECK(fs::file_size(path) > 0);
  CHECK(training.result().epochs.size() == 2);  // the records stay
  CHECK_THROWS_AS(training.advance(3, true, false), std::logic_error);
  training.reload(path);
  CHECK_FALSE(training.spilled());
  CHECK(training.memory_bytes() == bytes);
  check_same_training(training.advance(5, true, true), uninterrupted());

  Training unread = small_training();
  unread.advance(1, true, false);
  unread.spill(path);
  fs::remove(path);
  CHECK_THROWS_WITH(unread.reload(path), Catch::Contains("cannot read the kept training from " + path));
}

TEST_CASE("live source: a continued observation is the uninterrupted one, kept in memory or "
          "spilled, and releasing it frees both",
          "[live]") {
  const LiveScratch scratch("continue");
  const auto& kept_dir = scratch.kept_dir;
  const auto arch = live_arch();
  common::Rng fresh_rng(5);
  const auto reference = scratch.source(0, 5)->observe(arch, 5, kNeeds, fresh_rng);
  for (int kept_mb : {1024, 0}) {
    INFO("kept_memory_mb=" << kept_mb);
    const auto source = scratch.source(kept_mb, 5);
    common::Rng rng(5);
    std::unique_ptr<evaluators::KeptTraining> kept;
    const auto first = source->observe_continuing(arch, 2, kNeeds, rng, kept);
    REQUIRE(kept);
    CHECK(kept->epochs == 2);
    CHECK(rng == fresh_rng);  // the fresh training drew its seed as observe() does
    const bool spills = kept_mb == 0;
    CHECK(source->kept().spilled() == (spills ? 1u : 0u));
    CHECK((source->kept().memory_bytes() > 0) == !spills);
    CHECK(files_under(kept_dir.path) == (spills ? 1u : 0u));

    const auto continued = source->observe_continuing(arch, 5, kNeeds, rng, kept);
    CHECK(rng == fresh_rng);  // a continuation draws nothing
    CHECK(kept->epochs == 5);
    check_same_curve(continued, reference);
    // Epochs 1-2 are the first call's, not trained again.
    CHECK(continued.train_time_s[0] == first.train_time_s[0]);
    CHECK(continued.train_time_s[1] == first.train_time_s[1]);
    CHECK(files_under(kept_dir.path) == (spills ? 1u : 0u));

    kept.reset();  // released, as the runner does when a strategy drops the trial
    CHECK(source->kept().memory_bytes() == 0);
    CHECK(source->kept().spilled() == 0);
    CHECK(files_under(kept_dir.path) == 0);
  }
}

TEST_CASE("live source: a kept training continues only its own architecture, beyond its epochs",
          "[live]") {
  const LiveScratch scratch("errors");
  const auto arch = live_arch();
  const auto source = scratch.source(1024, 3);
  common::Rng rng(1);
  std::unique_ptr<evaluators::KeptTraining> kept;
  source->observe_continuing(arch, 1, kNeeds, rng, kept);
  CHECK_THROWS_WITH(source->observe_continuing(arch + 1, 2, kNeeds, rng, kept),
                    Catch::Contains("cannot continue as architecture"));
  CHECK_THROWS_WITH(source->observe_continuing(arch, 1, kNeeds, rng, kept),
                    Catch::Contains("of 1 epochs cannot continue to epoch 1"));
  CHECK_THROWS_WITH(scratch.source(1024, 3)->observe_continuing(arch, 2, kNeeds, rng, kept),
                    Catch::Contains("made by another source"));
  std::unique_ptr<evaluators::KeptTraining> foreign = std::make_unique<evaluators::KeptTraining>();
  CHECK_THROWS_WITH(source->observe_continuing(arch, 2, kNeeds, rng, foreign),
                    Catch::Contains("made by another source"));
  // What failed left the kept training as it was: it still continues.
  CHECK(source->observe_continuing(arch, 2, kNeeds, rng, kept).epochs_trained == 2);

  const auto missing = scratch.kept_dir.path / "missing";
  CHECK_THROWS_WITH(scratch.source(1024, 3, missing),
                    Catch::Contains("kept_dir='" + missing.string() +
                                    "': expected an existing folder"));
  CHECK_THROWS_WITH(LiveOptions::parse({{"kept_memory_mb", "-1"}}),
                    Catch::Contains("kept_memory_mb='-1'") && Catch::Contains("an integer in [0,"));
}

TEST_CASE("live source: parallel runs continue their trainings through one shared cap",
          "[live]") {
  const LiveScratch scratch("parallel");
  const std::vector<spaces::ArchCode> archs = {live_arch(), 1234};
  // Each run: a fresh training of 1 epoch continued to 2, its seed drawn from its own rng.
  auto run = [&](LiveCurveSource& source, std::size_t i) {
    common::Rng rng(i);
    std::unique_ptr<evaluators::KeptTraining> kept;
    source.observe_continuing(archs[i], 1, kNeeds, rng, kept);
    return source.observe_continuing(archs[i], 2, kNeeds, rng, kept);
  };
  std::vector<evaluators::Curve> alone;
  for (std::size_t i = 0; i < archs.size(); ++i)
    alone.push_back(run(*scratch.source(1024, 3), i));
  const auto shared = scratch.source(0, 3);
  std::vector<evaluators::Curve> together(archs.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < archs.size(); ++i)
    threads.emplace_back([&, i] { together[i] = run(*shared, i); });
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < archs.size(); ++i) check_same_curve(together[i], alone[i]);
  CHECK(shared->kept().spilled() == 0);  // both released
  CHECK(files_under(scratch.kept_dir.path) == 0);
}

namespace {

// Starts three trials at 1 epoch and, once all three are told, continues the best to 3 and
// drops the other two.
class BestOfThree : public search::MultiFidelityStrategy {
 public:
  explicit BestOfThree(std::vector<spaces::ArchCode> archs) : archs_(std::move(archs)) {}
  std::optional<search::Job> ask() override {
    if (started_ < archs_.size()) {
      const auto trial = started_++;
      return search::Job{trial, archs_[trial], 1};
    }
    if (!best_ || promoted_) return std::nullopt;
    promoted_ = true;
    return search::Job{*best_, archs_[*best_], 3};
  }
  void tell(const search::Job& job, double score) override {
    if (job.epochs != 1) return;
    scores_.emplace_back(score, job.trial);
    if (scores_.size() < archs_.size()) return;
    std::sort(scores_.begin(), scores_.end());
    best_ = scores_.front().second;
    for (std::size_t i = 1; i < scores_.size(); ++i) dropped_.push_back(scores_[i].second);
  }
  std::vector<std::uint64_t> take_dropped() override { return std::exchange(dropped_, {}); }

 private:
  std::vector<spaces::ArchCode> archs_;
  std::uint64_t started_ = 0;
  std::vector<std::pair<double, std::uint64_t>> scores_;
  std::optional<std::uint64_t> best_;
  bool promoted_ = false;
  std::vector<std::uint64_t> dropped_;
};

// Forwards to the live source and records each observation, and how many kept trainings were
// spilled when it began.
class RecordingSource : public evaluators::LearningCurveSource {
 public:
  explicit RecordingSource(std::shared_ptr<LiveCurveSource> live) : live_(std::move(live)) {}
  std::string describe() const override { return live_->describe(); }
  int schedule_epochs() const override { return live_->schedule_epochs(); }
  evaluators::Curve observe(spaces::ArchCode arch, int epochs,
                            const std::vector<evaluators::CurveNeed>& needs,
                            common::Rng& rng) override {
    return live_->observe(arch, epochs, needs, rng);
  }
  double final_test_error(spaces::ArchCode arch) override { return live_->final_test_error(arch); }
  evaluators::Curve observe_continuing(spaces::ArchCode arch, int epochs,
                                       const std::vector<evaluators::CurveNeed>& needs,
                                       common::Rng& rng,
                                       std::unique_ptr<evaluators::KeptTraining>& kept) override {
    spilled_before.push_back(live_->kept().spilled());
    curves.push_back(live_->observe_continuing(arch, epochs, needs, rng, kept));
    return curves.back();
  }

  std::vector<evaluators::Curve> curves;
  std::vector<std::size_t> spilled_before;

 private:
  std::shared_ptr<LiveCurveSource> live_;
};

}  // namespace

TEST_CASE("multi-fidelity run over live training: a promotion trains and is charged only its "
          "new epochs",
          "[live]") {
  const LiveScratch scratch("run");
  const auto live = scratch.source(0, 3);
  const auto source = std::make_shared<RecordingSource>(live);
  evaluators::EstimatorOptions options;
  options.T = 3;
  evaluators::Evaluator evaluator(evaluators::make_estimator("sotle", options), source, {},
                                  evaluators::estimator_at_epochs("sotle", options, 3));
  BestOfThree strategy({live_arch(), 1234, 8765});
  common::Rng data_rng(2);
  const auto trace = experiment::run_search(strategy, evaluator, {1e9, 1, 0}, data_rng);

  REQUIRE(trace.rows.size() == 4);
  REQUIRE(source->curves.size() == 4);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(trace.rows[i].epochs == 1);
    // SoTL-E reads no validation pass: a rung costs its training time.
    CHECK(trace.rows[i].cost_s == source->curves[i].train_time_s[0]);
  }
  const auto& promoted = trace.rows[3];
  CHECK(promoted.epochs == 3);
  const auto& curve = source->curves[3];
  std::size_t first = 0;
  while (trace.rows[first].arch != promoted.arch) ++first;
  // Epoch 1 is the first rung's own, not trained again, and only epochs 2 and 3 are charged.
  CHECK(curve.train_time_s[0] == source->curves[first].train_time_s[0]);
  CHECK(promoted.cost_s == 0.0 + curve.train_time_s[1] + curve.train_time_s[2]);
  CHECK(promoted.score == curve.at(Metric::TrainLoss, 3));
  // The two dropped trials were released before the promotion: only the best one was spilled.
  CHECK(source->spilled_before[3] == 1);
  CHECK(live->kept().spilled() == 0);  // the run released everything it kept
  CHECK(files_under(scratch.kept_dir.path) == 0);
}

#endif  // NASRUN_HAVE_LIVE
