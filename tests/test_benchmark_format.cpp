#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "bench/benchmark_builder.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::bench;

namespace {
std::string slurp(const std::string& path) { return common::read_file(path); }
void spit(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}
std::string open_error(const std::string& path) {
  try {
    Benchmark::open(path);
  } catch (const FormatError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST_CASE("A benchmark round-trips through the file format", "[bench]") {
  testing::TempDir dir("format-roundtrip");
  auto builder = testing::toy_builder();
  builder.meta()["note"] = "hand-made";
  builder.tables()[0].set_cost(Cost::Params, 5, 1234.0);
  builder.write(dir.file("toy.nasbench"));
  const auto b = Benchmark::open(dir.file("toy.nasbench"));
  CHECK(b.num_archs() == 15625);
  CHECK(b.meta()["note"] == "hand-made");
  const auto& t = b.table("toy");
  CHECK(t.epochs() == 10);
  CHECK(t.seeds() == std::vector<std::int64_t>{1, 2});
  CHECK(t.value(Metric::TrainLoss, 7, {0}, 4) == Approx(8.0 / 4));
  CHECK(t.value(Metric::TrainLoss, 7, {1}, 4) == Approx(8.0 / 4 + 1));
  CHECK(t.value(Metric::TrainLoss, 7, SeedChoice{}, 4) == Approx(8.0 / 4 + 0.5));
  // Seed 2 of architecture 0 is missing: the mean is over seed 1 only, and seed 2 is NaN.
  CHECK(t.value(Metric::TestAcc, 0, SeedChoice{}, 10) == Approx(60));
  CHECK(std::isnan(t.value(Metric::TestAcc, 0, {1}, 10)));
  CHECK(t.num_seeds_present(0) == 1);
  CHECK(t.cost(Cost::Params, 5) == 1234.0);
  CHECK(std::isnan(t.cost(Cost::Params, 6)));
  CHECK(std::isnan(t.cost(Cost::Flops, 6)));
  CHECK_FALSE(t.has_metric(Metric::OriTestAcc));
}

TEST_CASE("A range of epochs reads as each epoch does, NaN where an epoch is not recorded",
          "[bench]") {
  // Epochs 1, 2, 4 and 8 of 8 recorded; architecture 1 trained with seed 5 only.
  std::vector<spaces::ArchCode> codes(15625);
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i;
  BenchmarkBuilder builder("nb201", codes);
  auto& data = builder.add_table("toy", "8", 8, {1, 2, 4, 8}, {5, 6}, Metric::TestAcc);
  for (std::size_t arch : {0, 1})
    for (int seed = 0; seed < 2; ++seed)
      for (int epoch : {1, 2, 4, 8})
        if (arch == 0 || seed == 0)
          data.set(Metric::TrainLoss, arch, seed, epoch, 10.0 * arch + epoch + 0.25 * seed);
  const auto b = builder.build();
  const auto& t = b.table("toy");
  for (const SeedChoice seed : {SeedChoice{0}, SeedChoice{1}, SeedChoice{}})
    for (std::size_t arch : {0, 1, 2}) {
      std::vector<double> range(8, -1.0);
      t.values(Metric::TrainLoss, arch, seed, 1, 8, range.data());
      for (int epoch = 1; epoch <= 8; ++epoch) {
        const double one = t.value(Metric::TrainLoss, arch, seed, epoch);
        INFO("arch " << arch << " slot " << seed.slot << " epoch " << epoch);
        CHECK((range[epoch - 1] == one || (std::isnan(one) && std::isnan(range[epoch - 1]))));
      }
    }
  std::vector<double> range(3);
  t.values(Metric::TrainLoss, 0, SeedChoice{}, 2, 4, range.data());
  CHECK(range[0] == 2.125);  // the mean of seeds 5 and 6
  CHECK(std::isnan(range[1]));  // epoch 3 is not recorded
  CHECK(range[2] == 4.125);
  t.values(Metric::OriTestAcc, 0, SeedChoice{0}, 2, 4, range.data());  // a metric the table lacks
  CHECK(std::isnan(range[0]));
  CHECK(std::isnan(range[2]));
}

TEST_CASE("Missing data is an error naming what is missing", "[bench]") {
  const auto b = testing::toy_builder().build();
  const auto& t = b.table("toy");
  CHECK_THROWS_WITH(t.require(Metric::OriTestAcc, 3, {0}, 10), Catch::Contains("no metric ori_test_acc"));
  CHECK_THROWS_WITH(t.require(Metric::TrainLoss, 3, {0}, 11), Catch::Contains("no values at epoch 11"));
  CHECK_THROWS_WITH(t.require(Metric::TrainLoss, 0, {1}, 3),
                    Catch::Contains("missing for architecture index 0, seed 2"));
  CHECK_THROWS_WITH(t.slot_of_seed(777), Catch::Contains("no training seed 777 (it has: 1, 2)"));
  CHECK_THROWS_WITH(b.table("cifar10"), Catch::Contains("no table for dataset 'cifar10'") &&
                                            Catch::Contains("toy@10"));
}

TEST_CASE("Seed policies: fixed, mean and random over the seeds present", "[bench]") {
  const auto b = testing::toy_builder().build();
  const auto& t = b.table("toy");
  common::Rng rng(1);
  CHECK(t.choose_seed(3, SeedPolicy::fixed(2), rng).slot == 1);
  CHECK(t.choose_seed(3, SeedPolicy::mean(), rng).slot == SeedChoice::kMean);
  int counts[2] = {0, 0};
  for (int i = 0; i < 1000; ++i) ++counts[t.choose_seed(3, SeedPolicy::random(), rng).slot];
  CHECK(counts[0] > 400);
  CHECK(counts[1] > 400);
  for (int i = 0; i < 100; ++i) REQUIRE(t.choose_seed(0, SeedPolicy::random(), rng).slot == 0);
  CHECK(SeedPolicy::parse("777").seed == 777);
  CHECK_THROWS_WITH(SeedPolicy::parse("sometimes"), Catch::Contains("expected 'random', 'mean'"));
}

TEST_CASE("Damaged benchmark files give clear errors", "[bench]") {
  testing::TempDir dir("format-damage");
  const auto path = dir.file("toy.nasbench");
  testing::toy_builder().write(path);
  const auto good = slurp(path);
  const auto bad = dir.file("bad.nasbench");

  SECTION("truncated at many offsets") {
    for (std::size_t cut : {std::size_t{0}, std::size_t{5}, std::size_t{23}, std::size_t{100},
                            good.size() / 3, good.size() / 2, good.size() - 1}) {
      spit(bad, good.substr(0, cut));
      const auto msg = open_error(bad);
      INFO("cut at " << cut << ": " << msg);
      CHECK(msg.find(bad) == 0);
      CHECK(msg != "no error");
    }
  }
  SECTION("wrong magic") {
    auto b = good;
    b[0] = 'X';
    spit(bad, b);
    CHECK_THAT(open_error(bad), Catch::Contains("expected the magic bytes 'NASBENCH'"));
  }
  SECTION("wrong version") {
    auto b = good;
    b[8] = 9;
    spit(bad, b);
    CHECK_THAT(open_error(bad), Catch::Contains("format version 9 is not supported"));
  }
  SECTION("a flipped bit in the data") {
    auto b = good;
    b[b.size() - 100] ^= 0x10;
    spit(bad, b);
    CHECK_THAT(open_error(bad), Catch::Contains("data checksum mismatch"));
  }
  SECTION("a flipped bit in the header") {
    auto b = good;
    b[40] ^= 0x01;
    spit(bad, b);
    CHECK_THAT(open_error(bad), Catch::Contains("header checksum mismatch"));
  }
  SECTION("a header that lies about sizes") {
    // Rewrite the header with a shape that points past the data, and fix its checksum, so only
    // the size check can catch it.
    std::uint64_t len;
    std::memcpy(&len, good.data() + 16, 8);
    auto header = nlohmann::json::parse(good.substr(24, len));
    header["tables"][0]["metrics"]["train_loss"]["offset"] = 1ull << 40;
    const auto text = header.dump();
    std::string b = good.substr(0, 24) + text;
    const std::uint64_t n = text.size();
    const std::uint32_t crc = format::crc32(text);
    std::memcpy(&b[12], &crc, 4);
    std::memcpy(&b[16], &n, 8);
    b.resize(format::align_up(b.size()), '\0');
    b += good.substr(format::align_up(24 + len));
    spit(bad, b);
    CHECK_THAT(open_error(bad), Catch::Contains("lies outside the data section"));
  }
  SECTION("a foreign file") {
    spit(bad, "index,arch\n0,|none~0|\n");
    CHECK_THAT(open_error(bad), Catch::Contains("not a nas-run benchmark file"));
  }
  SECTION("no file") {
    CHECK_THAT(open_error(dir.file("absent.nasbench")), Catch::Contains("cannot open"));
  }
}

TEST_CASE("Writing is atomic: a failed write leaves the old file intact", "[bench]") {
  testing::TempDir dir("format-atomic");
  const auto path = dir.file("x.bin");
  common::write_file_atomically(path, "first");
  CHECK_THROWS_AS(common::write_file_atomically(dir.file("no-such-dir/x.bin"), "second"), common::FileError);
  CHECK(slurp(path) == "first");
  common::write_file_atomically(path, "second");
  CHECK(slurp(path) == "second");
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    CHECK(e.path().filename() == "x.bin");
}
