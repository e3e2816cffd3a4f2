// Tiny fake datasets for the live-training tests: CIFAR-10 binary files whose classes are easy
// to learn (class k brightens horizontal band k), written to a temporary folder.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

namespace nasrun::testing {

inline std::vector<std::uint8_t> fake_cifar_records(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto label = static_cast<std::uint8_t>(rng() % 10);
    out.push_back(label);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) {
          int v = static_cast<int>(rng() % 64);
          if (y / 3 == label) v += 160 + 10 * c;
          out.push_back(static_cast<std::uint8_t>(v));
        }
  }
  return out;
}

inline void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A folder holding data_batch_1..5.bin (`per_batch` records each) and test_batch.bin.
inline std::string make_fake_cifar(const std::string& name, std::size_t per_batch = 128,
                                   std::size_t test = 128) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("nasrun-live-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  for (int b = 1; b <= 5; ++b)
    write_bytes((dir / ("data_batch_" + std::to_string(b) + ".bin")).string(),
                fake_cifar_records(per_batch, static_cast<std::uint64_t>(b)));
  write_bytes((dir / "test_batch.bin").string(), fake_cifar_records(test, 99));
  return dir.string();
}

}  // namespace nasrun::testing
