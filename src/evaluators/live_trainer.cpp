#include "evaluators/live_trainer.hpp"

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>

#include "common/random.hpp"
#include "evaluators/live_batches.hpp"
#include "evaluators/live_network_module.hpp"

namespace nasrun::evaluators::live {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

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
  if (!is_device_name(device))
    fail("device must be cpu, cuda or cuda:K (K = 0, 1, ...), got '" + device + "'");
}

bool is_device_name(const std::string& device) {
  if (device == "cpu" || device == "cuda") return true;
  const std::string prefix = "cuda:";
  if (device.compare(0, prefix.size(), prefix) != 0 || device.size() == prefix.size() ||
      device.size() > prefix.size() + 4)
    return false;
  return std::all_of(device.begin() + static_cast<std::ptrdiff_t>(prefix.size()), device.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

int cuda_device_count() {
  return torch::cuda::is_available() ? static_cast<int>(torch::cuda::device_count()) : 0;
}

void check_device(const std::string& device) {
  if (device == "cpu") return;
  if (!is_device_name(device))
    throw std::invalid_argument("device must be cpu, cuda or cuda:K (K = 0, 1, ...), got '" +
                                device + "'");
  const int devices = cuda_device_count();
  if (devices == 0) {
    if (torch::show_config().find("USE_CUDA=ON") == std::string::npos)
      throw std::runtime_error("device=" + device + ": this LibTorch build has no CUDA support");
    throw std::runtime_error("device=" + device + ": no CUDA device is available");
  }
  if (device != "cuda" && std::stoi(device.substr(5)) >= devices)
    throw std::runtime_error("device=" + device + ": this machine has " +
                             std::to_string(devices) + " CUDA device(s), cuda:0 to cuda:" +
                             std::to_string(devices - 1));
}

namespace {

// What a training changes as it advances, and spill() frees.
struct Progress {
  std::shared_ptr<NetworkModule> net;
  std::unique_ptr<torch::optim::SGD> optimizer;
  common::Rng shuffle_rng, augment_rng;
  std::vector<std::size_t> order;  // the training split as last shuffled (shuffles compound)
};

std::unique_ptr<torch::optim::SGD> make_optimizer(NetworkModule& net, const TrainConfig& config) {
  return std::make_unique<torch::optim::SGD>(net.parameters(),
                                             torch::optim::SGDOptions(config.lr)
                                                 .momentum(config.momentum)
                                                 .nesterov(config.nesterov)
                                                 .weight_decay(config.weight_decay));
}

std::string text_of(const common::Rng& rng) {
  std::ostringstream out;
  out << rng;
  return out.str();
}

common::Rng rng_of(const std::string& text) {
  common::Rng rng;
  std::istringstream in(text);
  in >> rng;
  return rng;
}

std::size_t bytes_of(const torch::Tensor& t) {
  return t.defined() ? t.numel() * t.element_size() : 0;
}

}  // namespace

struct Training::Impl {
  Impl(const NetworkBuilder& builder, const NetworkConfig& network, const Choices& choices,
       const DataSplits& data, const TrainConfig& config)
      : builder(builder),
        network(network),
        choices(choices),
        data(data),
        config(config),
        device(config.device) {}

  NetworkBuilder builder;
  NetworkConfig network;
  Choices choices;
  const DataSplits& data;
  TrainConfig config;
  torch::Device device;
  std::size_t iterations = 0;  // per epoch
  TrainResult result;
  std::unique_ptr<Progress> progress;  // null while spilled
};

Training::Training(const NetworkBuilder& builder, const NetworkConfig& network,
                   const Choices& choices, const DataSplits& data, const TrainConfig& config,
                   std::uint64_t seed) {
  config.validate();
  network.validate();
  if (network.input_channels != data.channels || network.num_classes != data.num_classes)
    throw std::invalid_argument("the network's input channels / classes do not match the data");
  check_device(config.device);
  impl_ = std::make_unique<Impl>(builder, network, choices, data, config);
  ThreadScope threads(config.threads);

  // Private generators: initialisation (LibTorch), shuffling and augmentation (ours).
  auto progress = std::make_unique<Progress>();
  progress->shuffle_rng.seed(common::mix_seed(seed, 2));
  progress->augment_rng.seed(common::mix_seed(seed, 3));

  progress->net = initialised_network(builder, network, choices, seed);
  progress->net->to(impl_->device);

  impl_->result.parameters = parameter_count(*progress->net);
  impl_->result.test_loss = impl_->result.test_acc = kNaN;
  progress->optimizer = make_optimizer(*progress->net, config);

  const std::size_t n = data.train.count();
  const auto batch = static_cast<std::size_t>(config.batch);
  impl_->iterations = (n + batch - 1) / batch;
  if (n % batch == 1) --impl_->iterations;  // drop a last batch of one image
  progress->order.resize(n);
  std::iota(progress->order.begin(), progress->order.end(), std::size_t{0});
  impl_->progress = std::move(progress);
}

Training::~Training() = default;

const TrainResult& Training::advance(int epochs, bool evaluate_valid, bool evaluate_test) {
  Impl& s = *impl_;
  const TrainConfig& config = s.config;
  if (epochs < 1 || epochs > config.schedule_epochs)
    throw std::invalid_argument("cannot train " + std::to_string(epochs) + " epochs of a " +
                                std::to_string(config.schedule_epochs) + "-epoch schedule");
  const int trained = epochs_trained();
  if (epochs <= trained)
    throw std::invalid_argument("cannot train on to epoch " + std::to_string(epochs) +
                                ": the training has trained " + std::to_string(trained));
  if (!s.progress) throw std::logic_error("a spilled training advances only after reload()");
  Progress& p = *s.progress;
  NetworkModule& net = *p.net;
  TrainResult& result = s.result;
  ThreadScope threads(config.threads);
  // An uninterrupted training adds each epoch's first gradient to the zeroed gradients of the
  // epoch before (0 + g, which differs from g in the sign of a zero); gradients freed between
  // advances come back as zeros so that even that stays the same.
  if (trained > 0)
    for (auto& parameter : net.parameters())
      parameter.mutable_grad() = torch::zeros_like(parameter);

  const std::size_t n = s.data.train.count();
  const auto batch = static_cast<std::size_t>(config.batch);
  const std::size_t iterations = s.iterations;
  const double total_steps = static_cast<double>(iterations) * config.schedule_epochs;
  const double pi = std::acos(-1.0);
  const BatchMaker maker(s.data.train, s.data);
  std::vector<std::size_t>& order = p.order;

  for (int epoch = trained; epoch < epochs && !result.diverged; ++epoch) {
    EpochRecord record;
    const auto start = std::chrono::steady_clock::now();
    net.train();
    for (std::size_t i = n; i > 1; --i)
      std::swap(order[i - 1], order[common::uniform_below(p.shuffle_rng, i)]);
    double loss_sum = 0;
    std::int64_t correct = 0, seen = 0;
    for (std::size_t it = 0; it < iterations; ++it) {
      const double step = static_cast<double>(epoch) * static_cast<double>(iterations) +
                          static_cast<double>(it);
      const double lr = 0.5 * config.lr * (1.0 + std::cos(pi * step / total_steps));
      for (auto& group : p.optimizer->param_groups())
        static_cast<torch::optim::SGDOptions&>(group.options()).lr(lr);

      const std::size_t begin = it * batch, end = std::min(n, begin + batch);
      auto [x, y] = maker.make(order, begin, end, config.augment ? &p.augment_rng : nullptr);
      x = x.to(s.device);
      y = y.to(s.device);
      p.optimizer->zero_grad();
      const auto logits = net.forward(x);
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
      p.optimizer->step();
      loss_sum += value * static_cast<double>(b);
      correct += logits.detach().argmax(1).eq(y).sum().item<std::int64_t>();
      seen += b;
    }
    record.train_time_s = seconds_since(start);
    record.train_loss = result.diverged ? loss_sum : loss_sum / static_cast<double>(seen);
    record.train_acc = 100.0 * static_cast<double>(correct) / static_cast<double>(seen);
    record.valid_loss = record.valid_acc = kNaN;
    record.eval_time_s = kNaN;
    if (!result.diverged && evaluate_valid) {
      const auto e = evaluate(net, s.data.valid, s.data, config, s.device);
      record.valid_loss = e.loss;
      record.valid_acc = e.acc;
      record.eval_time_s = e.time_s;
    }
    result.epochs.push_back(record);
  }
  // Kept between advances, gradients would only be zeroed again: free them.
  for (auto& parameter : net.parameters()) parameter.mutable_grad() = torch::Tensor();
  result.test_loss = result.test_acc = kNaN;
  result.test_time_s = 0;
  if (!result.diverged && evaluate_test) {
    const auto e = evaluate(net, s.data.test, s.data, config, s.device);
    result.test_loss = e.loss;
    result.test_acc = e.acc;
    result.test_time_s = e.time_s;
  }
  return result;
}

const TrainResult& Training::result() const { return impl_->result; }

int Training::epochs_trained() const { return static_cast<int>(impl_->result.epochs.size()); }

bool Training::spilled() const { return !impl_->progress; }

std::size_t Training::memory_bytes() const {
  const Progress* p = impl_->progress.get();
  if (!p) return 0;
  std::size_t bytes = p->order.size() * sizeof(std::size_t);
  for (const auto& parameter : p->net->parameters())
    bytes += bytes_of(parameter) + bytes_of(parameter.grad());
  for (const auto& buffer : p->net->buffers()) bytes += bytes_of(buffer);
  for (const auto& [key, state] : p->optimizer->state())
    bytes += bytes_of(static_cast<const torch::optim::SGDParamState&>(*state).momentum_buffer());
  return bytes;
}

void Training::spill(const std::string& path) {
  if (!impl_->progress) throw std::logic_error("the training is spilled already");
  const Progress& p = *impl_->progress;
  torch::serialize::OutputArchive archive, network, optimizer;
  p.net->save(network);
  p.optimizer->save(optimizer);
  archive.write("network", network);
  archive.write("optimizer", optimizer);
  archive.write("shuffle_rng", c10::IValue(text_of(p.shuffle_rng)));
  archive.write("augment_rng", c10::IValue(text_of(p.augment_rng)));
  const std::vector<std::int64_t> order(p.order.begin(), p.order.end());
  archive.write("order", torch::tensor(order, torch::kInt64));
  try {
    archive.save_to(path);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot write the kept training to " + path + ": " + e.what());
  }
  impl_->progress.reset();
}

void Training::reload(const std::string& path) {
  if (impl_->progress) throw std::logic_error("the training is not spilled");
  Impl& s = *impl_;
  torch::serialize::InputArchive archive, network, optimizer;
  try {
    archive.load_from(path, s.device);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot read the kept training from " + path + ": " + e.what());
  }
  auto p = std::make_unique<Progress>();
  p->net = s.builder(s.network, s.choices);
  p->net->to(s.device);
  archive.read("network", network);
  p->net->load(network);
  p->optimizer = make_optimizer(*p->net, s.config);
  archive.read("optimizer", optimizer);
  p->optimizer->load(optimizer);
  c10::IValue text;
  archive.read("shuffle_rng", text);
  p->shuffle_rng = rng_of(text.toStringRef());
  archive.read("augment_rng", text);
  p->augment_rng = rng_of(text.toStringRef());
  torch::Tensor order;
  archive.read("order", order);
  order = order.to(torch::kCPU).contiguous();
  const auto* values = order.data_ptr<std::int64_t>();
  p->order.assign(values, values + order.numel());
  s.progress = std::move(p);
}

TrainResult train(const NetworkBuilder& builder, const NetworkConfig& network,
                  const Choices& choices, const DataSplits& data, const TrainConfig& config,
                  const TrainRequest& request) {
  Training training(builder, network, choices, data, config, request.seed);
  return training.advance(request.epochs, request.evaluate_valid, request.evaluate_test);
}

}  // namespace nasrun::evaluators::live
