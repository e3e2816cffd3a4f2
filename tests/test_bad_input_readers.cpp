// Impossible values and partial tables, reader by reader (issue 21): the builder, the file
// reader and both importers refuse values no training can produce, with the value, its place and
// the accepted range; a table that lacks some of the space's architectures is called partial,
// and nas-run refuses it before it writes anything.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>

#include "bench/benchmark_builder.hpp"
#include "bench/nats_importer.hpp"
#include "bench/nb201_csv.hpp"
#include "tabulate/tabulation.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::bench;
using namespace nasrun::testing;
namespace fs = std::filesystem;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Writes `value` at byte `at` of a file's data section.
template <typename T>
void poke(Parts& p, std::uint64_t at, T value) {
  std::memcpy(&p.data[at], &value, sizeof value);
}

// ---- hand-made NATS-Bench archives (pickle protocol 4 opcodes) ----

std::string pint(std::int32_t v) {
  std::string out = "J";
  out.append(reinterpret_cast<const char*>(&v), 4);
  return out;
}

std::string pfloat(double v) {  // BINFLOAT is big-endian
  unsigned char b[8];
  std::memcpy(b, &v, 8);
  std::string out = "G";
  for (int i = 7; i >= 0; --i) out += static_cast<char>(b[i]);
  return out;
}

using PyItems = std::vector<std::pair<std::string, std::string>>;  // pickled key, pickled value

std::string pdict(const PyItems& items) {
  if (items.empty()) return "}";
  std::string out = "}(";
  for (const auto& [k, v] : items) out += k + v;
  return out + "u";
}

std::string plist(const std::vector<std::string>& items) {
  std::string out = "](";
  for (const auto& v : items) out += v;
  return out + "e";
}

// One training run of two epochs, with `changes` replacing its fields (pickled values).
std::string nats_run(const std::map<std::string, std::string>& changes) {
  std::map<std::string, std::string> fields = {
      {"epochs", pint(2)},
      {"train_losses", pdict({{pint(0), pfloat(2.0)}, {pint(1), pfloat(1.0)}})},
      {"train_acc1es", pdict({{pint(0), pfloat(30)}, {pint(1), pfloat(40)}})},
      {"train_times", pdict({{pint(0), pfloat(5)}, {pint(1), pfloat(5)}})},
      {"eval_acc1es", pdict({{pstr("x-valid@0"), pfloat(30)}, {pstr("x-valid@1"), pfloat(40)},
                             {pstr("ori-test@1"), pfloat(41)}})},
      {"eval_losses", pdict({{pstr("x-valid@0"), pfloat(2.1)}, {pstr("x-valid@1"), pfloat(1.1)},
                             {pstr("ori-test@1"), pfloat(1.2)}})},
      {"eval_times", pdict({{pstr("x-valid@0"), pfloat(1)}, {pstr("x-valid@1"), pfloat(1)},
                            {pstr("ori-test@1"), pfloat(2)}})},
      {"params", pfloat(0.1)},
      {"flop", pfloat(10)},
      {"latency", pfloat(0.01)}};
  for (const auto& [k, v] : changes) fields[k] = v;
  PyItems items;
  for (const auto& [k, v] : fields) items.emplace_back(pstr(k), v);
  return pdict(items);
}

// The file of architecture 0 (kArch0) with one run of schedule '12'.
std::string nats_arch0(const std::string& run, const std::string& dataset = "cifar10-valid") {
  const std::string key = pstr(dataset) + pint(777) + "\x86";
  return pdict({{pstr("12"), pdict({{pstr("arch_index"), pint(0)},
                                    {pstr("arch_str"), pstr(kArch0)},
                                    {pstr("all_results"), pdict({{key, run}})}})}});
}

// An archive of two architectures whose architecture 0 file holds `arch0` (a pickled value), in
// a temporary folder of its own name (test cases run in parallel).
class NatsArchive {
 public:
  NatsArchive(const std::string& name, const std::string& arch0) : dir_(name) {
    fs::create_directories(path());
    spit((path() / "meta.pickle.pbz2").string(),
         bz2_compress("\x80\x04" + pdict({{pstr("meta_archs"), plist({pstr(kArch0), pstr(kArch1)})}}) + "."));
    spit((path() / "000000.pickle.pbz2").string(), bz2_compress("\x80\x04" + arch0 + "."));
  }
  fs::path path() const { return dir_.path() / "archive"; }
  std::string error() const {
    return testing::error_of([&] { import_nats_archive(testing::nb201(), path().string()); });
  }

 private:
  TempDir dir_;
};

// A benchmark of four NB201 architectures (indices 0..3) on cifar100, as a CSV holds it.
std::string four_arch_csv() {
  std::string text = std::string(kFinalHeader) + "\n";
  const char* archs[] = {kArch0, kArch1, "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",
                         "|avg_pool_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"};
  for (int i = 0; i < 4; ++i)
    text += row(std::to_string(i), archs[i], "cifar100,777,50,51,52,100,0.1");
  return text;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The accepted ranges, in one place

TEST_CASE("Every metric and cost has one accepted range", "[bad-input]") {
  for (auto m : {Metric::TrainAcc, Metric::ValidAcc, Metric::TestAcc, Metric::OriTestAcc}) {
    INFO(metric_name(m));
    CHECK(value_range(m).contains(0));
    CHECK(value_range(m).contains(100));
    CHECK_FALSE(value_range(m).contains(-5));
    CHECK_FALSE(value_range(m).contains(150));
    CHECK_FALSE(value_range(m).contains(kInf));
    CHECK(value_range(m).to_string() == "[0, 100] (percent)");
  }
  for (auto m : {Metric::TrainLoss, Metric::ValidLoss, Metric::TestLoss, Metric::OriTestLoss}) {
    INFO(metric_name(m));
    CHECK(value_range(m).contains(0));
    CHECK(value_range(m).contains(1e6));
    CHECK_FALSE(value_range(m).contains(-0.5));
    CHECK_FALSE(value_range(m).contains(kInf));
    CHECK(value_range(m).to_string() == "[0, inf)");
  }
  for (auto m : {Metric::TrainTime, Metric::EvalTime}) {
    CHECK_FALSE(value_range(m).contains(0));
    CHECK(value_range(m).contains(0.001));
    CHECK(value_range(m).to_string() == "(0, inf) (seconds)");
  }
  for (auto c : all_costs()) {
    INFO(cost_name(c));
    CHECK_FALSE(value_range(c).contains(0));
    CHECK_FALSE(value_range(c).contains(-1));
    CHECK_FALSE(value_range(c).contains(kInf));
    CHECK(value_range(c).contains(1e9));
  }
  // NaN is the format's mark of a missing value: in no range, but never an error.
  CHECK_FALSE(value_range(Metric::TestAcc).contains(kNaN));
  CHECK(value_error(Metric::TestAcc, kNaN).empty());
  CHECK(value_error(Metric::TestAcc, 150) == "test_acc 150 is outside the accepted range [0, 100] (percent)");
  CHECK(value_error(Cost::Params, 0) == "params 0 is outside the accepted range (0, inf)");
  CHECK(value_error(Metric::TrainLoss, -kInf) == "train_loss -inf is outside the accepted range [0, inf)");
}

// ---------------------------------------------------------------------------------------------
// The builder: no importer or tabulation can write an impossible value

TEST_CASE("The builder refuses impossible values where they are set", "[bad-input]") {
  auto b = small_builder();
  auto& t = b.tables()[0];
  const std::vector<std::pair<std::function<void()>, std::string>> cases = {
      {[&] { t.set(Metric::TestAcc, 1, 0, 2, 150); },
       "table toy@4, architecture index 1, seed 1, epoch 2: test_acc 150 is outside the accepted "
       "range [0, 100] (percent)"},
      {[&] { t.set(Metric::ValidAcc, 1, 1, 4, -5); }, "seed 2, epoch 4: valid_acc -5 is outside"},
      {[&] { t.set(Metric::TrainAcc, 2, 0, 1, kInf); }, "train_acc inf is outside"},
      {[&] { t.set(Metric::TrainLoss, 2, 0, 1, -0.5); },
       "train_loss -0.5 is outside the accepted range [0, inf)"},
      {[&] { t.set(Metric::TrainTime, 3, 0, 1, 0); },
       "train_time 0 is outside the accepted range (0, inf) (seconds)"},
      {[&] { t.set(Metric::EvalTime, 3, 0, 1, -2); }, "eval_time -2 is outside"},
      {[&] { t.set_cost(Cost::Params, 4, 0); },
       "table toy@4, architecture index 4: params 0 is outside the accepted range (0, inf)"},
      {[&] { t.set_cost(Cost::Params, 4, -1000); }, "params -1000 is outside"},
      {[&] { t.set_cost(Cost::EpochTrainTime, 4, 0); }, "epoch_train_time_s 0 is outside"},
      {[&] { t.set_cost(Cost::Latency, 4, kInf); }, "latency_s inf is outside"},
      {[] { BenchmarkBuilder("nb201", {0}).add_table("dup", "4", 4, {4}, {7, 7}, Metric::TestAcc); },
       "table dup@4 lists training seed 7 twice"},
      {[] { BenchmarkBuilder("nb201", {0}).add_table("none", "4", 4, {}, {7}, Metric::TestAcc); },
       "table none@4 records no epoch"},
  };
  for (const auto& [f, expected] : cases) {
    const auto msg = testing::error_of(f);
    INFO(msg);
    CHECK_THAT(msg, Catch::Contains(expected));
  }
  CHECK_THROWS_AS(t.set(Metric::TestAcc, 1, 0, 2, 150), std::invalid_argument);
  // Nothing of the refused values was stored; NaN still means missing.
  const auto built = b.build();
  CHECK(built.table("toy").value(Metric::TestAcc, 1, {0}, 2) == 61);
  CHECK(built.table("toy").cost(Cost::Params, 4) == 5000);
  REQUIRE_NOTHROW(t.set(Metric::TestAcc, 1, 0, 2, kNaN));
  REQUIRE_NOTHROW(t.set_cost(Cost::Flops, 1, kNaN));
}

// ---------------------------------------------------------------------------------------------
// The file reader

TEST_CASE("The file reader refuses impossible values, duplicates and overlapping arrays", "[bad-input]") {
  TempDir dir("readers-file");
  const auto path = dir.file("bad.nasbench");
  const Parts parts = split_file(small_builder().serialize());
  const auto& t0 = parts.header["tables"][0];
  // Series are [row][seed][column] of 3 recorded epochs (1, 2, 4); architecture a has row a.
  auto series_at = [&](const char* metric, int row, int slot, int column) {
    return offset_of(t0["metrics"][metric]) + 4 * ((row * 2 + slot) * 3 + column);
  };
  const std::vector<FileDamage> cases = {
      {"an accuracy of 150",
       [&](Parts& p) { poke(p, series_at("test_acc", 1, 0, 1), 150.0f); },
       {"table toy@4, architecture index 1, seed 1, epoch 2: test_acc 150 is outside the accepted "
        "range [0, 100] (percent)"}},
      {"an accuracy of -5",
       [&](Parts& p) { poke(p, series_at("valid_acc", 3, 1, 2), -5.0f); },
       {"architecture index 3, seed 2, epoch 4: valid_acc -5 is outside"}},
      {"an infinite accuracy",
       [&](Parts& p) { poke(p, series_at("valid_acc", 2, 0, 0), std::numeric_limits<float>::infinity()); },
       {"architecture index 2, seed 1, epoch 1: valid_acc inf is outside"}},
      {"a negative loss",
       [&](Parts& p) { poke(p, series_at("train_loss", 4, 1, 0), -1.0f); },
       {"architecture index 4, seed 2, epoch 1: train_loss -1 is outside the accepted range [0, inf)"}},
      {"a parameter count of 0",
       [&](Parts& p) { poke(p, offset_of(t0["costs"]["params"]) + 8 * 2, 0.0); },
       {"table toy@4, architecture index 2: params 0 is outside the accepted range (0, inf)"}},
      {"a negative parameter count",
       [&](Parts& p) { poke(p, offset_of(t0["costs"]["params"]) + 8 * 3, -1e6); },
       {"architecture index 3: params -1000000 is outside"}},
      {"a seed-present flag of 2",
       [&](Parts& p) { poke(p, offset_of(t0["seed_present"]) + 3 * 2 + 1, std::uint8_t{2}); },
       {"table toy@4 seed_present: architecture index 3, seed 2 has the flag 2, expected 0 or 1"}},
      {"a table twice",
       [](Parts& p) { p.header["tables"].push_back(p.header["tables"][0]); },
       {"table toy@4 appears twice (tables 0 and 1)"}},
      {"a seed twice", [](Parts& p) { p.header["tables"][0]["seeds"] = {1, 1}; },
       {"table toy@4 lists training seed 1 twice (seeds: [1,1])"}},
      {"two arrays at one offset",
       [&](Parts& p) { p.header["tables"][0]["metrics"]["test_acc"]["offset"] = offset_of(t0["metrics"]["valid_acc"]); },
       {"overlap", "'table toy@4 valid_acc'", "'table toy@4 test_acc'"}},
      {"an array inside another",
       [&](Parts& p) { p.header["tables"][0]["seed_present"]["offset"] = offset_of(t0["metrics"]["train_loss"]) + 64; },
       {"overlap", "'table toy@4 seed_present'", "'table toy@4 train_loss'"}},
      {"an array that begins inside an earlier one",
       [&](Parts& p) { p.header["tables"][0]["costs"]["params"]["offset"] = offset_of(t0["metrics"]["train_loss"]) + 64; },
       {"overlap", "'table toy@4 train_loss'", "'table toy@4 params'"}},
      {"an unknown version in the header", [](Parts& p) { p.header["version"] = 2; },
       {"header 'version' is 2, expected 1"}},
      {"no version in the header", [](Parts& p) { p.header.erase("version"); },
       {"header lacks a valid 'version'"}},
      {"an unknown version in the preamble",
       [](Parts& p) { std::memcpy(&p.preamble[8], "\x02\0\0\0", 4); },
       {"format version 2 is not supported (expected 1)"}},
      {"no recorded epoch", [](Parts& p) { p.header["tables"][0]["recorded_epochs"] = nlohmann::json::array(); },
       {"table toy@4 records no epoch"}},
  };
  check_damage(parts, path, cases);
  // The untouched file opens: NaN (missing) values and costs are no error.
  spit(path, join_file(parts));
  CHECK(open_error(path) == "no error");
}

// ---------------------------------------------------------------------------------------------
// The NAS-Bench-201 CSV importer

TEST_CASE("The NB201 CSV importer refuses impossible values and unknown datasets", "[bad-input]") {
  const std::string h = std::string(kFinalHeader) + "\n";
  const std::string hh = std::string(kHp12Header) + "\n";
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {h + row("0", kArch0, "cifar100,777,-5,51,52,100,0.1"),
       {"a.csv:2: column 'valid_acc': '-5' is outside the accepted range [0, 100] (percent)"}},
      {h + row("0", kArch0, "cifar100,777,50,150,52,100,0.1"),
       {"a.csv:2: column 'test_acc': '150' is outside the accepted range [0, 100] (percent)"}},
      {h + row("0", kArch0, "cifar100,777,50,51,inf,100,0.1"),
       {"a.csv:2: column 'valtest_acc': 'inf' is not a finite number", "[0, 100] (percent)"}},
      {h + row("0", kArch0, "cifar100,777,50,51,52,0,0.1"),
       {"a.csv:2: column 'train_time_s': '0' is outside the accepted range (0, inf) (seconds)"}},
      {h + row("0", kArch0, "cifar100,777,50,51,52,-100,0.1"),
       {"a.csv:2: column 'train_time_s': '-100' is outside"}},
      {h + row("0", kArch0, "cifar100,777,50,51,52,100,0"),
       {"a.csv:2: column 'params_m': '0' is outside the accepted range (0, inf)"}},
      {h + row("0", kArch0, "cifar100,777,50,51,52,100,-0.1"), {"column 'params_m': '-0.1' is outside"}},
      {hh + row("0", kArch0, "cifar10,150,51"),
       {"a.csv:2: column 'valid_acc': '150' is outside the accepted range [0, 100] (percent)"}},
      {h + row("0", kArch0, "cifar-100,777,50,51,52,100,0.1"),
       {"a.csv:2: column 'dataset': 'cifar-100' is not a NAS-Bench-201 dataset (expected "
        "cifar10-valid, cifar10, cifar100 or ImageNet16-120); did you mean 'cifar100'?"}},
      {h + row("0", kArch0, "imagenet16-120,777,50,51,52,100,0.1"),
       {"did you mean 'ImageNet16-120'?"}},
      {hh + row("0", kArch0, "cifar10valid,50,51"), {"did you mean 'cifar10-valid'?"}},
  };
  for (const auto& [text, expected] : cases) {
    const auto msg = csv_error({{"a.csv", text}}, "readers-csv");
    INFO(text << "\n-> " << msg);
    for (const auto& e : expected) CHECK_THAT(msg, Catch::Contains(e));
  }
  // A name far from every dataset gets the list, not a guess.
  const auto far = csv_error({{"a.csv", h + row("0", kArch0, "mnist,777,50,51,52,100,0.1")}}, "readers-csv");
  CHECK_THAT(far, Catch::Contains("'mnist' is not a NAS-Bench-201 dataset") &&
                      !Catch::Contains("did you mean"));
  // The extremes of each range are values.
  CHECK(csv_error({{"a.csv", h + row("0", kArch0, "cifar100,777,0,100,52,0.001,0.001")}}, "readers-csv") == "no error");
}

TEST_CASE("A CSV file that starts with a UTF-8 byte-order mark imports like one without", "[bad-input]") {
  // Spreadsheet programs save "CSV UTF-8" with the mark EF BB BF; it is no part of the header.
  TempDir dir("readers-bom");
  const std::string text = std::string(kFinalHeader) + "\n" + row("0", kArch0, "cifar100,777,50,51,52,100,0.1");
  spit(dir.file("bom.csv"), "\xEF\xBB\xBF" + text);
  const auto b = import_nb201_csv(testing::nb201(), {dir.file("bom.csv")}).build();
  CHECK(b.table("cifar100").value(Metric::TestAcc, 0, SeedChoice{}, 200) == 51);
  // Other bytes that do not print are shown, never left invisible in the message.
  const auto utf16 = csv_error({{"a.csv", std::string("\xFF\xFEi\0n\0d\0e\0x\0\n", 13) + text}}, "readers-bom-bad");
  CHECK_THAT(utf16, Catch::Contains("a.csv:1: unexpected columns '\\xFF\\xFEi\\x00n\\x00"));
  const auto tab = csv_error({{"a.csv", "\tindex" + text.substr(5)}}, "readers-bom-bad");
  CHECK_THAT(tab, Catch::Contains("unexpected columns '\\x09index,arch"));
}

// ---------------------------------------------------------------------------------------------
// The NATS-Bench importer

TEST_CASE("The NATS-Bench importer refuses impossible values, unknown datasets and empty entries",
          "[bad-input][nats]") {
  REQUIRE(NatsArchive("readers-nats", nats_arch0(nats_run({}))).error() == "no error");
  const std::string run_at = "000000.pickle.pbz2: '12' -> all_results[('cifar10-valid', 777)] -> ";
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {nats_arch0(nats_run({{"train_acc1es", pdict({{pint(0), pfloat(30)}, {pint(1), pfloat(150)}})}})),
       {run_at + "train_acc1es -> 1: train_acc 150 is outside the accepted range [0, 100] (percent)"}},
      {nats_arch0(nats_run({{"train_acc1es", pdict({{pint(0), pfloat(-5)}})}})),
       {run_at + "train_acc1es -> 0: train_acc -5 is outside"}},
      {nats_arch0(nats_run({{"eval_acc1es", pdict({{pstr("x-valid@1"), pfloat(kInf)}})}})),
       {run_at + "eval_acc1es -> x-valid@1: valid_acc inf is outside"}},
      {nats_arch0(nats_run({{"eval_acc1es", pdict({{pstr("ori-test@1"), pfloat(101)}})}})),
       {run_at + "eval_acc1es -> ori-test@1: ori_test_acc 101 is outside"}},
      {nats_arch0(nats_run({{"train_losses", pdict({{pint(1), pfloat(-0.5)}})}})),
       {run_at + "train_losses -> 1: train_loss -0.5 is outside the accepted range [0, inf)"}},
      {nats_arch0(nats_run({{"eval_losses", pdict({{pstr("x-valid@0"), pfloat(-kInf)}})}})),
       {run_at + "eval_losses -> x-valid@0: valid_loss -inf is outside"}},
      {nats_arch0(nats_run({{"train_times", pdict({{pint(0), pfloat(0)}})}})),
       {run_at + "train_times -> 0: train_time 0 is outside the accepted range (0, inf) (seconds)"}},
      {nats_arch0(nats_run({{"eval_times", pdict({{pstr("x-valid@0"), pfloat(-1)}})}})),
       {run_at + "eval_times -> x-valid@0: eval_time -1 is outside"}},
      // An evaluation time is a time, whatever split it was measured on: 250 s is no accuracy.
      {nats_arch0(nats_run({{"eval_times", pdict({{pstr("x-valid@0"), pfloat(250)}, {pstr("x-valid@1"), pfloat(0)}})}})),
       {run_at + "eval_times -> x-valid@1: eval_time 0 is outside"}},
      {nats_arch0(nats_run({{"params", pfloat(0)}})),
       {run_at + "params: params 0 is outside the accepted range (0, inf)"}},
      {nats_arch0(nats_run({{"flop", pfloat(-3)}})), {run_at + "flop: flops -3000000 is outside"}},
      {nats_arch0(nats_run({{"latency", plist({pfloat(0.01), pfloat(-0.05)})}})),
       {run_at + "latency: latency_s -0.02 is outside"}},
      {nats_arch0(nats_run({}), "cifar-100"),
       {"000000.pickle.pbz2: '12' -> all_results: dataset 'cifar-100' is not a NAS-Bench-201 "
        "dataset", "did you mean 'cifar100'?"}},
      {pdict({}), {"000000.pickle.pbz2: holds no training results"}},
      {pdict({{pstr("12"), pdict({{pstr("arch_index"), pint(0)},
                                  {pstr("arch_str"), pstr(kArch0)},
                                  {pstr("all_results"), pdict({})}})}}),
       {"000000.pickle.pbz2: holds no training results"}},
  };
  for (const auto& [arch0, expected] : cases) {
    const auto msg = NatsArchive("readers-nats", arch0).error();
    INFO(msg);
    for (const auto& e : expected) CHECK_THAT(msg, Catch::Contains(e));
  }
  // A NaN is the value a training did not record: missing, as in the benchmark format.
  const NatsArchive with_nan("readers-nats", nats_arch0(nats_run({{"train_losses", pdict({{pint(0), pfloat(kNaN)}, {pint(1), pfloat(1)}})}})));
  NatsImportReport report;
  const auto b = import_nats_archive(testing::nb201(), with_nan.path().string(), &report).build();
  CHECK(report.imported == 1);
  CHECK(std::isnan(b.table("cifar10-valid").value(Metric::TrainLoss, 0, SeedChoice{0}, 1)));
  CHECK(b.table("cifar10-valid").value(Metric::TrainLoss, 0, SeedChoice{0}, 2) == 1);
}

// ---------------------------------------------------------------------------------------------
// Partial tables

TEST_CASE("A table that lacks some of the space's architectures is partial", "[bad-input]") {
  TempDir dir("readers-partial");
  spit(dir.file("four.csv"), four_arch_csv());
  const auto four = import_nb201_csv(testing::nb201(), {dir.file("four.csv")}).build();
  CHECK(four.num_archs() == 4);
  const auto& t = four.table("cifar100");
  CHECK(t.architectures_with_results() == 4);
  const auto c = four.coverage(t);
  CHECK(c.with_results == 4);
  CHECK(c.in_space == 15625);
  CHECK(c.partial());
  CHECK(c.to_string() == "results for 4 of the space's 15625 architectures");

  // Every cell listed, some without results: a tabulation stopped early.
  const auto stopped = toy_builder(15000).build();
  CHECK(stopped.coverage(stopped.table("toy")).with_results == 15000);
  CHECK(stopped.coverage(stopped.table("toy")).partial());
  const auto whole = toy_builder().build();
  CHECK_FALSE(whole.coverage(whole.table("toy")).partial());

  // A NATS-Bench archive of which one architecture file is there.
  const NatsArchive archive("readers-partial-nats", nats_arch0(nats_run({})));
  const auto nats = import_nats_archive(testing::nb201(), archive.path().string()).build();
  CHECK(nats.coverage(nats.table("cifar10-valid")).to_string() ==
        "results for 1 of the space's 15625 architectures");
}

TEST_CASE("nas-bench import and info call a partial table partial and nas-run refuses it first",
          "[bad-input][cli]") {
  TempDir dir("readers-partial-cli");
  spit(dir.file("four.csv"), four_arch_csv());
  const auto bench = dir.file("four.nasbench");
  auto r = run_program("nas-bench", "import --nb201-csv " + dir.file("four.csv") + " --out " + bench);
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("table cifar100@200 is partial: results for 4 of the "
                                       "space's 15625 architectures"));
  r = run_program("nas-bench", "info " + bench);
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("space nb201: 15625 architectures; the benchmark lists 4 of them"));
  CHECK_THAT(r.output, Catch::Contains("partial: results for 4 of the space's 15625 architectures"));
  r = run_program("nas-bench", "info --json " + bench);
  const auto info = nlohmann::json::parse(r.output);
  CHECK(info["space_architectures"] == 15625);
  CHECK(info["tables"][0]["complete"] == false);
  // A complete benchmark says nothing of the kind.
  toy_builder().write(dir.file("toy.nasbench"));
  r = run_program("nas-bench", "info " + dir.file("toy.nasbench"));
  CHECK_THAT(r.output, !Catch::Contains("partial: results"));

  const auto out = dir.file("study");
  r = run_program("nas-run", "--benchmark " + bench + " --budget 1h --seeds 1 --out " + out);
  INFO(r.output);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("table cifar100@200 has results for 4 of the space's 15625 "
                                       "architectures, and a search may propose any of them"));
  CHECK_FALSE(fs::exists(out));
}

// ---------------------------------------------------------------------------------------------
// Datasets and epochs as the programs describe them

TEST_CASE("A benchmark without tables is not said to have several datasets", "[bad-input][cli]") {
  TempDir dir("readers-no-tables");
  BenchmarkBuilder("nb201", {0, 1}).write(dir.file("empty.nasbench"));
  for (const auto& [program, args] :
       std::vector<std::pair<std::string, std::string>>{
           {"nas-bench", "query " + dir.file("empty.nasbench") + " --index 0"},
           {"nas-run", "--benchmark " + dir.file("empty.nasbench") + " --out " + dir.file("o")}}) {
    const auto r = run_program(program, args);
    INFO(program << " " << args << "\n-> " << r.output);
    CHECK(r.status != 0);
    CHECK_THAT(r.output, Catch::Contains("the benchmark has no tables, so no dataset to choose") &&
                             !Catch::Contains("several datasets"));
  }
  CHECK_FALSE(fs::exists(dir.file("o")));
}

TEST_CASE("nas-bench query takes the only dataset, as nas-run does", "[bad-input][cli]") {
  TempDir dir("readers-query");
  const auto one = dir.file("one.nasbench");
  small_builder().write(one);
  auto r = run_program("nas-bench", "query " + one + " --index 1");
  INFO(r.output);
  CHECK(r.status == 0);
  CHECK_THAT(r.output, Catch::Contains("toy @ 4 (4 epochs)"));
  // An explicit empty name is still an error.
  r = run_program("nas-bench", "query " + one + " --index 1 --dataset ''");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("query needs --dataset"));

  auto two = small_builder();
  two.add_table("other", "4", 4, {4}, {1}, Metric::TestAcc).set(Metric::TestAcc, 1, 0, 4, 70);
  two.write(dir.file("two.nasbench"));
  r = run_program("nas-bench", "query " + dir.file("two.nasbench") + " --index 1");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("the benchmark has several datasets; choose one with "
                                       "--dataset (toy, other)"));
}

TEST_CASE("nas-bench info says which metrics are recorded at the last epoch only", "[bad-input][cli]") {
  TempDir dir("readers-last-epoch");
  BenchmarkBuilder b("nb201", {0, 1, 2});
  auto& t = b.add_table("toy", "4", 4, {1, 2, 3, 4}, {0}, Metric::TestAcc);
  for (std::size_t a = 0; a < 3; ++a) {
    for (int e = 1; e <= 4; ++e) t.set(Metric::TrainLoss, a, 0, e, 1.0 / e);
    if (a < 2) t.set(Metric::TestAcc, a, 0, 4, 60);
  }
  b.write(dir.file("b.nasbench"));
  auto r = run_program("nas-bench", "info " + dir.file("b.nasbench"));
  INFO(r.output);
  CHECK_THAT(r.output, Catch::Matches(R"([\s\S]*test_acc +3 values, +1 missing, at the last epoch only[\s\S]*)"));
  CHECK_THAT(r.output, Catch::Matches(R"([\s\S]*train_loss +12 values, +0 missing, +0 of them at the last epoch[\s\S]*)"));
  CHECK_THAT(r.output, !Catch::Contains("of them at the last epoch only"));
  r = run_program("nas-bench", "info --json " + dir.file("b.nasbench"));
  const auto info = nlohmann::json::parse(r.output);
  CHECK(info["tables"][0]["metrics"]["test_acc"]["last_epoch_only"] == true);
  CHECK(info["tables"][0]["metrics"]["train_loss"]["last_epoch_only"] == false);
}

// ---------------------------------------------------------------------------------------------
// Tabulation writes through the builder too

TEST_CASE("A tabulation leaves an epoch evaluation time it never measured unknown, not 0",
          "[bad-input]") {
  // A source that records no validation times: the mean of none is no time, and the builder
  // refuses a time of 0.
  TempDir dir("readers-tabulate");
  BenchmarkBuilder source("nb201", {0, 1, 2});
  auto& t = source.add_table("toy", "2", 2, {1, 2}, {0}, Metric::TestAcc);
  for (std::size_t a = 0; a < 3; ++a) {
    for (int e = 1; e <= 2; ++e) {
      t.set(Metric::TrainLoss, a, 0, e, 1.0 / e);
      t.set(Metric::TrainAcc, a, 0, e, 50);
      t.set(Metric::ValidLoss, a, 0, e, 1.5 / e);
      t.set(Metric::ValidAcc, a, 0, e, 45);
      t.set(Metric::TrainTime, a, 0, e, 3);
    }
    t.set(Metric::TestLoss, a, 0, 2, 0.7);
    t.set(Metric::TestAcc, a, 0, 2, 44);
  }
  experiment::TabulationConfig config;
  config.source = "tabular";
  config.source_options.benchmark = std::make_shared<const Benchmark>(source.build());
  config.source_options.space = config.source_options.benchmark->space_ptr();
  config.source_options.dataset = "toy";
  config.archs = {0, 1, 2};
  config.share_within_class = false;
  config.workers = 1;
  config.out = dir.file("tabulated.nasbench");
  const auto r = experiment::tabulate(config);
  CHECK(r.complete);
  const auto b = Benchmark::open(config.out);
  CHECK(b.table("toy").cost(Cost::EpochTrainTime, 1) == 3);
  CHECK(std::isnan(b.table("toy").cost(Cost::EpochEvalTime, 1)));
}
