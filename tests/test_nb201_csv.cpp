#include <catch2/catch.hpp>
#include <fstream>

#include "bench/nb201_csv.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::bench;

namespace {

// Best mean over seeds of `metric` in the final table of `dataset`: (index, value).
std::pair<std::size_t, double> best_mean(const Benchmark& b, const std::string& dataset, Metric m) {
  const auto& t = b.table(dataset, "200");
  std::pair<std::size_t, double> best{0, -1};
  for (std::size_t i = 0; i < b.num_archs(); ++i) {
    const double v = t.value(m, i, SeedChoice{}, 200);
    if (v > best.second) best = {i, v};
  }
  return best;
}

std::string import_error(const std::string& text) {
  testing::TempDir dir("csv-bad");
  const auto path = dir.file("bad.csv");
  std::ofstream(path) << text;
  try {
    import_nb201_csv(testing::nb201(), {path});
  } catch (const FormatError& e) {
    return e.what();
  }
  return "no error";
}

const char* kHeader = "index,arch,dataset,seed,valid_acc,test_acc,valtest_acc,train_time_s,params_m\n";
const char* kArch0 = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|";

}  // namespace

TEST_CASE("Importing the NB201 CSV tables gives the known optima", "[bench][shared]") {
  NASRUN_REQUIRE_SHARED_DATA(data);
  const auto builder =
      import_nb201_csv(testing::nb201(), {data + "/nb201/nb201_final.csv",
                                          data + "/nb201/nb201_hp12_mean.csv"});
  testing::TempDir dir("csv-import");
  builder.write(dir.file("nb201.nasbench"));
  const auto b = Benchmark::open(dir.file("nb201.nasbench"));
  CHECK(b.num_archs() == 15625);
  CHECK(b.code(0) == b.space().parse("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|"));

  const auto [valid_index, valid] = best_mean(b, "cifar10-valid", Metric::ValidAcc);
  CHECK(valid_index == 6111);
  CHECK(valid == Approx(91.607).margin(0.001));
  const auto [test_index, test] = best_mean(b, "cifar100", Metric::TestAcc);
  CHECK(test_index == 9930);
  CHECK(test == Approx(73.513).margin(0.001));
  const auto [in_index, in_test] = best_mean(b, "ImageNet16-120", Metric::TestAcc);
  CHECK(in_index == 857);
  CHECK(in_test == Approx(47.311).margin(0.001));

  const auto& c100 = b.table("cifar100");
  CHECK(c100.schedule() == "200");
  CHECK(c100.truth_metric() == Metric::TestAcc);
  CHECK(b.table("cifar10-valid").truth_metric() == Metric::ValidAcc);
  CHECK(c100.seeds() == std::vector<std::int64_t>{777, 888, 999});
  CHECK(c100.cost(Cost::Params, 0) == Approx(135156));
  CHECK(c100.cost(Cost::EpochTrainTime, 0) == Approx(2888.4372 / 200));
  // Seed 999 is missing for part of the architectures: explicitly absent, never zero.
  std::size_t two_seeds = 0;
  for (std::size_t i = 0; i < b.num_archs(); ++i) two_seeds += c100.num_seeds_present(i) == 2;
  CHECK(two_seeds > 7000);

  const auto& hp12 = b.table("cifar100", "12");
  CHECK(hp12.epochs() == 12);
  CHECK(hp12.value(Metric::ValidAcc, 0, SeedChoice{}, 12) == Approx(31.84));
  CHECK(hp12.cost(Cost::EpochTrainTime, 0) == Approx(2888.4372 / 200));
  CHECK_THROWS_WITH(c100.require(Metric::TrainLoss, 0, SeedChoice{}, 50),
                    Catch::Contains("no metric train_loss"));
}

TEST_CASE("Bad NB201 CSV files name the file, line and problem", "[bench]") {
  const std::string row0 = std::string("0,") + kArch0 + ",cifar100,777,50,51,52,100,0.1\n";
  CHECK_THAT(import_error("index,arch\n"), Catch::Contains(":1: unexpected columns"));
  CHECK_THAT(import_error(std::string(kHeader) + row0 + "1," + kArch0 + ",cifar100,777,50,51,52,100\n"),
             Catch::Contains(":3: expected 9 fields, found 8"));
  CHECK_THAT(import_error(std::string(kHeader) + "0," + kArch0 + ",cifar100,777,nan,51,52,100,0.1\n"),
             Catch::Contains(":2: column 'valid_acc': 'nan' is not a finite number"));
  CHECK_THAT(import_error(std::string(kHeader) + row0 + row0),
             Catch::Contains(":3: duplicate row for index 0, dataset cifar100, seed 777"));
  CHECK_THAT(import_error(std::string(kHeader) + "0,|none~0|,cifar100,777,50,51,52,100,0.1\n"),
             Catch::Contains(":2: column 'arch': invalid NAS-Bench-201 architecture string"));
  CHECK_THAT(import_error(std::string(kHeader) + "x," + kArch0 + ",cifar100,777,50,51,52,100,0.1\n"),
             Catch::Contains("column 'index': 'x' is not a non-negative integer"));
  CHECK_THAT(import_error(std::string(kHeader) + row0 + "2," + kArch0 + ",cifar100,777,50,51,52,100,0.1\n"),
             Catch::Contains("appears twice") || Catch::Contains("not contiguous"));
  CHECK_THAT(import_error(kHeader), Catch::Contains("holds no rows"));
}
