// NATS-Bench's size search space and the import of its official archive (the size-space sample
// in ../shared/data/nats-sss-sample: meta.pickle.pbz2 and architectures 0, 11, 284).
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "bench/nats_importer.hpp"
#include "bench/pickle_reader.hpp"
#include "spaces/nats_sss.hpp"
#include "spaces/nb201.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::bench;
namespace fs = std::filesystem;

namespace {

spaces::SearchSpacePtr sss() { return spaces::make_search_space("nats-sss"); }

}  // namespace

TEST_CASE("The NATS-Bench size space holds 8^5 architectures numbered as NATS-Bench does",
          "[spaces][nats-sss]") {
  const auto space = sss();
  CHECK(space->name() == "nats-sss");
  CHECK(space->size() == 32768);
  // Strings and indices from the official archive: arch_str and arch_index of the sample files
  // 000000, 000011 and 000284, and the last entry of meta_archs.
  CHECK(space->parse("8:8:8:8:8") == 0);
  CHECK(space->parse("8:8:8:16:32") == 11);
  CHECK(space->parse("8:8:40:32:40") == 284);
  CHECK(space->parse("64:64:64:64:64") == 32767);
  CHECK(space->to_string(284) == "8:8:40:32:40");
  for (spaces::ArchCode c = 0; c < space->size(); ++c) REQUIRE(space->parse(space->to_string(c)) == c);
  CHECK(space->dimension_name(0) == "layer 5");
  CHECK(space->choice_name(0, 7) == "64");

  // A model sees the width of each layer, layer 1 first.
  CHECK(space->features(284) == std::vector<double>{8, 8, 40, 32, 40});
  CHECK(space->feature_names().size() == 5);
}

TEST_CASE("A malformed size-space string names the layer and the expected form",
          "[spaces][nats-sss]") {
  const auto space = sss();
  for (const auto& [text, layer] : std::vector<std::pair<std::string, std::string>>{
           {"8:8:8:16", "it has 4 fields"},
           {"8:8:8:16:32:8", "it has 6 fields"},
           {"8:8:8:16:33", "layer 5 is '33'"},
           {"08:8:8:16:32", "layer 1 is '08'"},
           {"8:8::16:32", "layer 3 is ''"},
           {"", "it has 1 field"},
           {"8:8:8:16:32 ", "layer 5 is '32 '"},
           {"|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|", "it has 1 field"}}) {
    CAPTURE(text);
    CHECK_THROWS_AS(space->parse(text), spaces::ArchParseError);
    CHECK_THAT(testing::error_of([&] { space->parse(text); }),
               Catch::Contains(layer) && Catch::Contains("each one of 8, 16, 24, 32, 40, 48, 56, 64"));
  }
}

TEST_CASE("The two NATS-Bench spaces tell each other apart by shape", "[spaces][nats-sss]") {
  CHECK(spaces::NatsSssSpace::shape_error(*sss()).empty());
  CHECK_THAT(spaces::NatsSssSpace::shape_error(*testing::nb201()),
             Catch::Contains("'nb201' has 6 dimensions") && Catch::Contains("size-space shape"));
  CHECK_THAT(spaces::Nb201Space::shape_error(*sss()),
             Catch::Contains("'nats-sss' has 5 dimensions"));
}

TEST_CASE("The size space's index order is the order of NATS-Bench's meta_archs",
          "[spaces][nats-sss][shared]") {
  NASRUN_REQUIRE_SHARED_DATA(data);
  const auto meta = read_pickle_bz2_file(data + "/nats-sss-sample/meta.pickle.pbz2");
  const auto* archs = meta.find("meta_archs");
  REQUIRE(archs);
  REQUIRE(archs->items.size() == 32768);
  const auto space = sss();
  for (std::size_t i = 0; i < archs->items.size(); ++i) {
    REQUIRE(space->parse(archs->items[i].s) == i);
    REQUIRE(space->to_string(i) == archs->items[i].s);
  }
}

TEST_CASE("Importing the NATS-Bench size sample gives the official values",
          "[bench][nats][nats-sss][shared]") {
  NASRUN_REQUIRE_SHARED_DATA(data);
  const auto dir = data + "/nats-sss-sample";
  CHECK(nats_archive_space(dir) == "nats-sss");
  CHECK(nats_archive_space(data + "/nats-tss-sample") == "nb201");
  NatsImportReport report;
  const auto b = import_nats_archive(sss(), dir, &report).build();
  CHECK(report.expected == 32768);
  CHECK(report.imported == 3);
  CHECK(report.missing.size() == 32765);
  CHECK(b.space().name() == "nats-sss");
  CHECK(b.meta().at("source") == kNatsSizeSource);
  CHECK(b.code(284) == b.space().parse("8:8:40:32:40"));
  CHECK(b.index_of(b.space().parse("8:8:8:16:32")) == 11);

  // Three schedules for each of the four datasets; the longest is the default.
  for (const char* dataset : {"cifar10-valid", "cifar10", "cifar100", "ImageNet16-120"}) {
    CAPTURE(dataset);
    CHECK(b.table(dataset).schedule() == "90");
    CHECK(b.table(dataset, "90").seeds() == std::vector<std::int64_t>{777});
    CHECK(b.table(dataset, "12").seeds() == std::vector<std::int64_t>{777, 888, 999});
    CHECK(b.table(dataset, "01").epochs() == 1);
  }

  // The values below were read from the sample files with Python's own pickle module (the numpy
  // scalars decoded by hand), not with nas-run's reader. NATS-Bench counts epochs from 0.
  const auto& c100 = b.table("cifar100", "90");
  CHECK(c100.epochs() == 90);
  CHECK(c100.truth_metric() == Metric::TestAcc);
  const SeedChoice s777{c100.slot_of_seed(777)};
  // 000011, '90', ('cifar100', 777): epoch 89.
  CHECK(c100.value(Metric::TrainLoss, 11, s777, 90) == Approx(1.4815629787826539));
  CHECK(c100.value(Metric::TrainAcc, 11, s777, 90) == Approx(58.35));
  CHECK(c100.value(Metric::ValidAcc, 11, s777, 90) == Approx(54.46));
  CHECK(c100.value(Metric::TestAcc, 11, s777, 90) == Approx(53.68));
  CHECK(c100.value(Metric::OriTestAcc, 11, s777, 90) == Approx(54.07));
  // Epoch 0 and 44: the size archive has validation curves at every epoch.
  CHECK(c100.value(Metric::TrainLoss, 11, s777, 1) == Approx(4.086297860031128));
  CHECK(c100.value(Metric::ValidAcc, 11, s777, 1) == Approx(9.66));
  CHECK(c100.value(Metric::ValidLoss, 11, s777, 1) == Approx(3.8883927745819094));
  CHECK(c100.value(Metric::OriTestAcc, 11, s777, 45) == Approx(43.33));
  CHECK(c100.cost(Cost::Params, 11) == Approx(52172));  // 0.052172 million
  CHECK(c100.cost(Cost::Flops, 11) == Approx(6.84362e6));
  CHECK(c100.cost(Cost::Latency, 11) == Approx(0.01744564175605774));
  CHECK(std::isnan(c100.value(Metric::TrainLoss, 12, s777, 1)));  // a missing architecture

  // 000284, '90', ('ImageNet16-120', 777): epoch 44.
  const auto& in16 = b.table("ImageNet16-120", "90");
  CHECK(in16.value(Metric::TrainLoss, 284, SeedChoice{}, 45) == Approx(3.0784629442445053));
  CHECK(in16.value(Metric::ValidAcc, 284, SeedChoice{}, 45) == Approx(22.666666661580404));
  CHECK(in16.value(Metric::TestAcc, 284, SeedChoice{}, 45) == Approx(21.499999974568684));
  CHECK(in16.cost(Cost::Params, 284) == Approx(149344));
  // 000284, '12', ('cifar10-valid', 888): epoch 11. cifar10-valid's truth is ori-test.
  const auto& c10v = b.table("cifar10-valid", "12");
  const SeedChoice s888{c10v.slot_of_seed(888)};
  CHECK(c10v.truth_metric() == Metric::OriTestAcc);
  CHECK(c10v.value(Metric::ValidAcc, 284, s888, 12) == Approx(79.52));
  CHECK(c10v.value(Metric::OriTestAcc, 284, s888, 12) == Approx(79.47));
  CHECK(c10v.value(Metric::TrainLoss, 284, s888, 12) == Approx(0.5147833472633362));
  // 000284, '01', ('cifar10', 777): the one epoch; cifar10 has only ori-test.
  const auto& c10 = b.table("cifar10", "01");
  CHECK(c10.value(Metric::OriTestAcc, 284, SeedChoice{}, 1) == Approx(41.71));
  CHECK(c10.value(Metric::TrainLoss, 284, SeedChoice{}, 1) == Approx(1.5788281448745727));
  CHECK(std::isnan(c10.value(Metric::ValidAcc, 284, SeedChoice{}, 1)));
  // 000000, '90', ('cifar10-valid', 777): epoch 89.
  const auto& c10v90 = b.table("cifar10-valid", "90");
  CHECK(c10v90.value(Metric::ValidAcc, 0, SeedChoice{}, 90) == Approx(76.888));
  CHECK(c10v90.value(Metric::OriTestAcc, 0, SeedChoice{}, 90) == Approx(76.51));
  CHECK(c10v90.value(Metric::TrainLoss, 0, SeedChoice{}, 90) == Approx(0.5780355675888061));
}

TEST_CASE("A NATS-Bench archive of one space is refused for the other, naming both",
          "[bench][nats][nats-sss][shared]") {
  NASRUN_REQUIRE_SHARED_DATA(data);
  const auto sss_as_topology =
      testing::error_of([&] { import_nats_archive(testing::nb201(), data + "/nats-sss-sample"); });
  CHECK_THAT(sss_as_topology, Catch::Contains("NATS-Bench size archive (its meta.pickle.pbz2 "
                                                  "lists architectures of space 'nats-sss'") &&
                                  Catch::Contains("cannot fill space 'nb201'") &&
                                  Catch::Contains("topology archive"));
  const auto topology_as_sss =
      testing::error_of([&] { import_nats_archive(sss(), data + "/nats-tss-sample"); });
  CHECK_THAT(topology_as_sss, Catch::Contains("NATS-Bench topology archive (its meta.pickle.pbz2 "
                                                  "lists architectures of space 'nb201'") &&
                                  Catch::Contains("cannot fill space 'nats-sss'") &&
                                  Catch::Contains("size archive"));
}

TEST_CASE("A meta file of neither NATS-Bench space names both forms", "[bench][nats][nats-sss]") {
  testing::TempDir dir("nats-neither");
  // meta_archs = ['8x8'] in pickle protocol 2: PROTO, EMPTY_DICT, BINUNICODE, EMPTY_LIST,
  // BINUNICODE, APPEND, SETITEM, STOP.
  const auto pstr = [](const std::string& s) {
    const auto n = static_cast<std::uint32_t>(s.size());
    return "X" + std::string(reinterpret_cast<const char*>(&n), 4) + s;
  };
  testing::spit((dir.path() / "meta.pickle.pbz2").string(),
                testing::bz2_compress("\x80\x02}" + pstr("meta_archs") + "]" + pstr("8x8") + "as."));
  const auto error = testing::error_of([&] { import_nats_archive(sss(), dir.path().string()); });
  CHECK_THAT(error, Catch::Contains("meta.pickle.pbz2") && Catch::Contains("entry 0 '8x8'") &&
                        Catch::Contains("space 'nb201'") && Catch::Contains("space 'nats-sss'"));
}

TEST_CASE("nas-bench imports and queries the size sample: nas-rank studies it and nas-run refuses it",
          "[cli][nats-sss][shared]") {
  NASRUN_REQUIRE_SHARED_DATA(data);
  testing::TempDir dir("nats-sss-cli");
  const auto file = (dir.path() / "sss.nasbench").string();
  auto r = testing::run_program("nas-bench", "import --nats-dir " + data + "/nats-sss-sample --out " + file);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("imported 3 of 32768 architectures") &&
                           Catch::Contains("table cifar100@90 is partial"));

  // Index 11's final accuracies in '90' on cifar100 (from the file, as in the test above).
  r = testing::run_program("nas-bench", "query " + file +
                                            " --arch 8:8:8:16:32 --dataset cifar100 --schedule 90");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("index 11  8:8:8:16:32") &&
                           Catch::Contains("valid_acc      54.46") &&
                           Catch::Contains("ori_test_acc   54.07"));

  r = testing::run_program("nas-rank", "--benchmark " + file + " --dataset cifar100 --out " +
                                           (dir.path() / "rank.csv").string());
  INFO(r.output);
  CHECK(r.status == 0);

  for (const char* strategy : {"rs", "re", "tpe"}) {
    r = testing::run_program("nas-run", std::string("--benchmark ") + file +
                                            " --dataset cifar100 --strategy " + strategy +
                                            " --budget 10x --seeds 1 --out " +
                                            (dir.path() / strategy).string());
    INFO(r.output);
    CHECK(r.status != 0);
    CHECK_THAT(r.output, Catch::Contains("results for 3 of the space's 32768 architectures") &&
                             Catch::Contains("nas-rank"));
  }
}

TEST_CASE("nas-run searches a fully tabulated size-space benchmark with RS / RE / TPE",
          "[cli][nats-sss]") {
  // Every architecture of the space, one 4-epoch table whose accuracy grows with the channels:
  // the widest network, 64:64:64:64:64 (code 32767), is the best.
  const auto space = sss();
  std::vector<spaces::ArchCode> codes(space->size());
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i;
  BenchmarkBuilder builder("nats-sss", codes);
  auto& t = builder.add_table("toy", "4", 4, {1, 2, 3, 4}, {0}, Metric::TestAcc);
  for (const auto c : codes) {
    double width = 0;  // 40 .. 320
    for (const double channels : space->features(c)) width += channels;
    for (int e = 1; e <= 4; ++e) {
      t.set(Metric::TrainLoss, c, 0, e, 400.0 / width / e);
      t.set(Metric::ValidAcc, c, 0, e, width / 4 + e);
      t.set(Metric::TrainTime, c, 0, e, 1 + width / 100);
    }
    t.set(Metric::TestAcc, c, 0, 4, width / 4);
    t.set_cost(Cost::EpochTrainTime, c, 1 + width / 100);
  }
  testing::TempDir dir("nats-sss-search");
  const auto file = dir.file("sss-toy.nasbench");
  builder.write(file);
  const auto r = testing::run_program(
      "nas-run", "--benchmark " + file + " --strategy rs,re,tpe --evaluator sotle --T 2 " +
                     "--budget 100x --seeds 2 --out " + dir.file("out"));
  INFO(r.output);
  REQUIRE(r.status == 0);
  // The landscape is smooth in the channels: the strategies that exploit what they have seen
  // (RE mutates the best, TPE models the good choices per layer) end nearer the optimum, a test
  // error of 100 - 320 / 4 = 20%, than random search with the same budget.
  const auto summary = nlohmann::json::parse(common::read_file(dir.file("out") + "/summary.json"));
  std::map<std::string, double> final_error;
  for (const auto& c : summary.at("combinations"))
    final_error[c.at("strategy")] = c.at("final_incumbent_test_error").at("mean");
  REQUIRE(final_error.size() == 3);
  for (const auto& [strategy, error] : final_error) CHECK(error >= 20);
  CHECK(final_error.at("re") < final_error.at("rs"));
  CHECK(final_error.at("tpe") < final_error.at("rs"));
}
