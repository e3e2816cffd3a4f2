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
// A training can stop after any epoch and continue later (Training): the continuation is the
// same training (network, optimizer state, generators, data order, the learning rate of the
// T_end schedule), so advancing to T1 and then to T2 gives the curve of one training to T2, bit
// for bit on the CPU. While stopped, its state can be written to a file and freed (spill) and
// read back exactly (reload).
//
// Randomness: parameter initialisation, shuffling and augmentation come from the run's seed
// only, through generators private to the run (never LibTorch's global generator), so trainings
// that run concurrently do not influence each other. On the CPU the same seed, data, options and
// thread count give bit-identical curves; a different thread count may change the last bits
// (reduction order). CUDA runs are not bit-reproducible (cuDNN algorithm choice, atomics).
// Times are wall-clock and vary.
#pragma once

#include <cstdint>
#include <memory>
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
  std::string device = "cpu"; // cpu | cuda | cuda:K (is_device_name)

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

// One training of one network with one seed, advanced epoch by epoch. Holds references to
// `data`, which must outlive it. Not thread-safe: one caller at a time.
class Training {
 public:
  // Builds and initialises the network (`builder` makes the network of the architecture
  // `choices`, e.g. network_builder("nb201")). Throws std::invalid_argument for bad settings and
  // std::runtime_error when the device is not available ("this LibTorch build has no CUDA
  // support" / "no CUDA device").
  Training(const NetworkBuilder& builder, const NetworkConfig& network, const Choices& choices,
           const DataSplits& data, const TrainConfig& config, std::uint64_t seed);
  ~Training();
  Training(const Training&) = delete;
  Training& operator=(const Training&) = delete;

  // Trains on to epoch `epochs` of the schedule (beyond the epochs trained; a diverged training
  // trains no more), with a validation pass after each new epoch when `evaluate_valid` and a test
  // pass after the last when `evaluate_test`. Returns every epoch trained so far; the test
  // fields are this call's (NaN unless asked). Throws std::invalid_argument for an epoch outside
  // the schedule or not beyond the epochs trained, std::logic_error while spilled.
  const TrainResult& advance(int epochs, bool evaluate_valid, bool evaluate_test);
  const TrainResult& result() const;
  // Epochs trained so far (the diverged one included).
  int epochs_trained() const;

  // Bytes that the training's state holds while it is not advancing: parameters, buffers,
  // optimizer state (gradients are freed between advances) and the data order; 0 while spilled.
  std::size_t memory_bytes() const;
  // Writes the state (torch::save format: parameters, buffers and optimizer state, the
  // shuffling and augmentation generators, the data order) to `path` and frees it; the epochs
  // recorded stay. Throws std::runtime_error naming the path when it cannot be written (the
  // state is then kept).
  void spill(const std::string& path);
  // Reads back what spill() wrote, bit for bit; the file is left for the caller to remove.
  void reload(const std::string& path);
  bool spilled() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One training advanced once: Training(...).advance(request.epochs, ...). Throws as Training
// does.
TrainResult train(const NetworkBuilder& builder, const NetworkConfig& network,
                  const Choices& choices, const DataSplits& data, const TrainConfig& config,
                  const TrainRequest& request);

// Checks that `device` can be used; throws as train() does.
void check_device(const std::string& device);
// Whether `device` is a device's name as TrainConfig takes it: cpu, cuda (the current CUDA
// device) or cuda:K (CUDA device K, K = 0, 1, ...).
bool is_device_name(const std::string& device);
// The CUDA devices LibTorch sees: 0 without any, or without CUDA support in this LibTorch.
int cuda_device_count();

}  // namespace nasrun::evaluators::live
