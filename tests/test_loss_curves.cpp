// The paper's Fig. 9 summary: mean, standard error and count below a threshold by epoch.
#include <catch2/catch.hpp>
#include <cmath>

#include "analysis/loss_curves.hpp"
#include "common/file_io.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::experiment;

TEST_CASE("A curve summary by epoch, hand-computed on the small benchmark", "[analysis][curves]") {
  // small_builder: architectures 0..4 with results, train loss 1/e + a at epochs 1, 2, 4 for
  // every seed present (architecture 0 has seed 1 only).
  const auto benchmark = testing::small_builder().build();
  const auto& table = benchmark.table("toy");
  const auto rows = summarise_curves(table, bench::Metric::TrainLoss, 2.5);
  REQUIRE(rows.size() == 3);
  // Epoch 1: 1, 2, 3, 4, 5: mean 3, sample variance 2.5, standard error sqrt(2.5 / 5); 1 and 2
  // below 2.5.
  CHECK(rows[0].epoch == 1);
  CHECK(rows[0].n == 5);
  CHECK(rows[0].mean == Approx(3));
  CHECK(rows[0].standard_error == Approx(std::sqrt(0.5)));
  CHECK(rows[0].lowest == Approx(1));
  CHECK(rows[0].below == 2);
  // Epoch 4: 0.25 ... 4.25: mean 2.25; 0.25, 1.25 and 2.25 below 2.5.
  CHECK(rows[2].epoch == 4);
  CHECK(rows[2].mean == Approx(2.25));
  CHECK(rows[2].below == 3);
  // Seed 2 alone leaves architecture 0 out: 1.5, 2.5, 3.5, 4.5 at epoch 2 (2.5 is not below).
  const auto seed2 = summarise_curves(table, bench::Metric::TrainLoss, 2.5, bench::SeedPolicy::fixed(2));
  CHECK(seed2[1].n == 4);
  CHECK(seed2[1].mean == Approx(3));
  CHECK(seed2[1].below == 1);
  CHECK(curve_summary_csv(rows).rfind(
            "epoch,n,mean,standard_error,lowest,below_threshold\n1,5,3.000000,0.707107,1.000000,2\n", 0) == 0);
}

TEST_CASE("A curve summary counts architectures that share results once", "[analysis][curves]") {
  // Architecture 5 shares architecture 4's stored results (an isomorphic cell): still 5 values.
  auto builder = testing::small_builder();
  builder.tables().front().share_results(5, 4);
  const auto benchmark = builder.build();
  const auto rows = summarise_curves(benchmark.table("toy"), bench::Metric::TrainLoss, 2.5);
  CHECK(rows[0].n == 5);
  CHECK(rows[0].mean == Approx(3));
}

TEST_CASE("A curve summary refuses what it cannot summarise", "[analysis][curves]") {
  const auto benchmark = testing::small_builder().build();
  const auto& table = benchmark.table("toy");
  CHECK_THROWS_WITH(summarise_curves(table, bench::Metric::ValidLoss, 0.1),
                    Catch::Contains("table toy@4 has no valid_loss"));
  CHECK_THROWS_WITH(summarise_curves(table, bench::Metric::TrainLoss, 0.1, bench::SeedPolicy::random()),
                    Catch::Contains("not a random one"));
}

TEST_CASE("nas-rank loss-curves and regression-example write their CSVs and refuse bad options",
          "[analysis][cli]") {
  testing::TempDir dir("nas-rank-subcommands");
  // The embedded benchmark's summary counts its 6,466 distinct trainings, not 15,625 cells.
  const auto curves = testing::run_program("nas-rank", "loss-curves --out " + dir.file("c.csv"));
  INFO(curves.output);
  REQUIRE(curves.status == 0);
  const auto csv = common::read_file(dir.file("c.csv"));
  CHECK(csv.rfind("epoch,n,mean,standard_error,lowest,below_threshold\n1,6466,", 0) == 0);
  const auto example = testing::run_program(
      "nas-rank", "regression-example --points 3 --out " + dir.file("r.csv"));
  REQUIRE(example.status == 0);
  CHECK(common::read_file(dir.file("r.csv")).rfind(
            "model,points,step_loss,fitted_loss,sotl,minus_lower_bound,minus_log_evidence\n"
            "M1 (identity),1,", 0) == 0);
  // Refusals name the option; nothing replaces a file that is not an earlier output.
  for (const auto& [args, expected] : std::vector<std::pair<std::string, std::string>>{
           {"loss-curves --seeds random --out " + dir.file("x.csv"), "--seeds: mean or a seed number"},
           {"loss-curves --metric nonsense --out " + dir.file("x.csv"), "nonsense"},
           {"loss-curves", "--out FILE.csv is required"},
           {"regression-example --points 0 --out " + dir.file("x.csv"), "--points must be at least 1"},
           {"regression-example --noise-variance 0 --out " + dir.file("x.csv"), "must be positive"},
           {"regression-example --out " + dir.file("c.csv"), "c.csv"}}) {
    INFO(args);
    const auto r = testing::run_program("nas-rank", args);
    CHECK(r.status != 0);
    CHECK_THAT(r.output, Catch::Contains(expected));
  }
  CHECK(common::read_file(dir.file("c.csv")) == csv);
}
