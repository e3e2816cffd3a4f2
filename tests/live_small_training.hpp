// A tiny training setup shared by the live-training tests: an NB201 cell on a small network
// (C = 8, N = 1) over 512 fake CIFAR-10 images of 16x16 (live_fake_data.hpp).
#pragma once

#include <filesystem>

#include "evaluators/live_data.hpp"
#include "evaluators/live_trainer.hpp"
#include "live_fake_data.hpp"
#include "spaces/search_space.hpp"

namespace nasrun::testing {

inline const char* const kLiveArch =
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|";

// 512 training images, 16x16, from fake CIFAR files (loaded once).
inline const evaluators::live::DataSplits& small_data() {
  static const evaluators::live::DataSplits d = [] {
    const auto dir = make_fake_cifar("train", 205, 64);
    evaluators::live::DataOptions o;
    o.dataset = "cifar10";
    o.data_dir = dir;
    o.image_size = 16;
    o.train_subset = 512;
    o.valid_subset = 128;
    auto data = evaluators::live::load_data(o);
    std::filesystem::remove_all(dir);
    return data;
  }();
  return d;
}

inline evaluators::live::NetworkConfig small_network() {
  evaluators::live::NetworkConfig n;
  n.channels = 8;
  n.cells = 1;
  n.input_channels = 3;
  n.num_classes = 10;
  return n;
}

inline evaluators::live::TrainConfig small_config(int schedule) {
  evaluators::live::TrainConfig c;
  c.schedule_epochs = schedule;
  c.batch = 64;
  c.augment = true;
  return c;
}

inline evaluators::live::CellOps ops_of(const char* arch) {
  const auto space = spaces::make_search_space("nb201");
  return space->decode(space->parse(arch));
}

}  // namespace nasrun::testing
