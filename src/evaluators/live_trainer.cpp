#include "evaluators/live_trainer.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>

#include "common/random.hpp"
#include "evaluators/live_network_module.hpp"

namespace nasrun::evaluators::live {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

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

struct Evaluation {
  double loss = kNaN, acc = kNaN, time_s = 0;
};

Evaluation evaluate(NetworkModule& net, const Images& images, const DataSplits& data,
                    const TrainConfig& config, const torch::Device& device) {
  Evaluation e;
  if (images.count() == 0) return e;
  const auto start = std::chrono::steady_clock::now();
  // Inference mode skips autograd bookkeeping entirely (cheaper than NoGradGuard).
  c10::InferenceMode inference;
  net.eval();
  std::vector<std::size_t> order(images.count());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const BatchMaker maker(images, data);
  double loss_sum = 0;
  std::int64_t correct = 0;
  const auto batch = static_cast<std::size_t>(config.eval_batch);
  for (std::size_t begin = 0; begin < order.size(); begin += batch) {
    const std::size_t end = std::min(order.size(), begin + batch);
    auto [x, y] = maker.make(order, begin, end, nullptr);
    x = x.to(device);
    y = y.to(device);
    const auto logits = net.forward(x);
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, y,
                    torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    correct += logits.argmax(1).eq(y).sum().item<std::int64_t>();
  }
  const double n = static_cast<double>(images.count());
  e.loss = loss_sum / n;
  e.acc = 100.0 * static_cast<double>(correct) / n;
  e.time_s = seconds_since(start);
  return e;
}

}  // namespace

void TrainConfig::validate() const {
  auto fail = [](const std::string& what) { throw std::invalid_argument(what); };
  if (schedule_epochs < 1) fail("the schedule needs at least 1 epoch, got " + std::to_string(schedule_epochs));
  if (batch < 2) fail("batch must be at least 2, got " + std::to_string(batch));
  if (eval_batch < 1) fail("eval_batch must be at least 1, got " + std::to_string(eval_batch));
  if (!(lr > 0) || !std::isfinite(lr)) fail("lr must be positive and finite, got " + std::to_string(lr));
  if (!(momentum >= 0 && momentum < 1)) fail("momentum must be in [0, 1), got " + std::to_string(momentum));
  if (nesterov && momentum == 0) fail("Nesterov momentum needs momentum > 0");
  if (!(weight_decay >= 0) || !std::isfinite(weight_decay))
    fail("weight_decay must be >= 0, got " + std::to_string(weight_decay));
  if (threads < 1 || threads > 1024) fail("threads must be in [1, 1024], got " + std::to_string(threads));
  if (device != "cpu" && device != "cuda") fail("device must be cpu or cuda, got '" + device + "'");
}

void check_device(const std::string& device) {
  if (device == "cpu") return;
  if (device != "cuda") throw std::invalid_argument("device must be cpu or cuda, got '" + device + "'");
  if (torch::cuda::is_available()) return;
  if (torch::show_config().find("USE_CUDA=ON") == std::string::npos)
    throw std::runtime_error("device=cuda: this LibTorch build has no CUDA support");
  throw std::runtime_error("device=cuda: no CUDA device is available");
}

TrainResult train(const NetworkBuilder& builder, const NetworkConfig& network,
                  const Choices& choices, const DataSplits& data, const TrainConfig& config,
                  const TrainRequest& request) {
  config.validate();
  network.validate();
  if (request.epochs < 1 || request.epochs > config.schedule_epochs)
    throw std::invalid_argument("cannot train " + std::to_string(request.epochs) +
                                " epochs of a " + std::to_string(config.schedule_epochs) +
                                "-epoch schedule");
  if (network.input_channels != data.channels || network.num_classes != data.num_classes)
    throw std::invalid_argument("the network's input channels / classes do not match the data");
  check_device(config.device);
  const torch::Device device(config.device == "cuda" ? torch::kCUDA : torch::kCPU);
  ThreadScope threads(config.threads);

  // Private generators: initialisation (LibTorch), shuffling and augmentation (ours).
  auto init_generator = at::make_generator<at::CPUGeneratorImpl>(common::mix_seed(request.seed, 1));
  common::Rng shuffle_rng(common::mix_seed(request.seed, 2));
  common::Rng augment_rng(common::mix_seed(request.seed, 3));

  const std::shared_ptr<NetworkModule> net = builder(network, choices);
  initialise_parameters(*net, init_generator);
  net->to(device);

  TrainResult result;
  result.parameters = parameter_count(*net);
  result.test_loss = result.test_acc = kNaN;

  torch::optim::SGD optimizer(net->parameters(), torch::optim::SGDOptions(config.lr)
                                                     .momentum(config.momentum)
                                                     .nesterov(config.nesterov)
                                                     .weight_decay(config.weight_decay));
  const std::size_t n = data.train.count();
  const auto batch = static_cast<std::size_t>(config.batch);
  std::size_t iterations = (n + batch - 1) / batch;
  if (n % batch == 1) --iterations;  // drop a last batch of one image
  const double total_steps = static_cast<double>(iterations) * config.schedule_epochs;
  const double pi = std::acos(-1.0);

  const BatchMaker maker(data.train, data);
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});

  for (int epoch = 0; epoch < request.epochs && !result.diverged; ++epoch) {
    EpochRecord record;
    const auto start = std::chrono::steady_clock::now();
    net->train();
    for (std::size_t i = n; i > 1; --i)
      std::swap(order[i - 1], order[common::uniform_below(shuffle_rng, i)]);
    double loss_sum = 0;
    std::int64_t correct = 0, seen = 0;
    for (std::size_t it = 0; it < iterations; ++it) {
      const double step = static_cast<double>(epoch) * static_cast<double>(iterations) +
                          static_cast<double>(it);
      const double lr = 0.5 * config.lr * (1.0 + std::cos(pi * step / total_steps));
      for (auto& group : optimizer.param_groups())
        static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);

      const std::size_t begin = it * batch, end = std::min(n, begin + batch);
      auto [x, y] = maker.make(order, begin, end, config.augment ? &augment_rng : nullptr);
      x = x.to(device);
      y = y.to(device);
      optimizer.zero_grad();
      const auto logits = net->forward(x);
      const auto loss = torch::nn::functional::cross_entropy(logits, y);
      const double value = loss.item<double>();
      const auto b = static_cast<std::int64_t>(end - begin);
      if (!std::isfinite(value)) {
        result.diverged = true;
        loss_sum = value;  // the epoch's loss is the non-finite one
        seen = std::max<std::int64_t>(seen, 1);
        break;
      }
      loss.backward();
      optimizer.step();
      loss_sum += value * static_cast<double>(b);
      correct += logits.detach().argmax(1).eq(y).sum().item<std::int64_t>();
      seen += b;
    }
    record.train_time_s = seconds_since(start);
    record.train_loss = result.diverged ? loss_sum : loss_sum / static_cast<double>(seen);
    record.train_acc = 100.0 * static_cast<double>(correct) / static_cast<double>(seen);
    record.valid_loss = record.valid_acc = kNaN;
    record.eval_time_s = kNaN;
    if (!result.diverged && request.evaluate_valid) {
      const auto e = evaluate(*net, data.valid, data, config, device);
      record.valid_loss = e.loss;
      record.valid_acc = e.acc;
      record.eval_time_s = e.time_s;
    }
    result.epochs.push_back(record);
  }
  if (!result.diverged && request.evaluate_test) {
    const auto e = evaluate(*net, data.test, data, config, device);
    result.test_loss = e.loss;
    result.test_acc = e.acc;
    result.test_time_s = e.time_s;
  }
  return result;
}

}  // namespace nasrun::evaluators::live
