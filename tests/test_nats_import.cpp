#include <bzlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "bench/nats_importer.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::bench;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

// A sample archive copied into a folder the test may damage.
fs::path copy_sample(const testing::TempDir& dir, const std::string& data) {
  const auto to = dir.path() / "archive";
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(fs::path(data) / "nats-tss-sample"))
    fs::copy_file(e.path(), to / e.path().filename());
  return to;
}

std::string import_error(const fs::path& dir) {
  try {
    import_nats_archive(testing::nb201(), dir.string());
  } catch (const FormatError& e) {
    return e.what();
  }
  return "no error";
}

// BINUNICODE of a string.
std::string pstr(const std::string& s) {
  const auto n = static_cast<std::uint32_t>(s.size());
  return "X" + std::string(reinterpret_cast<const char*>(&n), 4) + s;
}

}  // namespace

TEST_CASE("Importing the NATS-Bench sample gives the official values", "[bench][nats][shared]") {
  NASRUN_REQUIRE_SHARED_DATA(data);
  NatsImportReport report;
  const auto b = import_nats_archive(testing::nb201(), data + "/nats-tss-sample", &report).build();
  CHECK(report.expected == 15625);
  CHECK(report.imported == 3);
  CHECK(report.missing.size() == 15622);
  CHECK(report.missing.front() == 1);

  const auto& t = b.table("cifar100", "200");
  CHECK(t.epochs() == 200);
  CHECK(t.seeds() == std::vector<std::int64_t>{777, 888, 999});
  CHECK(t.truth_metric() == Metric::TestAcc);
  const SeedChoice s777{t.slot_of_seed(777)};
  CHECK(t.value(Metric::ValidAcc, 11, s777, 200) == Approx(67.72));
  CHECK(t.value(Metric::TestAcc, 11, s777, 200) == Approx(66.86));
  CHECK(t.value(Metric::OriTestAcc, 11, s777, 200) == Approx(67.29));
  // Official training losses of epochs 0, 49 and 199 (NATS-Bench counts from 0).
  CHECK(t.value(Metric::TrainLoss, 11, s777, 1) == Approx(4.255741119384766));
  CHECK(t.value(Metric::TrainLoss, 11, s777, 50) == Approx(1.5267770290374756));
  CHECK(t.value(Metric::TrainLoss, 11, s777, 200) == Approx(0.1561778336763382));
  // x-valid exists at the last epoch only for cifar100: earlier epochs are missing, not zero.
  CHECK(std::isnan(t.value(Metric::ValidAcc, 11, s777, 100)));
  CHECK(t.cost(Cost::Params, 11) == Approx(808276));
  CHECK(std::isnan(t.value(Metric::TrainLoss, 12, s777, 1)));  // a missing architecture

  // The 12-epoch schedule is there too; cifar10-valid has its per-epoch validation curve.
  const auto& hp = b.table("cifar10-valid", "12");
  CHECK(hp.epochs() == 12);
  CHECK(hp.seeds() == std::vector<std::int64_t>{111, 777});
  CHECK_FALSE(std::isnan(hp.value(Metric::ValidAcc, 0, SeedChoice{}, 5)));
  CHECK(b.table("cifar10-valid").truth_metric() == Metric::OriTestAcc);
  CHECK_FALSE(std::isnan(b.table("cifar10-valid", "200").value(Metric::ValidAcc, 284, SeedChoice{}, 37)));
}

TEST_CASE("Damaged or foreign NATS-Bench archives give clear errors", "[bench][nats][shared]") {
  NASRUN_REQUIRE_SHARED_DATA(data);
  testing::TempDir dir("nats-damage");
  const auto archive = copy_sample(dir, data);
  const auto file11 = archive / "000011.pickle.pbz2";
  const auto original = common::read_file(file11.string());

  SECTION("truncated architecture file") {
    write(file11, original.substr(0, original.size() / 2));
    CHECK_THAT(import_error(archive), Catch::Contains("000011.pickle.pbz2"));
  }
  SECTION("bit-flipped architecture file") {
    auto b = original;
    b[b.size() / 3] ^= 0x40;
    write(file11, b);
    CHECK_THAT(import_error(archive), Catch::Contains("000011.pickle.pbz2"));
  }
  SECTION("a file of the size search space") {
    write(archive / "meta.pickle.pbz2",
          testing::bz2_compress("\x80\x02}" + pstr("meta_archs") + "]" + pstr("64:32:8:16:40") + "as."));
    CHECK_THAT(testing::error_of([&] { import_nats_archive(testing::nb201(), archive.string()); }),
               Catch::Contains("size archive") && Catch::Contains("space 'nats-sss'") &&
                   Catch::Contains("cannot fill space 'nb201'"));
  }
  SECTION("a global the reader does not accept") {
    write(file11, testing::bz2_compress("\x80\x02\x63os\nsystem\n" + pstr("echo hi") + "\x85R."));
    CHECK_THAT(import_error(archive), Catch::Contains("000011.pickle.pbz2") &&
                                          Catch::Contains("'os.system' is not allowed"));
  }
  SECTION("a file whose contents belong to another index") {
    fs::copy_file(archive / "000000.pickle.pbz2", archive / "000001.pickle.pbz2");
    CHECK_THAT(import_error(archive), Catch::Contains("000001.pickle.pbz2") &&
                                          Catch::Contains("expected 1 (the file's name)"));
  }
  SECTION("no meta file, or not a folder") {
    fs::remove(archive / "meta.pickle.pbz2");
    CHECK_THAT(import_error(archive), Catch::Contains("meta.pickle.pbz2: missing"));
    CHECK_THAT(import_error(file11), Catch::Contains("is not a folder"));
  }
}
