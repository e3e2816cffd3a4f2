// What the trainer and the zero-cost proxies share: the scope of LibTorch's intra-op thread
// count, and the normalised batches of a split. Include only from live*.cpp files (LibTorch).
#pragma once

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <utility>
#include <vector>

#include "common/random.hpp"
#include "evaluators/live_data.hpp"

namespace nasrun::evaluators::live {

// Sets the calling thread's LibTorch intra-op thread count for the scope. (With the OpenMP
// backend the count is a per-thread setting, so concurrent trainings keep their own.)
class ThreadScope {
 public:
  explicit ThreadScope(int threads) : previous_(at::get_num_threads()) {
    if (threads != previous_) at::set_num_threads(threads);
  }
  ~ThreadScope() {
    if (at::get_num_threads() != previous_) at::set_num_threads(previous_);
  }
  ThreadScope(const ThreadScope&) = delete;
  ThreadScope& operator=(const ThreadScope&) = delete;

 private:
  int previous_;
};

// Builds normalised (optionally augmented) batches of a split.
class BatchMaker {
 public:
  BatchMaker(const Images& images, const DataSplits& data) : images_(images), data_(data) {}

  // Images `order[begin, end)`; `rng` non-null = random crop (zero padding side/8) + flip.
  std::pair<torch::Tensor, torch::Tensor> make(const std::vector<std::size_t>& order,
                                               std::size_t begin, std::size_t end,
                                               common::Rng* rng) const {
    const auto b = static_cast<std::int64_t>(end - begin);
    const int c = images_.channels, s = images_.height;
    auto x = torch::empty({b, c, s, s}, torch::kFloat32);
    auto y = torch::empty({b}, torch::kInt64);
    float* out = x.data_ptr<float>();
    std::int64_t* labels = y.data_ptr<std::int64_t>();
    const std::size_t plane = static_cast<std::size_t>(s) * static_cast<std::size_t>(s);
    const int pad = s / 8;
    for (std::size_t i = begin; i < end; ++i) {
      const std::size_t src = order[i];
      labels[i - begin] = images_.labels[src];
      int dy = pad, dx = pad;
      bool flip = false;
      if (rng) {
        dy = static_cast<int>(common::uniform_below(*rng, static_cast<std::uint64_t>(2 * pad + 1)));
        dx = static_cast<int>(common::uniform_below(*rng, static_cast<std::uint64_t>(2 * pad + 1)));
        flip = common::uniform_below(*rng, 2) == 1;
      }
      for (int ch = 0; ch < c; ++ch) {
        const auto k = static_cast<std::size_t>(ch);
        const float mean = data_.mean[k], inv_std = 1.0f / data_.stddev[k];
        const std::uint8_t* in = images_.pixels.data() + (src * static_cast<std::size_t>(c) + k) * plane;
        float* o = out + ((i - begin) * static_cast<std::size_t>(c) + k) * plane;
        for (int yy = 0; yy < s; ++yy) {
          const int sy = yy + dy - pad;
          for (int xx = 0; xx < s; ++xx) {
            const int cx = flip ? s - 1 - xx : xx;
            const int sx = cx + dx - pad;
            const float v = (sy >= 0 && sy < s && sx >= 0 && sx < s)
                                ? in[static_cast<std::size_t>(sy * s + sx)] / 255.0f
                                : 0.0f;
            o[yy * s + xx] = (v - mean) * inv_std;
          }
        }
      }
    }
    return {x, y};
  }

 private:
  const Images& images_;
  const DataSplits& data_;
};

}  // namespace nasrun::evaluators::live
