// The paper's section 5.4 (Fig. 5): choosing a generator setting by the mean score of its
// wirings, checked by hand on a small RandWire benchmark.
#include <catch2/catch.hpp>
#include <cmath>

#include "analysis/group_selection.hpp"
#include "bench/benchmark_builder.hpp"
#include "common/file_io.hpp"
#include "spaces/randwire.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::experiment;

namespace {

// Settings 0..2 (ER(0.05), ER(0.10), ER(0.15)) with wirings 0 and 1, one seed, two epochs:
// (training loss at epoch 1, at epoch 2, final test accuracy) per architecture. ER(0.10)@1
// shares ER(0.10)@0's training, as an isomorphic architecture of a tabulation does.
std::shared_ptr<const bench::Benchmark> settings_benchmark() {
  using bench::Metric;
  const auto space = spaces::make_search_space("randwire");
  std::vector<spaces::ArchCode> codes;
  for (std::uint32_t setting = 0; setting < 3; ++setting)
    for (std::uint32_t wiring = 0; wiring < 2; ++wiring) codes.push_back(space->encode({setting, wiring}));
  bench::BenchmarkBuilder b("randwire", codes);
  auto& t = b.add_table("toy", "2", 2, {1, 2}, {0}, Metric::TestAcc);
  const double values[][3] = {{0.1, 1.0, 80}, {0.1, 1.2, 82},   // ER(0.05)
                              {2.0, 0.5, 85}, {0, 0, 0},        // ER(0.10); @1 shares @0
                              {2.0, 0.8, 90}, {2.0, 0.6, 70}};  // ER(0.15)
  for (std::size_t a = 0; a < 6; ++a) {
    if (a == 3) continue;
    t.set(Metric::TrainLoss, a, 0, 1, values[a][0]);
    t.set(Metric::TrainLoss, a, 0, 2, values[a][1]);
    for (int e : {1, 2}) {
      t.set(Metric::TestAcc, a, 0, e, values[a][2]);
      t.set(Metric::TrainTime, a, 0, e, 3.0);
    }
  }
  t.share_results(3, 2);
  return std::make_shared<const bench::Benchmark>(b.build());
}

GroupSelectionConfig sotle_config() {
  GroupSelectionConfig config;
  config.study.dataset = "toy";
  config.study.estimators = parse_rank_estimators({"sotle-E1"});
  config.dimension = "generator";
  return config;
}

}  // namespace

TEST_CASE("Group selection: each setting's mean score and truth, rho, the choice and its true rank",
          "[analysis][groups]") {
  const auto r = run_group_selection(settings_benchmark(), sotle_config());
  CHECK(r.dimension == "generator");
  CHECK(r.truth_metric == "test_acc");
  REQUIRE(r.groups.size() == 6);  // 3 groups at T = 1 and T = 2
  REQUIRE(r.summary.size() == 2);
  // T = 2: scores (minus the loss at epoch 2) -1.1 +- 0.1, -0.5 +- 0 (two identical members),
  // -0.7 +- 0.1; truths 81 +- 1, 85 +- 0, 80 +- 10.
  const auto& er05 = r.groups[3];
  CHECK(er05.T == 2);
  CHECK(er05.group == 0);
  CHECK(er05.group_name == "ER(0.05)");
  CHECK(er05.n == 2);
  CHECK(er05.score_mean == Approx(-1.1));
  CHECK(er05.score_se == Approx(0.1));
  CHECK(er05.truth_mean == Approx(81));
  CHECK(er05.truth_se == Approx(1));
  CHECK(r.groups[4].n == 2);
  CHECK(r.groups[4].score_mean == Approx(-0.5));
  CHECK(r.groups[4].score_se == 0);
  CHECK(r.groups[5].truth_mean == Approx(80));
  CHECK(r.groups[5].truth_se == Approx(10));
  // Score ranks (1, 3, 2) against truth ranks (2, 3, 1): rho = 1 - 6 * 2 / (3 * 8) = 0.5; the
  // best score, ER(0.10), is also the best truth.
  const auto& at2 = r.summary[1];
  CHECK(at2.T == 2);
  CHECK(at2.spearman == Approx(0.5));
  CHECK(at2.groups == 3);
  CHECK(at2.chosen == "ER(0.10)");
  CHECK(at2.chosen_true_rank == 1);
  CHECK(at2.best == "ER(0.10)");
  CHECK(at2.best_truth == Approx(85));
  // T = 1: ER(0.05)'s low first losses choose it, second by its truth.
  const auto& at1 = r.summary[0];
  CHECK(at1.chosen == "ER(0.05)");
  CHECK(at1.chosen_truth == Approx(81));
  CHECK(at1.chosen_true_rank == 2);
  CHECK(group_selection_csv(r).rfind(
            "T,estimator,spearman,kendall,groups,chosen,chosen_truth,chosen_true_rank,best,best_truth\n"
            "1,sotle-E1,", 0) == 0);
  CHECK(group_rows_csv(r).find("\n2,sotle-E1,0,\"ER(0.05)\",2,-1.100000,0.100000,81.0000,1.0000\n") !=
        std::string::npos);
}

TEST_CASE("Group selection groups by any dimension and refuses one the space lacks",
          "[analysis][groups]") {
  auto config = sotle_config();
  config.dimension = "wiring seed";
  const auto by_wiring = run_group_selection(settings_benchmark(), config);
  REQUIRE(by_wiring.summary.size() == 2);
  CHECK(by_wiring.summary[0].groups == 2);
  // Wiring 1: ER(0.05)@1 82, ER(0.10)@1 85 (shared), ER(0.15)@1 70.
  CHECK(by_wiring.groups[1].truth_mean == Approx((82.0 + 85 + 70) / 3));
  config.dimension = "setting";
  CHECK_THROWS_WITH(run_group_selection(settings_benchmark(), config),
                    Catch::Contains("no dimension 'setting'") &&
                        Catch::Contains("'generator', 'wiring seed'"));
}

TEST_CASE("nas-rank group-selection writes its two CSVs, replaces its own outputs only",
          "[analysis][groups][cli]") {
  testing::TempDir dir("nas-rank-groups");
  // The embedded benchmark (NAS-Bench-201 cells): groups by the operation on the first edge.
  const std::string out = dir.file("sel.csv");
  const std::string args = "group-selection --estimators sotle,val-early --T 2,10 --out " + out;
  const auto r = testing::run_program("nas-rank", args);
  INFO(r.output);
  REQUIRE(r.status == 0);
  const auto summary = common::read_file(out);
  CHECK(summary.rfind("T,estimator,spearman,kendall,groups,chosen,chosen_truth,chosen_true_rank,"
                      "best,best_truth\n2,sotle,", 0) == 0);
  CHECK(std::count(summary.begin(), summary.end(), '\n') == 5);
  const auto groups = common::read_file(dir.file("sel-groups.csv"));
  CHECK(groups.rfind("T,estimator,group_index,group,n,score_mean,score_se,truth_mean,truth_se\n"
                     "2,sotle,0,\"none\",", 0) == 0);
  CHECK(std::count(groups.begin(), groups.end(), '\n') == 1 + 2 * 2 * 5);
  // A rerun replaces its own outputs; a file of another kind needs --force.
  CHECK(testing::run_program("nas-rank", args).status == 0);
  common::write_file_atomically(dir.file("notes.csv"), "keep me\n");
  for (const auto& [extra, expected] : std::vector<std::pair<std::string, std::string>>{
           {" --groups-out " + dir.file("notes.csv"), "notes.csv"},
           {" --group-by nonsense", "no dimension 'nonsense'"}}) {
    const auto refused = testing::run_program("nas-rank", args + extra);
    INFO(refused.output);
    CHECK(refused.status != 0);
    CHECK_THAT(refused.output, Catch::Contains(expected));
  }
  CHECK(common::read_file(dir.file("notes.csv")) == "keep me\n");
}
