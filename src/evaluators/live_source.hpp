// Learning curves from live training: each observation trains the architecture's network, as
// its space's builder makes it (live_network_builder.hpp), with LibTorch (live_trainer.hpp) and
// reports what it measured. The curve source "live", made through the plugin's entry point
// (plugin_source.hpp); its settings come from `--source-option key=value` (see
// docs/live-training.md and LiveOptions::keys()).
#pragma once

#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench/benchmark.hpp"
#include "evaluators/learning_curve.hpp"
#include "evaluators/live_data.hpp"
#include "evaluators/live_kept.hpp"
#include "evaluators/live_network.hpp"
#include "evaluators/live_network_builder.hpp"
#include "evaluators/live_trainer.hpp"

namespace nasrun::evaluators::live {

struct LiveOptions {
  enum class Truth { Full, None };

  DataOptions data;
  NetworkConfig network;  // num_classes and input_channels follow the data
  TrainConfig train;
  Truth truth = Truth::Full;
  // Trainings kept between the rungs of multi-fidelity searches: the memory they may hold
  // together, beyond which the least recently used are spilled to files in a folder made in
  // kept_dir ("" = the system's temporary folder).
  std::size_t kept_memory_mb = 1024;
  std::string kept_dir;
  // Images of the minibatch the zero-cost proxies see.
  int proxy_batch = 64;

  // The settings `extra` may hold, each "key: meaning (default)".
  static const std::vector<std::pair<std::string, std::string>>& keys();
  // Reads `extra` (values as strings, or JSON numbers/booleans) over the defaults for the
  // dataset. `dataset` is the run's --dataset ("" = the option or fashion-mnist; cifar10-valid
  // means cifar10); `schedule` "" = T_end from the option `epochs`, else a number of epochs (a
  // separate schedule of that length, e.g. "12"). Throws std::invalid_argument naming the key
  // and what was expected; unknown keys are rejected with the list of valid ones.
  static LiveOptions parse(const nlohmann::json& extra, const std::string& dataset = "",
                           const std::string& schedule = "");
  std::string describe() const;
};

class LiveCurveSource : public LearningCurveSource {
 public:
  // Loads the data now (files are checked here; data is shared between sources with the same
  // data options). `space` (default nb201) must have a network builder. `data_seeds`: which training seed an observation uses (random: drawn from the
  // run's rng; fixed: that seed; mean is not allowed). `truth_seeds`: the seed of the truth run
  // (fixed: that seed; mean: seed 0, one run).
  LiveCurveSource(spaces::SearchSpacePtr space, LiveOptions options,
                  bench::SeedPolicy data_seeds = bench::SeedPolicy::random(),
                  bench::SeedPolicy truth_seeds = bench::SeedPolicy::mean());

  std::string describe() const override;
  int schedule_epochs() const override { return options_.train.schedule_epochs; }
  // Trains `epochs` epochs (of the T_end schedule). Every metric's series has one value per
  // epoch trained: train loss/accuracy, validation loss/accuracy (after each epoch), train and
  // eval times; test and ori-test (both the test split) only at the last epoch, and only when a
  // need asks for them (NaN elsewhere). A diverged run keeps what it trained, diverged = true.
  Curve observe(ArchCode arch, int epochs, const std::vector<CurveNeed>& needs,
                Rng& rng) override;
  // As observe(), as one training continued (learning_curve.hpp): a fresh training is the one
  // observe() trains (the same seed drawn, the same curve), and is kept in `kept`
  // (KeptLiveTraining) with its network, optimizer, generators and data order, so that a later
  // call trains only the epochs beyond it and gives the curve of one uninterrupted training.
  // Kept trainings share the memory cap kept_memory_mb; beyond it they are spilled to files.
  // Throws std::logic_error when `kept` holds another source's training, another
  // architecture's, or one that trained `epochs` already.
  Curve observe_continuing(ArchCode arch, int epochs, const std::vector<CurveNeed>& needs,
                           Rng& rng, std::unique_ptr<KeptTraining>& kept) override;
  // 100 - test accuracy after a full T_end-epoch run with the truth seed (cached per
  // architecture, thread-safe; concurrent callers of the same architecture share one run).
  // NaN when truth=none, or when the truth run diverged.
  double final_test_error(ArchCode arch) override;
  // The proxies of the network a training of the drawn seed starts from (compute_proxies,
  // live_proxies.hpp), on proxy_batch training images.
  ProxyValues observe_proxies(ArchCode arch, const std::vector<Proxy>& proxies, Rng& rng) override;
  void check_serves_proxies(const std::vector<Proxy>&) const override {}

  const LiveOptions& options() const { return options_; }
  const DataSplits& data() const { return *data_; }
  // The kept trainings of this source (all its callers').
  const KeptTrainings& kept() const { return *kept_; }

 private:
  // Throws std::invalid_argument for an architecture outside the space or epochs outside the
  // schedule.
  void check_observation(ArchCode arch, int epochs) const;
  // The seed of an observation's training: the fixed data seed, or a draw from `rng`.
  std::uint64_t training_seed(Rng& rng) const;

  spaces::SearchSpacePtr space_;
  NetworkBuilder network_builder_;
  LiveOptions options_;
  bench::SeedPolicy data_seeds_;
  std::uint64_t truth_seed_;
  std::shared_ptr<const DataSplits> data_;
  std::mutex truth_mutex_;
  std::map<ArchCode, std::shared_future<double>> truth_;
  std::shared_ptr<KeptTrainings> kept_;
};

}  // namespace nasrun::evaluators::live
