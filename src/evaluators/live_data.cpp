#include "evaluators/live_data.hpp"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sys/stat.h>

#include "common/random.hpp"

namespace nasrun::evaluators::live {

namespace {

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  return dir.back() == '/' ? dir + name : dir + "/" + name;
}

// The whole (possibly gzipped) file; gzread reads plain files as they are.
std::vector<std::uint8_t> read_file(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw DataError("cannot open " + path);
  std::vector<std::uint8_t> data;
  std::uint8_t buffer[1 << 16];
  for (;;) {
    const int n = gzread(f, buffer, sizeof buffer);
    if (n < 0) {
      int err = 0;
      const std::string msg = gzerror(f, &err);
      gzclose(f);
      throw DataError("cannot read " + path + ": " + msg);
    }
    if (n == 0) break;
    data.insert(data.end(), buffer, buffer + n);
  }
  gzclose(f);
  return data;
}

std::uint32_t big_endian(const std::vector<std::uint8_t>& d, std::size_t at) {
  return (std::uint32_t{d[at]} << 24) | (std::uint32_t{d[at + 1]} << 16) |
         (std::uint32_t{d[at + 2]} << 8) | std::uint32_t{d[at + 3]};
}

std::string hex(std::uint32_t v) {
  char s[16];
  std::snprintf(s, sizeof s, "0x%08x", v);
  return s;
}

// `name` in `dir`, plain or with ".gz".
std::string find_file(const std::string& dir, const std::string& name,
                      const std::string& dataset) {
  for (const auto& candidate : {join(dir, name), join(dir, name + ".gz")})
    if (file_exists(candidate)) return candidate;
  throw DataError(dataset + ": missing file " + join(dir, name) + " (or " + name +
                  ".gz there); expected the " + dataset + " files " + [&] {
                    std::string all;
                    for (const auto& f : dataset_files(dataset)) all += (all.empty() ? "" : ", ") + f;
                    return all;
                  }() + " in '" + dir + "' (set the source option data_dir)");
}

std::vector<std::size_t> permutation(std::size_t n, std::uint64_t seed, std::uint64_t stream) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), std::size_t{0});
  common::Rng rng(common::mix_seed(seed, stream));
  for (std::size_t i = n; i > 1; --i)
    std::swap(p[i - 1], p[common::uniform_below(rng, i)]);
  return p;
}

Images select(const Images& from, const std::vector<std::size_t>& indices, std::size_t begin,
              std::size_t end) {
  Images out;
  out.channels = from.channels;
  out.height = from.height;
  out.width = from.width;
  const std::size_t bytes = from.image_bytes();
  out.pixels.resize((end - begin) * bytes);
  out.labels.resize(end - begin);
  for (std::size_t i = begin; i < end; ++i) {
    const std::size_t src = indices[i];
    std::copy_n(from.pixels.begin() + static_cast<std::ptrdiff_t>(src * bytes), bytes,
                out.pixels.begin() + static_cast<std::ptrdiff_t>((i - begin) * bytes));
    out.labels[i - begin] = from.labels[src];
  }
  return out;
}

// Weights of an area-average resampling from n to m < n samples: row i spreads over source
// interval [i n/m, (i+1) n/m).
std::vector<double> area_weights(int n, int m) {
  std::vector<double> w(static_cast<std::size_t>(m) * static_cast<std::size_t>(n), 0.0);
  const double scale = static_cast<double>(n) / m;
  for (int i = 0; i < m; ++i) {
    const double lo = i * scale, hi = (i + 1) * scale;
    for (int j = static_cast<int>(std::floor(lo)); j < n && j < hi; ++j) {
      const double overlap = std::min(hi, j + 1.0) - std::max(lo, static_cast<double>(j));
      if (overlap > 0) w[static_cast<std::size_t>(i * n + j)] = overlap / scale;
    }
  }
  return w;
}

}  // namespace

std::vector<std::string> dataset_files(const std::string& dataset) {
  if (dataset == "fashion-mnist")
    return {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte"};
  if (dataset == "cifar10")
    return {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
            "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
  throw std::invalid_argument("unknown live dataset '" + dataset +
                              "' (expected fashion-mnist or cifar10)");
}

std::string default_data_dir(const std::string& dataset) {
  if (dataset == "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
  return "";
}

Images read_idx(const std::string& images_path, const std::string& labels_path,
                int num_classes) {
  const auto img = read_file(images_path);
  if (img.size() < 16 || big_endian(img, 0) != 0x803)
    throw DataError(images_path + ": not an IDX image file (expected magic 0x00000803, got " +
                    (img.size() < 4 ? std::string("a file of ") + std::to_string(img.size()) +
                                          " bytes"
                                    : hex(big_endian(img, 0))) +
                    ")");
  const std::size_t n = big_endian(img, 4), rows = big_endian(img, 8), cols = big_endian(img, 12);
  if (rows == 0 || cols == 0 || rows > 4096 || cols > 4096 || img.size() != 16 + n * rows * cols)
    throw DataError(images_path + ": expected 16 + " + std::to_string(n) + " x " +
                    std::to_string(rows) + " x " + std::to_string(cols) + " bytes, got " +
                    std::to_string(img.size()));
  const auto lab = read_file(labels_path);
  if (lab.size() < 8 || big_endian(lab, 0) != 0x801)
    throw DataError(labels_path + ": not an IDX label file (expected magic 0x00000801, got " +
                    (lab.size() < 4 ? std::string("a file of ") + std::to_string(lab.size()) +
                                          " bytes"
                                    : hex(big_endian(lab, 0))) +
                    ")");
  if (big_endian(lab, 4) != n || lab.size() != 8 + n)
    throw DataError(labels_path + ": expected " + std::to_string(n) + " labels (as " +
                    images_path + " has images) in " + std::to_string(8 + n) +
                    " bytes, got header count " + std::to_string(big_endian(lab, 4)) + " and " +
                    std::to_string(lab.size()) + " bytes");
  Images out;
  out.channels = 1;
  out.height = static_cast<int>(rows);
  out.width = static_cast<int>(cols);
  out.pixels.assign(img.begin() + 16, img.end());
  out.labels.assign(lab.begin() + 8, lab.end());
  for (std::size_t i = 0; i < n; ++i)
    if (out.labels[i] >= num_classes)
      throw DataError(labels_path + ": label " + std::to_string(out.labels[i]) + " of item " +
                      std::to_string(i) + " is out of range (expected 0.." +
                      std::to_string(num_classes - 1) + ")");
  return out;
}

Images read_cifar10_binary(const std::vector<std::string>& paths) {
  constexpr std::size_t kPixels = 3 * 32 * 32, kRecord = 1 + kPixels;
  Images out;
  out.channels = 3;
  out.height = out.width = 32;
  for (const auto& path : paths) {
    const auto data = read_file(path);
    if (data.empty() || data.size() % kRecord != 0)
      throw DataError(path + ": size " + std::to_string(data.size()) +
                      " bytes is not a positive multiple of the CIFAR-10 record size 3073 "
                      "(1 label byte + 3x32x32 pixel bytes)");
    const std::size_t n = data.size() / kRecord;
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint8_t label = data[i * kRecord];
      if (label >= 10)
        throw DataError(path + ": label " + std::to_string(label) + " of record " +
                        std::to_string(i) + " is out of range (expected 0..9)");
      out.labels.push_back(label);
      out.pixels.insert(out.pixels.end(), data.begin() + static_cast<std::ptrdiff_t>(i * kRecord + 1),
                        data.begin() + static_cast<std::ptrdiff_t>((i + 1) * kRecord));
    }
  }
  return out;
}

Images resize(const Images& images, int size) {
  if (images.height == size && images.width == size) return images;
  Images out;
  out.channels = images.channels;
  out.height = out.width = size;
  out.labels = images.labels;
  const std::size_t n = images.count(), c = static_cast<std::size_t>(images.channels);
  const std::size_t h = static_cast<std::size_t>(images.height),
                    w = static_cast<std::size_t>(images.width), s = static_cast<std::size_t>(size);
  out.pixels.assign(n * c * s * s, 0);
  if (images.height <= size && images.width <= size) {
    // Centred zero padding.
    const std::size_t top = (s - h) / 2, left = (s - w) / 2;
    for (std::size_t i = 0; i < n * c; ++i)
      for (std::size_t y = 0; y < h; ++y)
        std::copy_n(images.pixels.begin() + static_cast<std::ptrdiff_t>((i * h + y) * w), w,
                    out.pixels.begin() + static_cast<std::ptrdiff_t>((i * s + top + y) * s + left));
    return out;
  }
  if (images.height < size || images.width < size)
    throw std::invalid_argument("cannot resize " + std::to_string(h) + "x" + std::to_string(w) +
                                " images to " + std::to_string(size) + "x" + std::to_string(size));
  const auto wy = area_weights(images.height, size), wx = area_weights(images.width, size);
  std::vector<double> rows(s * w);
  for (std::size_t i = 0; i < n * c; ++i) {
    const std::uint8_t* src = images.pixels.data() + i * h * w;
    std::fill(rows.begin(), rows.end(), 0.0);
    for (std::size_t oy = 0; oy < s; ++oy)
      for (std::size_t y = 0; y < h; ++y) {
        const double k = wy[oy * h + y];
        if (k == 0) continue;
        for (std::size_t x = 0; x < w; ++x) rows[oy * w + x] += k * src[y * w + x];
      }
    std::uint8_t* dst = out.pixels.data() + i * s * s;
    for (std::size_t oy = 0; oy < s; ++oy)
      for (std::size_t ox = 0; ox < s; ++ox) {
        double v = 0;
        for (std::size_t x = 0; x < w; ++x) v += wx[ox * w + x] * rows[oy * w + x];
        dst[oy * s + ox] = static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
      }
  }
  return out;
}

DataSplits load_data(const DataOptions& o) {
  const auto files = dataset_files(o.dataset);  // validates the name
  const std::string dir = o.data_dir.empty() ? default_data_dir(o.dataset) : o.data_dir;
  Images train_all, test_all;
  std::size_t valid_size = 0;
  if (o.dataset == "fashion-mnist") {
    std::vector<std::string> paths;
    for (const auto& f : files) paths.push_back(find_file(dir, f, o.dataset));  // in order
    train_all = read_idx(paths[0], paths[1], 10);
    test_all = read_idx(paths[2], paths[3], 10);
    valid_size = train_all.count() / 6;  // 10,000 of 60,000
  } else {
    // The files may sit in data_dir or in its cifar-10-batches-bin/ folder.
    std::string base = dir;
    if (!file_exists(join(base, files[0])) && file_exists(join(join(dir, "cifar-10-batches-bin"), files[0])))
      base = join(dir, "cifar-10-batches-bin");
    std::vector<std::string> paths;
    for (const auto& f : files) paths.push_back(find_file(base, f, o.dataset));  // all, first
    const std::string test_path = paths.back();
    paths.pop_back();
    train_all = read_cifar10_binary(paths);
    test_all = read_cifar10_binary({test_path});
    valid_size = train_all.count() / 2;  // 25,000 of 50,000
  }
  const int native = train_all.height;
  const int size = o.image_size == 0 ? native : o.image_size;
  if (size < 4 || size % 4 != 0 || size > 1024)
    throw std::invalid_argument("image_size must be a multiple of 4 in [4, 1024] (the network "
                                "halves the side twice), got " + std::to_string(size));
  if (test_all.height != native || test_all.width != train_all.width)
    throw DataError(o.dataset + ": training and test images differ in size");

  const std::size_t train_size = train_all.count() - valid_size;
  auto subset = [](std::size_t requested, std::size_t available, const char* name) {
    if (requested > available)
      throw std::invalid_argument(std::string(name) + " " + std::to_string(requested) +
                                  " exceeds the " + std::to_string(available) +
                                  " images of that split");
    return requested == 0 ? available : requested;
  };
  const std::size_t n_train = subset(o.train_subset, train_size, "train_subset");
  const std::size_t n_valid = subset(o.valid_subset, valid_size, "valid_subset");
  const std::size_t n_test = subset(o.test_subset, test_all.count(), "test_subset");
  if (n_train < 2) throw std::invalid_argument("the training split needs at least 2 images");

  const auto perm = permutation(train_all.count(), o.split_seed, 1);
  // Training split: perm[0, train_size); validation: perm[train_size, end). A subset is a prefix
  // (the permutation is already random).
  DataSplits d;
  d.train = resize(select(train_all, perm, 0, n_train), size);
  d.valid = resize(select(train_all, perm, train_size, train_size + n_valid), size);
  const auto test_perm = permutation(test_all.count(), o.split_seed, 2);
  d.test = resize(select(test_all, test_perm, 0, n_test), size);
  d.num_classes = 10;
  d.channels = train_all.channels;
  d.image_size = size;

  const std::size_t plane = static_cast<std::size_t>(size) * static_cast<std::size_t>(size);
  for (int ch = 0; ch < d.channels; ++ch) {
    double sum = 0, sum2 = 0;
    for (std::size_t i = 0; i < d.train.count(); ++i) {
      const std::uint8_t* p = d.train.pixels.data() + (i * static_cast<std::size_t>(d.channels) + static_cast<std::size_t>(ch)) * plane;
      for (std::size_t k = 0; k < plane; ++k) {
        const double v = p[k] / 255.0;
        sum += v;
        sum2 += v * v;
      }
    }
    const double count = static_cast<double>(d.train.count() * plane);
    const double mean = sum / count;
    const double var = std::max(sum2 / count - mean * mean, 0.0);
    d.mean[static_cast<std::size_t>(ch)] = static_cast<float>(mean);
    d.stddev[static_cast<std::size_t>(ch)] = static_cast<float>(std::max(std::sqrt(var), 1e-3));
  }
  d.description = o.dataset + " " + std::to_string(size) + "x" + std::to_string(size) + ", " +
                  std::to_string(d.train.count()) + " train / " + std::to_string(d.valid.count()) +
                  " valid / " + std::to_string(d.test.count()) + " test images (split seed " +
                  std::to_string(o.split_seed) + ")";
  return d;
}

}  // namespace nasrun::evaluators::live
