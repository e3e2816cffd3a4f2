// Bad input, reader by reader and program by program (issue 7): every case must end in a clear
// error that names the input and what was expected, a non-zero exit for the programs, and no
// partial output. The cases already covered elsewhere (test_cli.cpp, test_benchmark_format.cpp,
// test_nb201_csv.cpp, test_nats_import.cpp, test_pickle_reader.cpp) are not repeated here.
#include <bzlib.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "bench/benchmark_builder.hpp"
#include "bench/nats_importer.hpp"
#include "bench/nb201_csv.hpp"
#include "test_support.hpp"

using namespace nasrun;
using namespace nasrun::bench;
namespace fs = std::filesystem;

using namespace nasrun::testing;

namespace {

nasrun::testing::ProgramResult run(const std::string& program, const std::string& args) {
  return nasrun::testing::run_program(program, args);
}

// Names in a folder (to see that a failed command left nothing behind).
std::vector<std::string> listing(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The benchmark file format

TEST_CASE("A benchmark file cut at any byte is a FormatError naming the file", "[bad-input]") {
  testing::TempDir dir("bad-truncated");
  const auto good = small_builder().serialize();
  const auto path = dir.file("cut.nasbench");
  REQUIRE_NOTHROW(Benchmark::from_bytes(common::own_bytes(good), "small"));
  // Every length short of the whole file, through the file system as a user meets it.
  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    spit(path, good.substr(0, cut));
    const auto msg = open_error(path);
    INFO("cut at " << cut << " of " << good.size() << ": " << msg);
    REQUIRE(msg.rfind(path + ": ", 0) == 0);
  }
  // One byte too many.
  spit(path, good + '\0');
  CHECK_THAT(open_error(path), Catch::Contains("truncated or extended"));
}

TEST_CASE("A large benchmark file cut in its header or anywhere in its data", "[bad-input]") {
  const auto good = testing::toy_builder().serialize();
  std::uint64_t len;
  std::memcpy(&len, good.data() + 16, 8);
  const std::size_t data_start = format::align_up(24 + len);
  std::vector<std::size_t> cuts;
  for (std::size_t cut = 0; cut <= data_start + 64; ++cut) cuts.push_back(cut);
  for (std::size_t k = 1; k < 64; ++k) cuts.push_back(data_start + (good.size() - data_start) * k / 64);
  cuts.push_back(good.size() - 1);
  for (const auto cut : cuts) {
    const auto msg = bytes_error(good.substr(0, cut), "toy.nasbench");
    INFO("cut at " << cut << " of " << good.size() << ": " << msg);
    REQUIRE(msg.rfind("toy.nasbench: ", 0) == 0);
  }
}

TEST_CASE("A benchmark header that lies is a FormatError saying what is wrong", "[bad-input]") {
  testing::TempDir dir("bad-header");
  const auto good = small_builder().serialize();
  const auto path = dir.file("bad.nasbench");
  const Parts parts = split_file(good);
  const auto& t0 = parts.header["tables"][0];
  const std::size_t rows = t0["num_rows"].get<std::size_t>();
  REQUIRE(rows == 5);

  const std::vector<FileDamage> cases = {
      {"metric shape too big",
       [](Parts& p) { p.header["tables"][0]["metrics"]["train_loss"]["shape"] = {6, 2, 3}; },
       {"array 'table toy@4 train_loss' has shape [6,2,3], expected [5,2,3]"}},
      {"num_archs larger than the arrays",
       [](Parts& p) { p.header["num_archs"] = 7; },
       {"array 'arch_codes' has shape [6], expected [7]"}},
      {"num_archs and every shape enormous",
       [](Parts& p) {
         p.header["num_archs"] = 1ull << 61;
         p.header["arch_codes"]["shape"] = {1ull << 61};
       },
       {"array 'arch_codes'", "lies outside the data section"}},
      {"num_archs negative", [](Parts& p) { p.header["num_archs"] = -1; },
       {"header lacks a valid 'num_archs'"}},
      {"num_archs not an integer", [](Parts& p) { p.header["num_archs"] = 6.5; },
       {"header lacks a valid 'num_archs'"}},
      {"offset misaligned",
       [](Parts& p) {
         auto& a = p.header["tables"][0]["metrics"]["valid_acc"];
         a["offset"] = offset_of(a) + 4;
       },
       {"array 'table toy@4 valid_acc'", "is not a multiple of 64"}},
      {"offset past the end",
       [](Parts& p) {
         p.header["tables"][0]["costs"]["params"]["offset"] = format::align_up(p.data.size()) + 64;
       },
       {"array 'table toy@4 params'", "lies outside the data section"}},
      {"offset negative",
       [](Parts& p) { p.header["tables"][0]["row_of_arch"]["offset"] = -64; },
       {"array 'table toy@4 row_of_arch' has no valid offset"}},
      {"offset missing",
       [](Parts& p) { p.header["tables"][0]["row_of_arch"].erase("offset"); },
       {"malformed header"}},
      {"num_rows larger than num_archs", [](Parts& p) { p.header["tables"][0]["num_rows"] = 7; },
       {"table toy@4 claims 7 rows for 6 architectures"}},
      {"num_rows negative", [](Parts& p) { p.header["tables"][0]["num_rows"] = -2; },
       {"table toy@4 lacks a valid 'num_rows'"}},
      {"row_of_arch out of range",
       [](Parts& p) {
         const std::int32_t row = 5;
         std::memcpy(&p.data[offset_of(p.header["tables"][0]["row_of_arch"]) + 4 * 2], &row, 4);
       },
       {"table toy@4: architecture 2 has row 5, outside -1..4"}},
      {"row_of_arch below -1",
       [](Parts& p) {
         const std::int32_t row = -7;
         std::memcpy(&p.data[offset_of(p.header["tables"][0]["row_of_arch"])], &row, 4);
       },
       {"table toy@4: architecture 0 has row -7"}},
      {"a seed present without a row",
       [](Parts& p) {
         const std::int32_t row = -1;
         std::memcpy(&p.data[offset_of(p.header["tables"][0]["row_of_arch"]) + 4], &row, 4);
       },
       {"table toy@4: architecture 1 has results but no row"}},
      {"dtype wrong",
       [](Parts& p) { p.header["tables"][0]["metrics"]["test_acc"]["dtype"] = "f64"; },
       {"array 'table toy@4 test_acc' has dtype 'f64', expected 'f32'"}},
      {"dtype not a string",
       [](Parts& p) { p.header["tables"][0]["metrics"]["test_acc"]["dtype"] = 4; },
       {"malformed header"}},
      {"array description not an object",
       [](Parts& p) { p.header["arch_codes"] = "here"; },
       {"header entry 'arch_codes' is not an array description"}},
      {"seeds empty", [](Parts& p) { p.header["tables"][0]["seeds"] = nlohmann::json::array(); },
       {"table toy@4 has no seeds"}},
      {"seeds not integers", [](Parts& p) { p.header["tables"][0]["seeds"] = {"a", "b"}; },
       {"table toy@4 lacks a valid 'seeds'"}},
      {"epochs 0", [](Parts& p) { p.header["tables"][0]["epochs"] = 0; },
       {"table toy@4 has an invalid epoch count"}},
      {"epochs negative", [](Parts& p) { p.header["tables"][0]["epochs"] = -3; },
       {"table toy@4 has an invalid epoch count"}},
      {"epochs beyond int", [](Parts& p) { p.header["tables"][0]["epochs"] = 1ull << 40; },
       {"table toy@4 lacks a valid 'epochs'"}},
      {"epochs not a number", [](Parts& p) { p.header["tables"][0]["epochs"] = "4"; },
       {"table toy@4 lacks a valid 'epochs'"}},
      {"recorded epoch beyond the schedule",
       [](Parts& p) { p.header["tables"][0]["recorded_epochs"] = {1, 2, 5}; },
       {"table toy@4 lists recorded epochs that do not ascend within 1..4"}},
      {"recorded epochs descending",
       [](Parts& p) { p.header["tables"][0]["recorded_epochs"] = {2, 1, 4}; },
       {"do not ascend within 1..4"}},
      {"unknown metric",
       [](Parts& p) {
         auto& m = p.header["tables"][0]["metrics"];
         m["accuracy"] = m["test_acc"];
       },
       {"table toy@4: unknown metric 'accuracy'"}},
      {"unknown truth metric", [](Parts& p) { p.header["tables"][0]["truth_metric"] = "acc"; },
       {"table toy@4: unknown metric 'acc'"}},
      {"unknown search space", [](Parts& p) { p.header["space"] = "nb101"; },
       {"unknown search space 'nb101'", "nb201"}},
      {"tables not a list", [](Parts& p) { p.header["tables"] = 3; },
       {"header 'tables' is not a list"}},
      {"tables missing", [](Parts& p) { p.header.erase("tables"); }, {"malformed header"}},
      {"table without dataset", [](Parts& p) { p.header["tables"][0].erase("dataset"); },
       {"a table lacks a valid 'dataset'"}},
      {"format not a string", [](Parts& p) { p.header["format"] = {1, 2}; },
       {"header does not describe a nas-run benchmark"}},
      {"another format", [](Parts& p) { p.header["format"] = "safetensors"; },
       {"header does not describe a nas-run benchmark"}},
      {"architecture code outside the space",
       [](Parts& p) {
         const std::uint64_t code = 15625;
         std::memcpy(&p.data[offset_of(p.header["arch_codes"]) + 8], &code, 8);
       },
       {"architecture 1 has code 15625, outside space 'nb201'"}},
      {"architecture listed twice",
       [](Parts& p) {
         const std::uint64_t code = 0;
         std::memcpy(&p.data[offset_of(p.header["arch_codes"]) + 8], &code, 8);
       },
       {"appears twice"}},
  };
  check_damage(parts, path, cases);

  SECTION("data_size and data_crc32 that lie") {
    Parts p = parts;
    p.header["data_size"] = p.data.size() + 64;
    spit(path, join_file(p, false));
    CHECK_THAT(open_error(path), Catch::Contains("size mismatch"));
    p.header["data_size"] = -1;
    spit(path, join_file(p, false));
    CHECK_THAT(open_error(path), Catch::Contains("header lacks a valid 'data_size'"));
    p.header["data_size"] = 1e300;
    spit(path, join_file(p, false));
    CHECK_THAT(open_error(path), Catch::Contains("header lacks a valid 'data_size'"));
    p = parts;
    p.header["data_crc32"] = "abc";
    spit(path, join_file(p, false));
    CHECK_THAT(open_error(path), Catch::Contains("header lacks a valid 'data_crc32'"));
  }
  SECTION("a header that is not a JSON object, or claims more bytes than the file has") {
    std::string b = good;
    const std::uint64_t huge = ~0ull;
    std::memcpy(&b[16], &huge, 8);
    spit(path, b);
    CHECK_THAT(open_error(path), Catch::Contains("truncated: the header claims"));
    for (const std::string text : {"[1, 2]", "{\"format\": ", "\xff\xfe", ""}) {
      std::string f = good.substr(0, 24) + text;
      const std::uint64_t n = text.size();
      const std::uint32_t crc = format::crc32(text);
      std::memcpy(&f[12], &crc, 4);
      std::memcpy(&f[16], &n, 8);
      spit(path, f);
      const auto msg = open_error(path);
      INFO(text << ": " << msg);
      CHECK(msg.rfind(path + ": ", 0) == 0);
      CHECK((msg.find("not valid JSON") != std::string::npos ||
             msg.find("does not describe a nas-run benchmark") != std::string::npos));
    }
  }
  SECTION("a folder, an empty file, a CSV file") {
    CHECK_THAT(open_error(dir.path().string()), Catch::Contains("is not a regular file"));
    spit(path, "");
    CHECK_THAT(open_error(path), Catch::Contains("expected the magic bytes 'NASBENCH'"));
    spit(path, "index,arch,dataset\n");
    CHECK_THAT(open_error(path), Catch::Contains("expected the magic bytes 'NASBENCH'"));
  }
}

// ---------------------------------------------------------------------------------------------
// NAS-Bench-201 CSV tables

TEST_CASE("Bad NB201 CSV files: empty, missing columns, NaN, duplicates, CRLF", "[bad-input]") {
  const std::string h = std::string(kFinalHeader) + "\n";
  const std::string r0 = row("0", kArch0, "cifar100,777,50,51,52,100,0.1");
  const std::string r1 = row("1", kArch1, "cifar100,777,50,51,52,100,0.1");
  const std::vector<std::pair<std::string, std::string>> cases = {
      // empty files
      {"", "a.csv:1: unexpected columns '' (expected 'index,arch,dataset,seed,"},
      {"\n\n", "a.csv:1: unexpected columns ''"},
      {h, "a.csv:1: the file holds no rows"},
      {h + "\n\n", "a.csv:3: the file holds no rows"},
      // missing columns: in the header, and in a row
      {"index,arch,dataset,seed,valid_acc,test_acc,valtest_acc,train_time_s\n" + r0,
       "a.csv:1: unexpected columns 'index,arch,dataset,seed,valid_acc,test_acc,valtest_acc,"
       "train_time_s' (expected"},
      {"index,dataset,arch,seed,valid_acc,test_acc,valtest_acc,train_time_s,params_m\n" + r0,
       "a.csv:1: unexpected columns"},
      {h + r0 + row("1", kArch1, "cifar100,777,50,51"), "a.csv:3: expected 9 fields, found 6"},
      {h + r0 + row("1", kArch1, "cifar100,777,50,51,52,100,0.1,7"),
       "a.csv:3: expected 9 fields, found 10"},
      // NaN and other non-numbers
      {h + row("0", kArch0, "cifar100,777,NaN,51,52,100,0.1"),
       "a.csv:2: column 'valid_acc': 'NaN' is not a finite number"},
      {h + row("0", kArch0, "cifar100,777,50,-nan,52,100,0.1"),
       "a.csv:2: column 'test_acc': '-nan' is not a finite number"},
      {h + row("0", kArch0, "cifar100,777,50,51,inf,100,0.1"),
       "a.csv:2: column 'valtest_acc': 'inf' is not a finite number"},
      {h + row("0", kArch0, "cifar100,777,50,51,52,1e999,0.1"),
       "a.csv:2: column 'train_time_s': '1e999' is not a finite number"},
      {h + row("0", kArch0, "cifar100,777,50,51,52,100,0.1x"),
       "a.csv:2: column 'params_m': '0.1x' is not a finite number"},
      {h + row("-1", kArch0, "cifar100,777,50,51,52,100,0.1"),
       "a.csv:2: column 'index': '-1' is not a non-negative integer"},
      {h + row("99999999999999999999999", kArch0, "cifar100,777,50,51,52,100,0.1"),
       "a.csv:2: column 'index': '99999999999999999999999' is not a non-negative integer"},
      {h + row("0", kArch0, "cifar100,,50,51,52,100,0.1"),
       "a.csv:2: column 'seed': '' is not a non-negative integer"},
      {h + row("0", kArch0, ",777,50,51,52,100,0.1"), "a.csv:2: column 'dataset' is empty"},
      {h + row("0", "", "cifar100,777,50,51,52,100,0.1"),
       "a.csv:2: column 'arch': invalid NAS-Bench-201 architecture string"},
      // duplicates and disagreements
      {h + r0 + r1 + r0, "a.csv:4: duplicate row for index 0, dataset cifar100, seed 777"},
      {h + r0 + row("1", kArch0, "cifar100,888,50,51,52,100,0.1"),
       "appears twice, as index 0 and 1"},
      {h + r0 + row("0", kArch1, "cifar100,888,50,51,52,100,0.1"),
       "a.csv:3: index 0 is " + std::string(kArch1) + " here but " + kArch0 + " elsewhere"},
      {h + r0 + row("5", kArch1, "cifar100,777,50,51,52,100,0.1"),
       "architecture indices are not contiguous"},
      // CRLF line ends: the line numbers stay right
      {"index,arch,dataset,seed,valid_acc,test_acc,valtest_acc,train_time_s,params_m\r\n" +
           row("0", kArch0, "cifar100,777,50,51,52,100,0.1\r") +
           row("1", kArch1, "cifar100,777,nan,51,52,100,0.1\r"),
       "a.csv:3: column 'valid_acc': 'nan' is not a finite number"},
  };
  for (const auto& [text, expected] : cases) {
    const auto msg = csv_error({{"a.csv", text}});
    INFO(text << "\n-> " << msg);
    CHECK_THAT(msg, Catch::Contains(expected));
  }

  // A whole file with CRLF line ends imports like the same file with LF.
  testing::TempDir dir("csv-crlf");
  std::string crlf = std::string(kFinalHeader) + "\r\n";
  for (const auto& line : {r0, r1}) crlf += line.substr(0, line.size() - 1) + "\r\n";
  spit(dir.file("crlf.csv"), crlf);
  spit(dir.file("lf.csv"), h + r0 + r1);
  const auto a = import_nb201_csv(testing::nb201(), {dir.file("crlf.csv")}).build();
  const auto b = import_nb201_csv(testing::nb201(), {dir.file("lf.csv")}).build();
  CHECK(a.table("cifar100").value(Metric::TestAcc, 1, SeedChoice{}, 200) == 51);
  CHECK(b.table("cifar100").value(Metric::TestAcc, 1, SeedChoice{}, 200) == 51);

  // Two files: the same table twice, duplicates in the 12-epoch table, disagreeing indices.
  CHECK_THAT(csv_error({{"a.csv", h + r0}, {"b.csv", h + r0}}),
             Catch::Contains("b.csv: table cifar100@200 is also in another file"));
  const std::string hh = std::string(kHp12Header) + "\n";
  CHECK_THAT(csv_error({{"a.csv", hh + row("0", kArch0, "cifar10,50,51") +
                                      row("0", kArch0, "cifar10,52,53")}}),
             Catch::Contains("a.csv:3: duplicate row for index 0, dataset cifar10"));
  CHECK_THAT(csv_error({{"a.csv", h + r0}, {"b.csv", hh + row("0", kArch1, "cifar10,50,51")}}),
             Catch::Contains("b.csv:2: index 0 is"));
  CHECK_THAT(csv_error({}), Catch::Contains("no NAS-Bench-201 CSV file given"));
}

// ---------------------------------------------------------------------------------------------
// NATS-Bench archives

TEST_CASE("NATS-Bench files of the size space, foreign globals, empty or not bz2", "[bad-input][nats]") {
  testing::TempDir dir("bad-nats");
  const auto archive = dir.path() / "archive";
  fs::create_directories(archive);
  auto import_error = [&] {
    try {
      import_nats_archive(testing::nb201(), archive.string());
    } catch (const FormatError& e) {
      return std::string(e.what());
    } catch (const std::exception& e) {
      return std::string("other exception: ") + e.what();
    }
    return std::string("no error");
  };
  // A topology meta file of two architectures (protocol 4, as the official files).
  const std::string meta = bz2_compress("\x80\x04}" + pstr("meta_archs") + "](" + pstr(kArch0) +
                               pstr(kArch1) + "es.");
  spit((archive / "meta.pickle.pbz2").string(), meta);
  const auto file0 = (archive / "000000.pickle.pbz2").string();

  SECTION("an architecture file of the size search space") {
    // NATS-sss files name their architecture by channel counts, e.g. '64:32:8:16:40'.
    spit(file0, bz2_compress("\x80\x04}" + pstr("12") + "}(" + pstr("arch_index") + std::string("K\0", 2) +
                    pstr("arch_str") + pstr("64:32:8:16:40") + "us."));
    const auto msg = import_error();
    CHECK_THAT(msg, Catch::Contains("000000.pickle.pbz2") && Catch::Contains("64:32:8:16:40"));
  }
  SECTION("a meta file of the size search space") {
    spit((archive / "meta.pickle.pbz2").string(),
         bz2_compress("\x80\x04}" + pstr("meta_archs") + "](" + pstr("8:8:8:8:8") + pstr("64:64:64:64:64") +
             "es."));
    CHECK_THAT(import_error(), Catch::Contains("meta.pickle.pbz2") &&
                                  Catch::Contains("size archive") &&
                                  Catch::Contains("space 'nats-sss'") &&
                                  Catch::Contains("cannot fill space 'nb201'"));
  }
  SECTION("globals the reader does not accept") {
    for (const std::string& global :
         {std::string("\x80\x04") + pstr("builtins") + pstr("eval") + "\x93" + pstr("1") + "\x85R.",
          std::string("\x80\x02") + "cnumpy.core.multiarray\n_reconstruct\n)R.",
          std::string("\x80\x02") + "c__builtin__\nset\n)R."}) {
      spit(file0, bz2_compress(global));
      const auto msg = import_error();
      INFO(msg);
      CHECK_THAT(msg, Catch::Contains("000000.pickle.pbz2") && Catch::Contains("is not allowed"));
    }
  }
  SECTION("an empty file, a file that is not bz2, bz2 that is not a pickle") {
    spit(file0, "");
    CHECK_THAT(import_error(), Catch::Contains("000000.pickle.pbz2: bz2 data is empty"));
    spit(file0, "{'12': {}}");
    CHECK_THAT(import_error(), Catch::Contains("000000.pickle.pbz2") && Catch::Contains("bad magic"));
    spit(file0, bz2_compress("arch_index,arch_str\n0,x\n"));
    CHECK_THAT(import_error(), Catch::Contains("000000.pickle.pbz2") && Catch::Contains("opcode"));
    spit(file0, bz2_compress("\x80\x04]."));
    CHECK_THAT(import_error(), Catch::Contains("000000.pickle.pbz2") &&
                                   Catch::Contains("expected a dict of schedules"));
  }
  SECTION("a meta file that is not a list of strings") {
    spit((archive / "meta.pickle.pbz2").string(), bz2_compress("\x80\x04}" + pstr("meta_archs") + "K\x05s."));
    CHECK_THAT(import_error(), Catch::Contains("meta_archs") &&
                                   Catch::Contains("expected a list of architecture strings"));
    spit((archive / "meta.pickle.pbz2").string(), bz2_compress("\x80\x04}" + pstr("meta_archs") + "]s."));
    CHECK_THAT(import_error(), Catch::Contains("meta_archs: the list is empty"));
  }
}

// ---------------------------------------------------------------------------------------------
// Architecture strings

TEST_CASE("Malformed architecture strings say where and what was expected", "[bad-input]") {
  const auto space = spaces::make_search_space("nb201");
  const std::vector<std::string> bad = {
      "",
      "|",
      "none~0",
      "|none~0|",
      "|none~0|+|none~0|none~1|+|none~0|none~1|",
      "|none~0|+|none~0|none~1|+|none~0|none~1|none~2",
      "|none~0|+|none~0|none~1|+|none~0|none~1|none~2||",
      "|none~0|+|none~0|none~1|+|none~0|none~1|none~2| ",
      " |none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
      "|none~1|+|none~0|none~1|+|none~0|none~1|none~2|",
      "|none~0|+|none~0|none~1|+|none~0|none~1|none~3|",
      "|none~0|+|none~0|none~1|+|none~0|none~1|none~-|",
      "|None~0|+|none~0|none~1|+|none~0|none~1|none~2|",
      "|conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",
      "|none~0||none~0|none~1|+|none~0|none~1|none~2|",
      "|none~0|+|none~0|none~1|+|none~0|none~1|+|none~2|",
      "|none 0|+|none~0|none~1|+|none~0|none~1|none~2|",
      std::string("|none~0|+|none\0~0|none~1|+|none~0|none~1|none~2|", 49),
      std::string(10000, '|'),
      "64:32:8:16:40",
      "9930",
  };
  for (const auto& text : bad) {
    INFO("'" << text.substr(0, 80) << "'");
    try {
      space->parse(text);
      FAIL("parsed");
    } catch (const spaces::ArchParseError& e) {
      const std::string msg = e.what();
      CHECK_THAT(msg, Catch::Contains("invalid NAS-Bench-201 architecture string at character"));
      CHECK_THAT(msg, Catch::Contains("expected"));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The programs

TEST_CASE("nas-run: wrong, empty, negative and out-of-range option values", "[bad-input][cli]") {
  testing::TempDir dir("bad-cli-run");
  // Every NB201 cell: a search may pick any of them.
  const auto bench = dir.file("toy.nasbench");
  testing::toy_builder().write(bench);
  const auto out = dir.file("out");
  const std::string base = "--benchmark " + bench + " --out " + out + " ";
  spit(dir.file("bad-init.tsv"), "seed\tposition\tarch\n0\t0\t|none~0|\n");
  spit(dir.file("gap-init.tsv"), "seed\tposition\tarch\n1\t0\t" + std::string(kArch0) + "\n");
  spit(dir.file("empty-init.tsv"), "");
  spit(dir.file("table.csv"), std::string(kFinalHeader) + "\n");
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"--strategy ''", {"--strategy '' has an empty item"}},
      {"--strategy re,", {"--strategy 're,' has an empty item"}},
      {"--strategy RE", {"unknown strategy 'RE' (expected one of:", "re"}},
      {"--evaluator ''", {"--evaluator '' has an empty item"}},
      {"--evaluator sotle,nope", {"unknown evaluator 'nope' (expected one of:", "sotle"}},
      {"--source ''", {"unknown curve source ''"}},
      {"--dataset nonesuch", {"no table for dataset 'nonesuch'", "toy@10"}},
      {"--seeds ''", {"seeds"}},
      {"--seeds two", {"seeds", "invalid"}},
      {"--seeds 99999999999", {"seeds", "invalid"}},
      {"--seeds -1", {"--seeds must be at least 1, got -1"}},
      {"--T -5", {"--T must be at least 1, got -5"}},
      {"--T 1.5", {"T", "invalid"}},
      {"--T 11", {"--T 11 is outside the schedule's 1..10 epochs"}},
      {"--T 2 --E 0", {"E must be at least 1"}},
      {"--T 2 --E -4", {"E must be at least 1"}},
      {"--T 2 --E 3", {"E=3 must lie in 1..T (T=2)"}},
      {"--evaluator tse-ema --T 2 --mu 1", {"mu must lie in (0, 1), got 1"}},
      {"--evaluator tse-ema --T 2 --mu -0.5", {"mu must lie in (0, 1)"}},
      {"--evaluator tse-ema --T 2 --mu nan", {"mu must lie in (0, 1)"}},
      {"--evaluator tse-ema --T 2 --mu x", {"mu", "invalid"}},
      {"--n-init -1", {"--n-init", "-1"}},
      {"--max-evaluations -1", {"--max-evaluations", "-1"}},
      {"--seed -1", {"--seed", "-1"}},
      {"--seed x", {"seed", "invalid"}},
      {"--workers -2", {"--workers must be at least 1, got -2"}},
      {"--workers many", {"workers", "invalid"}},
      {"--threads x", {"threads", "invalid"}},
      {"--budget ''", {"--budget: empty duration", "expected a positive duration"}},
      {"--budget -5h", {"--budget: invalid duration '-5h'"}},
      {"--budget nan", {"--budget: invalid duration 'nan'"}},
      {"--budget inf", {"--budget: invalid duration 'inf'"}},
      {"--budget 1e308h", {"--budget: invalid duration '1e308h'"}},
      {"--budget 5d", {"--budget: invalid duration '5d'"}},
      {"--data-seed ''", {"invalid seed policy ''"}},
      {"--data-seed 3", {"no training seed 3", "1, 2"}},
      {"--truth-seed ''", {"invalid seed policy ''"}},
      {"--truth-seed 3", {"no training seed 3", "1, 2"}},
      {"--init-file " + dir.file("bad-init.tsv"), {"bad-init.tsv:2:", "invalid NAS-Bench-201"}},
      {"--init-file " + dir.file("gap-init.tsv"), {"gap-init.tsv", "seed 0 is missing"}},
      {"--init-file " + dir.file("empty-init.tsv"), {"empty-init.tsv", "lists no initial architectures"}},
      {"--source-option =x", {"--source-option '=x' is not of the form key=value"}},
      // Multi-fidelity strategies' fidelities.
      {"--strategy hyperband --eta 1", {"--eta must be at least 2"}},
      {"--strategy hyperband --eta nan", {"--eta must be a decimal number, got 'nan'"}},
      {"--strategy asha --min-epochs 4 --max-epochs 3", {"--min-epochs 4 is above --max-epochs 3"}},
      {"--strategy sh --max-epochs 12", {"--max-epochs 12 is beyond the schedule's 10 epochs"}},
      {"--strategy bohb --evaluator val-final", {"--evaluator val-final scores an architecture only at the end"}},
      {"--strategy re --eta 3", {"set the fidelities of multi-fidelity strategies", "the study has none"}},
      {"--target-error 101", {"--target-error must be a test error in percent, 0 to 100, got '101'"}},
      // Benchmarks that are not (base names a good one; these replace it).
      {"--benchmark ''", {"cannot open ''"}},
      {"--benchmark " + dir.path().string(), {"is not a regular file"}},
      {"--benchmark " + dir.file("table.csv"),
       {"table.csv: not a nas-run benchmark file (expected the magic bytes 'NASBENCH'"}},
  };
  for (const auto& [args, expected] : cases) {
    const bool own_benchmark = args.rfind("--benchmark", 0) == 0;
    const auto r = run("nas-run", (own_benchmark ? "--out " + out + " " : base) + args);
    INFO(args << "\n-> " << r.output);
    CHECK(r.status != 0);
    for (const auto& e : expected) CHECK_THAT(r.output, Catch::Contains(e));
    // Under scripts/sanitize.sh the programs are sanitized too: a report is a failure.
    CHECK_THAT(r.output, !Catch::Contains("Sanitizer") && !Catch::Contains("runtime error:"));
    CHECK_FALSE(fs::exists(out));
    fs::remove_all(out);
  }
  // The same options are fine with good values (the folder is not the problem).
  const auto r = run("nas-run", base + "--seeds 2 --budget 1h --T 2 --strategy rs --evaluator val-final");
  INFO(r.output);
  CHECK(r.status == 0);
}

TEST_CASE("nas-bench: wrong, empty and out-of-range option values leave no file", "[bad-input][cli]") {
  testing::TempDir dir("bad-cli-bench");
  const auto bench = dir.file("small.nasbench");
  small_builder().write(bench);
  const auto out = dir.file("x.nasbench");
  spit(dir.file("bad.csv"), std::string(kFinalHeader) + "\n" +
                                row("0", kArch0, "cifar100,777,50,51,52,100,0.1") +
                                row("0", kArch0, "cifar100,777,50,51,52,100,0.1"));
  spit(dir.file("truncated.nasbench"), small_builder().serialize().substr(0, 300));
  fs::create_directories(dir.path() / "nats");
  spit((dir.path() / "nats" / "meta.pickle.pbz2").string(), "BZh9 not really");
  const auto before = listing(dir.path());
  const std::string q = "query " + bench + " --dataset toy ";
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      // import
      {"import --out '' --nb201-csv " + dir.file("bad.csv"), {"import needs --out FILE"}},
      {"import --nb201-csv --out " + out, {"--nb201-csv expects CSV files, got the option '--out'"}},
      {"import --nats-dir '' --out " + out, {"exactly one of --nats-dir"}},
      {"import --out " + out + " --nb201-csv", {"nb201-csv"}},
      {"import --nats-dir " + dir.path().string() + " --nb201-csv " + dir.file("bad.csv") +
           " --out " + out,
       {"exactly one of --nats-dir"}},
      {"import --nb201-csv " + dir.file("bad.csv") + " --out " + out,
       {"bad.csv:3: duplicate row for index 0"}},
      {"import --nb201-csv " + bench + " --out " + out, {"small.nasbench:1: unexpected columns"}},
      {"import --nats-dir " + dir.file("bad.csv") + " --out " + out, {"is not a folder"}},
      {"import --nats-dir " + (dir.path() / "nats").string() + " --out " + out,
       {"meta.pickle.pbz2", "bz2"}},
      {"import --nb201-csv " + dir.file("bad.csv") + " --out " + out + " --frob", {"frob"}},
      // info
      {"info ''", {"cannot open ''"}},
      {"info " + dir.path().string(), {"is not a regular file"}},
      {"info " + dir.file("bad.csv"), {"bad.csv: not a nas-run benchmark file"}},
      {"info " + dir.file("truncated.nasbench"), {"truncated.nasbench: "}},
      {"info " + bench + " " + bench, {"error"}},
      // query
      {q + "--index -1", {"--index -1 is out of range (expected 0..5)"}},
      {q + "--index 6", {"--index 6 is out of range (expected 0..5)"}},
      {q + "--index ''", {"index"}},
      {q + "--index 1.5", {"index", "invalid"}},
      {q + "--index 99999999999999999999", {"index", "invalid"}},
      {q + "--index 5", {"has no results for index 5"}},
      {q + "--arch ''", {"exactly one of --arch STRING or --index N"}},
      {q + "--arch '|none~0|'", {"invalid NAS-Bench-201 architecture string", "expected"}},
      {q + "--arch '|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|'",
       {"the benchmark holds no results for architecture"}},
      {q + "--index 1 --arch '" + std::string(kArch0) + "'", {"exactly one of --arch"}},
      {q + "--index 1 --seed -5", {"no training seed -5 (it has: 1, 2)"}},
      {q + "--index 1 --seed x", {"seed", "invalid"}},
      {q + "--index 1 --seed-policy random", {"--seed-policy must be 'mean'"}},
      {q + "--index 1 --seed-policy ''", {"--seed-policy must be 'mean'"}},
      {q + "--index 1 --seed 1 --seed-policy mean", {"give --seed or --seed-policy, not both"}},
      {q + "--index 1 --schedule 200", {"no table for dataset 'toy' with schedule '200'"}},
      {"query " + bench + " --dataset '' --index 1", {"query needs --dataset"}},
      {"query " + bench + " --dataset TOY --index 1", {"no table for dataset 'TOY'", "toy@4"}},
  };
  for (const auto& [args, expected] : cases) {
    const auto r = run("nas-bench", args);
    INFO(args << "\n-> " << r.output);
    CHECK(r.status != 0);
    for (const auto& e : expected) CHECK_THAT(r.output, Catch::Contains(e));
    // Under scripts/sanitize.sh the programs are sanitized too: a report is a failure.
    CHECK_THAT(r.output, !Catch::Contains("Sanitizer") && !Catch::Contains("runtime error:"));
    // Nothing written: no output file, no temporary file beside it.
    CHECK(listing(dir.path()) == before);
  }
}
