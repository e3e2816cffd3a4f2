// Trains one network (of the space whose builder makes it, live_network_builder.hpp) with
// LibTorch and records its learning curve. The header is free of LibTorch types.
//
// Recipe (NAS-Bench-201's defaults, each configurable): SGD with Nesterov momentum 0.9, weight
// decay 5e-4 on every parameter, batch 256, cross-entropy, learning rate 0.1 cosine-annealed to 0
// over the schedule's T_end epochs, updated before every iteration (lr = 0.5 lr0 (1 + cos(pi s /
// S)) with s the iterations done and S = T_end x iterations per epoch). Training only the first T
// epochs leaves the schedule spanning T_end. The training split is reshuffled every epoch; a
// last batch of a single image is dropped (batch norm needs two). Augmentation (optional): random
// crop with zero padding side/8 and a horizontal flip with probability 1/2.
//
// Randomness: parameter initialisation, shuffling and augmentation come from the run's seed
// only, through generators private to the run (never LibTorch's global generator), so trainings
// that run concurrently do not influence each other. On the CPU the same seed, data, options and
// thread count give bit-identical curves; a different thread count may change the last bits
// (reduction order). CUDA runs are not bit-reproducible (cuDNN algorithm choice, atomics).
// Times are wall-clock and vary.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "evaluators/live_data.hpp"
#include "evaluators/live_network.hpp"
#include "evaluators/live_network_builder.hpp"

namespace nasrun::evaluators::live {

struct TrainConfig {
  int schedule_epochs = 200;  // T_end
  int batch = 256;
  int eval_batch = 1024;
  double lr = 0.1;
  double momentum = 0.9;
  bool nesterov = true;
  double weight_decay = 5e-4;
  bool augment = true;
  int threads = 1;            // LibTorch intra-op threads of the calling thread during training
  std::string device = "cpu"; // cpu | cuda

  // Throws std::invalid_argument naming the field.
  void validate() const;
};

struct EpochRecord {
  double train_loss = 0;  // mean cross-entropy over the epoch's training images
  double train_acc = 0;   // percent, on the (augmented) training batches, train mode
  double valid_loss = 0, valid_acc = 0;  // after the epoch, eval mode; NaN if not evaluated
  double train_time_s = 0, eval_time_s = 0;
};

struct TrainResult {
  std::vector<EpochRecord> epochs;  // one per epoch trained (the diverged one included)
  bool diverged = false;            // a minibatch loss was NaN or infinite; training stopped
  double test_loss = 0, test_acc = 0;  // after the last epoch; NaN unless asked for
  double test_time_s = 0;
  std::int64_t parameters = 0;
};

struct TrainRequest {
  int epochs = 1;              // T <= config.schedule_epochs
  std::uint64_t seed = 0;
  bool evaluate_valid = true;  // validation pass after every epoch
  bool evaluate_test = false;  // test pass after the last epoch
};

// Throws std::invalid_argument for bad settings and std::runtime_error when the device is not
// available ("this LibTorch build has no CUDA support" / "no CUDA device").
// `builder` makes the network of the architecture `choices` (e.g. network_builder("nb201")).
TrainResult train(const NetworkBuilder& builder, const NetworkConfig& network,
                  const Choices& choices, const DataSplits& data, const TrainConfig& config,
                  const TrainRequest& request);

// Checks that `device` can be used; throws as train() does.
void check_device(const std::string& device);

}  // namespace nasrun::evaluators::live
