// Live training's dataset readers: splits, resizing and clear errors on bad files.
#ifdef NASRUN_HAVE_LIVE

#include <catch2/catch.hpp>
#include <filesystem>

#include "evaluators/live_data.hpp"
#include "live_fake_data.hpp"

using namespace nasrun::evaluators::live;
using nasrun::testing::make_fake_cifar;
using nasrun::testing::write_bytes;

namespace {

std::string error_of(const DataOptions& o) {
  try {
    load_data(o);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no error";
}

std::vector<std::uint8_t> idx_header(std::uint32_t magic, std::vector<std::uint32_t> dims) {
  std::vector<std::uint8_t> out;
  auto put = [&](std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(v >> s));
  };
  put(magic);
  for (auto d : dims) put(d);
  return out;
}

}  // namespace

TEST_CASE("live data: CIFAR-10 binary splits half and half, resizes and normalises", "[live]") {
  const auto dir = make_fake_cifar("split", 40, 30);
  DataOptions o;
  o.dataset = "cifar10";
  o.data_dir = dir;
  o.image_size = 16;
  const auto d = load_data(o);
  CHECK(d.train.count() == 100);
  CHECK(d.valid.count() == 100);
  CHECK(d.test.count() == 30);
  CHECK(d.channels == 3);
  CHECK(d.image_size == 16);
  CHECK(d.train.pixels.size() == 100 * 3 * 16 * 16);
  for (int c = 0; c < 3; ++c) {
    CHECK(d.mean[static_cast<std::size_t>(c)] > 0.1f);
    CHECK(d.stddev[static_cast<std::size_t>(c)] > 0.05f);
  }
  // Subsets are prefixes of the seeded order: the same seed gives the same images.
  o.train_subset = 10;
  o.test_subset = 5;
  const auto s = load_data(o);
  CHECK(s.train.count() == 10);
  CHECK(s.test.count() == 5);
  CHECK(std::equal(s.train.labels.begin(), s.train.labels.end(), d.train.labels.begin()));
  o.split_seed = 1;
  CHECK(load_data(o).train.labels != s.train.labels);
  o.train_subset = 101;
  CHECK_THAT(error_of(o), Catch::Contains("train_subset 101 exceeds the 100 images"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("live data: resizing averages areas and pads", "[live]") {
  Images img;
  img.channels = 1;
  img.height = img.width = 28;
  img.pixels.assign(28 * 28, 200);
  img.labels = {3};
  const auto small = resize(img, 12);
  CHECK(small.height == 12);
  for (auto p : small.pixels) CHECK(p == 200);
  const auto big = resize(img, 32);
  CHECK(big.pixels[0] == 0);
  CHECK(big.pixels[2 * 32 + 2] == 200);
  CHECK(big.pixels[29 * 32 + 29] == 200);
  CHECK(big.pixels[30 * 32 + 30] == 0);
}

TEST_CASE("live data: bad files give errors naming the file and what was expected", "[live]") {
  const auto dir = make_fake_cifar("bad", 4, 4);
  DataOptions o;
  o.dataset = "cifar10";
  o.data_dir = dir;
  // Size not a multiple of the record size.
  write_bytes(dir + "/data_batch_3.bin", std::vector<std::uint8_t>(3073 + 5, 1));
  CHECK_THAT(error_of(o), Catch::Contains("data_batch_3.bin") && Catch::Contains("3073"));
  // Label out of range.
  auto records = nasrun::testing::fake_cifar_records(2, 7);
  records[3073] = 12;
  write_bytes(dir + "/data_batch_3.bin", records);
  CHECK_THAT(error_of(o), Catch::Contains("data_batch_3.bin") && Catch::Contains("label 12") &&
                              Catch::Contains("out of range"));
  // Missing file (files are all looked for before any is read).
  std::filesystem::remove(dir + "/test_batch.bin");
  CHECK_THAT(error_of(o), Catch::Contains("missing file") && Catch::Contains("test_batch.bin"));
  o.data_dir = "/nonexistent/cifar";
  CHECK_THAT(error_of(o), Catch::Contains("/nonexistent/cifar/data_batch_1.bin"));

  // IDX: wrong magic, and labels that do not match.
  const std::string images = dir + "/train-images-idx3-ubyte", labels = dir + "/train-labels-idx1-ubyte";
  auto img = idx_header(0x803, {2, 4, 4});
  img.resize(img.size() + 32, 7);
  write_bytes(images, img);
  auto lab = idx_header(0x802, {2});
  lab.push_back(1);
  lab.push_back(2);
  write_bytes(labels, lab);
  auto idx_error = [&] {
    try {
      read_idx(images, labels, 10);
    } catch (const DataError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(idx_error(), Catch::Contains(labels) && Catch::Contains("magic 0x00000801"));
  lab[3] = 0x01;
  lab.back() = 10;
  write_bytes(labels, lab);
  CHECK_THAT(idx_error(), Catch::Contains("label 10") && Catch::Contains("expected 0..9"));
  lab.back() = 9;
  write_bytes(labels, lab);
  const auto ok = read_idx(images, labels, 10);
  CHECK(ok.count() == 2);
  CHECK(ok.height == 4);
  img.pop_back();
  write_bytes(images, img);
  CHECK_THAT(idx_error(), Catch::Contains(images) && Catch::Contains("bytes"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("live data: Debian's Fashion-MNIST loads with a 50,000 / 10,000 split", "[live]") {
  DataOptions o;
  o.dataset = "fashion-mnist";
  if (!std::filesystem::exists(default_data_dir("fashion-mnist"))) {
    WARN("skipped: " << default_data_dir("fashion-mnist") << " not found (dataset-fashion-mnist)");
    return;
  }
  o.train_subset = 500;
  o.valid_subset = 200;
  o.test_subset = 100;
  o.image_size = 16;
  const auto d = load_data(o);
  CHECK(d.train.count() == 500);
  CHECK(d.valid.count() == 200);
  CHECK(d.test.count() == 100);
  CHECK(d.channels == 1);
  CHECK_THAT(d.description, Catch::Contains("fashion-mnist 16x16"));
  o.valid_subset = 10001;
  CHECK_THAT(error_of(o), Catch::Contains("exceeds the 10000 images"));
}

#endif  // NASRUN_HAVE_LIVE
