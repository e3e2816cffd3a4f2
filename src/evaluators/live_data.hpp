// Image datasets for live training, read without LibTorch: Fashion-MNIST (IDX files, plain or
// gzipped) and CIFAR-10 (the binary version). Images are kept as bytes (channels x height x
// width) at the training resolution; the trainer normalises each batch as it builds it.
//
// Splits (all drawn from `split_seed`, which defines the data and is not a training seed):
//  - fashion-mnist: the 60,000 training images are permuted by the seed; the first 50,000 are the
//    training split, the last 10,000 the validation split. The 10,000 test images are the test
//    split (NB201 would call it `ori-test`).
//  - cifar10 (NB201's cifar10-valid convention): the 50,000 training images are permuted by the
//    seed; the first 25,000 train and the other 25,000 validate. (NB201 used a fixed split file;
//    this split is a seeded one of the same sizes.) test_batch.bin is the test split.
// A subset of n images of a split is the first n of a seeded permutation of that split.
// Per-channel normalisation uses the mean and standard deviation of the (subset) training split
// at the training resolution.
#pragma once

#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace nasrun::evaluators::live {

// A dataset file is missing, unreadable or not in the expected format; the message names the
// file and what was expected.
class DataError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Images {
  int channels = 0, height = 0, width = 0;
  std::vector<std::uint8_t> pixels;  // image i at i * channels * height * width, CHW
  std::vector<std::uint8_t> labels;
  std::size_t count() const { return labels.size(); }
  std::size_t image_bytes() const {
    return static_cast<std::size_t>(channels) * static_cast<std::size_t>(height) *
           static_cast<std::size_t>(width);
  }
};

// Readers (exposed for tests). IDX: big-endian magic 0x00000803 (images) / 0x00000801 (labels);
// files may be gzip-compressed. CIFAR-10 binary: records of 1 label byte + 3072 pixel bytes.
Images read_idx(const std::string& images_path, const std::string& labels_path, int num_classes);
Images read_cifar10_binary(const std::vector<std::string>& paths);

struct DataOptions {
  std::string dataset = "fashion-mnist";  // fashion-mnist | cifar10
  // Directory of the files; "" = the dataset's default (fashion-mnist: Debian's
  // /usr/share/datasets/fashion-mnist).
  std::string data_dir;
  int image_size = 0;  // 0 = native (28 or 32); must be divisible by 4
  // 0 = the whole split.
  std::size_t train_subset = 0, valid_subset = 0, test_subset = 0;
  std::uint64_t split_seed = 0;
};

struct DataSplits {
  Images train, valid, test;
  int num_classes = 10;
  int channels = 0, image_size = 0;
  std::array<float, 3> mean{}, stddev{};  // per channel, on the [0, 1] pixel scale
  std::string description;
};

// The file names a dataset needs, for messages and checks.
std::vector<std::string> dataset_files(const std::string& dataset);
std::string default_data_dir(const std::string& dataset);

// Throws DataError (files) or std::invalid_argument (options).
DataSplits load_data(const DataOptions& options);

// Resamples every image to size x size: an area average when shrinking, centred zero padding
// when growing.
Images resize(const Images& images, int size);

}  // namespace nasrun::evaluators::live
