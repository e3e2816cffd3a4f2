// Epoch time of nas-run's LibTorch trainer against the same training in PyTorch
// (benchmarks/pytorch_epoch.py): the same NAS-Bench-201 network, the same synthetic bytes, batch
// size, iterations, optimiser and per-iteration cosine learning rate, on 1 and on 2 threads.
// Warm-up epochs are not timed. Prints a table and the LibTorch / PyTorch time ratio
// (below 1: LibTorch faster).
//
// Usage: bench_live_vs_pytorch [--python /usr/bin/python3] [--script PATH] [--images 1024]
//        [--image-size 16] [--channels 16] [--cells 5] [--batch 256] [--warmup 1] [--epochs 2]
//        [--threads 1,2] [--arch ARCH]
#include <array>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "evaluators/live_trainer.hpp"
#include "spaces/nb201.hpp"

using namespace nasrun::evaluators::live;

namespace {

struct Args {
  std::string python = "/usr/bin/python3";
  std::string script = std::string(NASRUN_SOURCE_DIR) + "/benchmarks/pytorch_epoch.py";
  std::string arch =
      "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|";
  int images = 1024, image_size = 16, channels = 16, cells = 5, batch = 256, warmup = 1, epochs = 2;
  std::vector<int> threads = {1, 2};
};

// The bytes pytorch_epoch.py makes: pixel k = (k * 2654435761 mod 2^32) >> 24; label i = i mod 10.
DataSplits synthetic(int images, int channels, int size) {
  DataSplits d;
  d.train.channels = channels;
  d.train.height = d.train.width = size;
  const std::size_t n = static_cast<std::size_t>(images) * d.train.image_bytes();
  d.train.pixels.resize(n);
  for (std::size_t k = 0; k < n; ++k)
    d.train.pixels[k] = static_cast<std::uint8_t>(((k * 2654435761ULL) & 0xffffffffULL) >> 24);
  for (int i = 0; i < images; ++i) d.train.labels.push_back(static_cast<std::uint8_t>(i % 10));
  d.num_classes = 10;
  d.channels = channels;
  d.image_size = size;
  const std::size_t plane = static_cast<std::size_t>(size * size);
  for (int c = 0; c < channels; ++c) {
    double s = 0, s2 = 0;
    for (int i = 0; i < images; ++i)
      for (std::size_t k = 0; k < plane; ++k) {
        const double v = d.train.pixels[(static_cast<std::size_t>(i * channels + c)) * plane + k] / 255.0;
        s += v;
        s2 += v * v;
      }
    const double count = static_cast<double>(images) * static_cast<double>(plane);
    d.mean[static_cast<std::size_t>(c)] = static_cast<float>(s / count);
    d.stddev[static_cast<std::size_t>(c)] = static_cast<float>(std::sqrt(s2 / count - (s / count) * (s / count)));
  }
  return d;
}

double mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

std::string run_command(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::string out;
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe.get())) out += buffer.data();
  return out;
}

}  // namespace

int main(int argc, char** argv) try {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--python") a.python = v;
    else if (k == "--script") a.script = v;
    else if (k == "--arch") a.arch = v;
    else if (k == "--images") a.images = std::stoi(v);
    else if (k == "--image-size") a.image_size = std::stoi(v);
    else if (k == "--channels") a.channels = std::stoi(v);
    else if (k == "--cells") a.cells = std::stoi(v);
    else if (k == "--batch") a.batch = std::stoi(v);
    else if (k == "--warmup") a.warmup = std::stoi(v);
    else if (k == "--epochs") a.epochs = std::stoi(v);
    else if (k == "--threads") {
      a.threads.clear();
      std::stringstream s(v);
      std::string t;
      while (std::getline(s, t, ',')) a.threads.push_back(std::stoi(t));
    } else throw std::invalid_argument("unknown argument " + k);
  }
  const auto space = nasrun::spaces::make_search_space("nb201");
  const auto ops = space->decode(space->parse(a.arch));
  const auto data = synthetic(a.images, 3, a.image_size);
  NetworkConfig net;
  net.channels = a.channels;
  net.cells = a.cells;
  TrainConfig config;
  config.schedule_epochs = a.warmup + a.epochs;
  config.batch = a.batch;
  config.augment = false;

  std::cout << "NB201 " << a.arch << " C=" << a.channels << " N=" << a.cells << ", "
            << a.images << " synthetic images " << a.image_size << "x" << a.image_size
            << ", batch " << a.batch << ", " << a.warmup << " warm-up + " << a.epochs
            << " timed epochs\n"
            << "threads  libtorch_s/epoch  pytorch_s/epoch  ratio(libtorch/pytorch)\n";
  for (int threads : a.threads) {
    config.threads = threads;
    TrainRequest request;
    request.epochs = a.warmup + a.epochs;
    request.evaluate_valid = false;
    const auto r = train(network_builder("nb201"), net, ops, data, config, request);
    std::vector<double> libtorch;
    for (std::size_t t = static_cast<std::size_t>(a.warmup); t < r.epochs.size(); ++t)
      libtorch.push_back(r.epochs[t].train_time_s);

    std::ostringstream cmd;
    cmd << a.python << " " << a.script << " --arch '" << a.arch << "' --channels " << a.channels
        << " --cells " << a.cells << " --image-size " << a.image_size << " --images " << a.images
        << " --batch " << a.batch << " --threads " << threads << " --warmup " << a.warmup
        << " --epochs " << a.epochs;
    const auto out = run_command(cmd.str());
    const auto json = nlohmann::json::parse(out.substr(out.find('{')));
    if (json.at("params").get<std::int64_t>() != r.parameters)
      throw std::runtime_error("PyTorch network has " + json.at("params").dump() +
                               " parameters, LibTorch " + std::to_string(r.parameters));
    const double lt = mean(libtorch), pt = mean(json.at("epoch_times").get<std::vector<double>>());
    std::printf("%7d  %16.3f  %15.3f  %23.3f\n", threads, lt, pt, lt / pt);
  }
  return 0;
} catch (const std::exception& e) {
  std::cerr << "bench_live_vs_pytorch: " << e.what() << "\n";
  return 1;
}
