// The zero-cost proxies against values worked out by hand on a tiny network, and on the live
// NB201 network: finite, and the same bit for bit when computed again.
#ifdef NASRUN_HAVE_LIVE

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "common/random.hpp"
#include "evaluators/live_proxies.hpp"
#include "evaluators/live_proxies_module.hpp"
#include "live_small_training.hpp"

using namespace nasrun;
using namespace nasrun::evaluators::live;

namespace {

// Two inputs, two hidden units, two classes, no biases:
//   z = W1 x, h = relu(z), logits = W2 h,   W1 = [[1, -1], [2, 1]],   W2 = [[1, 0], [-1, 1]].
// The minibatch: x1 = (1, 0) with label 0, x2 = (0, 1) with label 1. Forward:
//   x1: z = (1, 2), h = (1, 2), logits = (1, 1);   x2: z = (-1, 1), h = (0, 1), logits = (0, 1).
class TinyNetImpl : public NetworkModule {
 public:
  TinyNetImpl()
      : fc1_(register_module("fc1", torch::nn::Linear(torch::nn::LinearOptions(2, 2).bias(false)))),
        fc2_(register_module("fc2", torch::nn::Linear(torch::nn::LinearOptions(2, 2).bias(false)))) {
    torch::NoGradGuard no_grad;
    fc1_->weight.copy_(torch::tensor({{1.0f, -1.0f}, {2.0f, 1.0f}}));
    fc2_->weight.copy_(torch::tensor({{1.0f, 0.0f}, {-1.0f, 1.0f}}));
  }
  torch::Tensor forward(const torch::Tensor& x) override {
    const auto h = probed_relu(probed_linear(fc1_, x));
    probed_features(h);
    return probed_linear(fc2_, h);
  }

 private:
  torch::nn::Linear fc1_, fc2_;
};
TORCH_MODULE(TinyNet);

constexpr std::uint64_t kSeed = 7;

double tiny_proxy(const std::string& name) {
  TinyNet net;
  const auto images = torch::tensor({{1.0f, 0.0f}, {0.0f, 1.0f}});
  const auto labels = torch::tensor({std::int64_t{0}, std::int64_t{1}});
  return proxy_registry().at(name).factory({*net, images, labels, kSeed});
}

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

// The loss is the mean cross-entropy over the 2 images, so dL/dlogits = (softmax - onehot) / 2:
//   x1: softmax(1, 1) = (1/2, 1/2), label 0:  d1 = (-1/4, 1/4)
//   x2: softmax(0, 1) = (s(-1), s(1)), label 1: d2 = (a, -a), a = s(-1) / 2 (s the sigmoid).
// dL/dW2 = d1 h1^T + d2 h2^T = [[-1/4, -1/2 + a], [1/4, 1/2 - a]].
// dL/dh = W2^T d: x1: (-1/2, 1/4); x2: (2a, -a). Through the ReLU (x2's first unit is off):
// dL/dz1 = (-1/2, 1/4), dL/dz2 = (0, -a); dL/dW1 = dz1 x1^T + dz2 x2^T = [[-1/2, 0], [1/4, -a]].
const double a = sigmoid(-1) / 2;

}  // namespace

TEST_CASE("Every proxy has a registered function", "[live][proxies]") {
  for (auto p : bench::all_proxies()) CHECK(proxy_registry().contains(bench::proxy_name(p)));
  CHECK(proxy_registry().names().size() == bench::kNumProxies);
}

TEST_CASE("params and flops count the tiny network by hand", "[live][proxies]") {
  CHECK(tiny_proxy("params") == 8);  // two 2x2 weights
  // One image: each layer makes 2 outputs of 2 multiply-accumulates.
  CHECK(tiny_proxy("flops") == 8);
}

TEST_CASE("grad_norm, snip and fisher on the tiny network equal their hand computation",
          "[live][proxies]") {
  // ||dL/dW1|| + ||dL/dW2||.
  const double grad_norm = std::sqrt(0.25 + 0.0625 + a * a) +
                           std::sqrt(2 * 0.0625 + 2 * (0.5 - a) * (0.5 - a));
  CHECK(tiny_proxy("grad_norm") == Approx(grad_norm).epsilon(1e-6));
  // sum |W * dL/dW|: W1: 1/2 + 0 + 2 (1/4) + a; W2: 1/4 + 0 + 1/4 + (1/2 - a). a cancels.
  CHECK(tiny_proxy("snip") == Approx(2.0).epsilon(1e-6));
  // Per output unit k of a layer, g_nk = a_nk dL/da_nk, and the unit adds (1/2) mean_n g_nk^2.
  //   fc1: g(x1) = (1 (-1/2), 2 (1/4)) = (-1/2, 1/2), g(x2) = (-1 0, 1 (-a)) = (0, -a):
  //        (1/2)(1/4 + 0)/2 + (1/2)(1/4 + a^2)/2 = 1/8 + a^2/4
  //   fc2: g(x1) = (1 (-1/4), 1 (1/4)), g(x2) = (0 a, 1 (-a)):
  //        (1/2)(1/16)/2 + (1/2)(1/16 + a^2)/2 = 1/32 + a^2/4
  CHECK(tiny_proxy("fisher") == Approx(1.0 / 8 + 1.0 / 32 + a * a / 2).epsilon(1e-6));
}

TEST_CASE("synflow on the tiny network equals its hand computation", "[live][proxies]") {
  // |W1| = [[1, 1], [2, 1]], |W2| = [[1, 0], [1, 1]], input (1, 1): z = h = (2, 3),
  // logits = (2, 5), R = 7. dR/dW2 = (1, 1) h^T = [[2, 3], [2, 3]]: sum |W2| * that = 2+0+2+3 = 7.
  // dR/dh = |W2|^T (1, 1) = (2, 1), all units on: dR/dW1 = [[2, 2], [1, 1]]: 2+2+2+1 = 7.
  CHECK(tiny_proxy("synflow") == 14);
}

TEST_CASE("zico on the tiny network equals its hand computation", "[live][proxies]") {
  // Halves of one image each, so no division by 2: the gradients of x1 are twice the d1 terms
  // above: dW2 = [[-1/2, -1], [1/2, 1]], dW1 = [[-1, 0], [1/2, 0]]; of x2, with b = s(-1):
  // dW2 = [[0, b], [0, -b]], dW1 = [[0, 0], [0, -b]]. Per weight with gradients g, g' that
  // differ, mean |g| / std g = (|g| + |g'|) / |g - g'|, which is 1 for each here (opposite
  // signs or a zero); W1 has 3 such weights, W2 4: log 3 + log 4.
  CHECK(tiny_proxy("zico") == Approx(std::log(12.0)).epsilon(1e-6));
}

TEST_CASE("jacov and nwot on the tiny network equal their hand computation", "[live][proxies]") {
  // The sum of the logits is h_2 (W2's columns sum to (0, 1)), so d(sum)/dx = W1^T (0, 1) =
  // (2, 1) for both images (unit 2 is on for both). The rows' correlation matrix is all ones,
  // eigenvalues 0 and 2.
  const double k = 1e-5;
  CHECK(tiny_proxy("jacov") ==
        Approx(-(std::log(k) + 1 / k + std::log(2 + k) + 1 / (2 + k))).epsilon(1e-9));
  // ReLU codes: x1 (1, 1), x2 (0, 1). K = [[2, 1], [1, 2]] (units that agree), det 3.
  CHECK(tiny_proxy("nwot") == Approx(std::log(3.0)).epsilon(1e-12));
}

TEST_CASE("zen on the tiny network equals its hand computation", "[live][proxies]") {
  // Drawn from the generator seeded mix_seed(seed, 0x2E9), in this order: W1, W2 ~ N(0, 1)
  // (module order), then the inputs x and the noise e, each [2 images, 2].
  auto generator = at::make_generator<at::CPUGeneratorImpl>(common::mix_seed(kSeed, 0x2E9));
  auto draw = [&] { return torch::empty({2, 2}).normal_(0, 1, generator); };
  const auto w1 = draw();
  draw();  // W2: after the features, it changes nothing
  const auto x = torch::randn({2, 2}, generator), e = torch::randn({2, 2}, generator);
  auto at = [](const torch::Tensor& t, int i, int j) { return static_cast<double>(t[i][j].item<float>()); };
  // Features h = relu(W1 x); no batch normalisation, so the score is log mean_n ||h - h'||_1.
  double sum = 0;
  for (int n = 0; n < 2; ++n)
    for (int unit = 0; unit < 2; ++unit) {
      double h = 0, h_noisy = 0;
      for (int i = 0; i < 2; ++i) {
        h += at(w1, unit, i) * at(x, n, i);
        h_noisy += at(w1, unit, i) * (at(x, n, i) + 0.01 * at(e, n, i));
      }
      sum += std::fabs(std::max(h, 0.0) - std::max(h_noisy, 0.0));
    }
  CHECK(tiny_proxy("zen") == Approx(std::log(sum / 2)).epsilon(1e-4));
}

TEST_CASE("All proxies of the live NB201 network are finite and repeat bit for bit",
          "[live][proxies]") {
  const auto& builder = network_builder("nb201");
  const std::vector<bench::Proxy> all(bench::all_proxies().begin(), bench::all_proxies().end());
  const auto ops = testing::ops_of(testing::kLiveArch);
  const auto first = compute_proxies(builder, testing::small_network(), ops, testing::small_data(),
                                     32, 3, all);
  // Again, with another intra-op thread count around it: the proxies run on one thread.
  const int threads = at::get_num_threads();
  at::set_num_threads(2);
  const auto again = compute_proxies(builder, testing::small_network(), ops,
                                     testing::small_data(), 32, 3, all);
  at::set_num_threads(threads);
  for (auto p : all) {
    INFO(bench::proxy_name(p));
    CHECK(std::isfinite(first.at(p)));
    CHECK(first.time_of(p) > 0);
    CHECK(first.at(p) == again.at(p));
  }
  CHECK(first.at(bench::Proxy::Params) ==
        static_cast<double>(count_parameters(testing::small_network(), ops)));
  // Another seed initialises another network.
  const auto other = compute_proxies(builder, testing::small_network(), ops,
                                     testing::small_data(), 32, 4, all);
  CHECK(other.at(bench::Proxy::Snip) != first.at(bench::Proxy::Snip));
  CHECK(other.at(bench::Proxy::Params) == first.at(bench::Proxy::Params));
}

TEST_CASE("A network whose output ignores its input has the worst jacov, nwot and zen",
          "[live][proxies]") {
  // Every edge `none`: the cells output zeros, and so does all that follows them but the
  // classifier's bias. The input gets no gradient at all (jacov), every image the same
  // activation codes (nwot: a singular kernel) and the same features (zen: log 0).
  const auto ops = testing::ops_of("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|");
  const std::vector<bench::Proxy> all(bench::all_proxies().begin(), bench::all_proxies().end());
  const auto v = compute_proxies(network_builder("nb201"), testing::small_network(), ops,
                                 testing::small_data(), 32, 3, all);
  const double worst = -std::numeric_limits<double>::infinity();
  CHECK(v.at(bench::Proxy::Jacov) == worst);
  CHECK(v.at(bench::Proxy::Nwot) == worst);
  CHECK(v.at(bench::Proxy::Zen) == worst);
  CHECK(std::isfinite(v.at(bench::Proxy::Snip)));
}

TEST_CASE("The proxies' minibatch must fit the training split", "[live][proxies]") {
  const auto& data = testing::small_data();
  CHECK_THROWS_WITH(proxy_minibatch(data, 1, 0), Catch::Contains("proxy_batch") &&
                                                     Catch::Contains("2..512"));
  CHECK_THROWS_WITH(proxy_minibatch(data, 513, 0), Catch::Contains("2..512"));
  const auto [images, labels] = proxy_minibatch(data, 16, 0);
  CHECK(images.size(0) == 16);
  CHECK(labels.size(0) == 16);
  CHECK(torch::equal(images, proxy_minibatch(data, 16, 0).first));
  CHECK_FALSE(torch::equal(images, proxy_minibatch(data, 16, 1).first));
}

#endif  // NASRUN_HAVE_LIVE
