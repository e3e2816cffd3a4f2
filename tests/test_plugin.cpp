// Live training is a plugin (libnasrun_live.so): the programs load LibTorch only when a curve
// source that trains is asked for, and say clearly when the plugin is not there. The dynamic
// loader's own trace (LD_DEBUG=files) names every library a program loads.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "test_support.hpp"

namespace {

bool loads_libtorch(const std::string& loader_trace) {
  return loader_trace.find("libtorch") != std::string::npos ||
         loader_trace.find("libc10") != std::string::npos;
}

}  // namespace

TEST_CASE("The programs' help and a tabular study do not load LibTorch", "[plugin][cli]") {
  for (const char* program : {"nas-run", "nas-bench", "nas-rank"}) {
    INFO(program);
    const auto r = nasrun::testing::run_program(program, "--help", "LD_DEBUG=files ");
    REQUIRE(r.status == 0);
    // The trace is there to be read: it names the C library every program loads.
    REQUIRE_THAT(r.output, Catch::Contains("libc.so"));
    CHECK_FALSE(loads_libtorch(r.output));
    // The live source is listed although nothing of it is loaded.
    if (std::string(program) == "nas-run") CHECK_THAT(r.output, Catch::Contains("live"));
  }
  nasrun::testing::TempDir dir("plugin-tabular");
  const auto r = nasrun::testing::run_program(
      "nas-run", "--strategy re --evaluator sotle --seeds 2 --out " + dir.file("study"),
      "LD_DEBUG=files ");
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK_FALSE(loads_libtorch(r.output));
}

TEST_CASE("Without its plugin the live source names the file it looked for", "[plugin][cli]") {
  nasrun::testing::TempDir dir("plugin-missing");
  const auto r = nasrun::testing::run_program(
      "nas-run",
      "--source live --budget 1s --source-option data_dir=/nonexistent --out " + dir.file("study"),
      "NASRUN_PLUGIN_DIR=" + dir.path().string() + " ");
  INFO(r.output);
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("live training is not in this build"));
  CHECK_THAT(r.output, Catch::Contains(dir.file("libnasrun_live.so")));
  CHECK_FALSE(std::filesystem::exists(dir.file("study")));
}

#ifdef NASRUN_HAVE_LIVE
TEST_CASE("Asking for the live source loads LibTorch", "[plugin][cli][live]") {
  nasrun::testing::TempDir dir("plugin-live");
  // The source is made (so the plugin is loaded) before it finds its data missing.
  const auto r = nasrun::testing::run_program(
      "nas-run",
      "--source live --dataset cifar10 --budget 1s --source-option data_dir=/nonexistent/cifar"
      " --out " + dir.file("study"),
      "LD_DEBUG=files ");
  CHECK(r.status != 0);
  CHECK_THAT(r.output, Catch::Contains("/nonexistent/cifar/data_batch_1.bin"));
  CHECK_THAT(r.output, Catch::Contains("libnasrun_live.so"));
  CHECK(loads_libtorch(r.output));
}
#else
TEST_CASE("A build without LibTorch says that live training is not in it", "[plugin][cli]") {
  nasrun::testing::TempDir dir("plugin-not-built");
  // (Were the plugin there, these would stop at the missing data rather than train.)
  const std::string no_data = " --source-option data_dir=/nonexistent --out ";
  for (const auto& [program, args] :
       {std::pair<std::string, std::string>{"nas-run", "--source live --budget 1s" + no_data +
                                                           dir.file("study")},
        {"nas-bench", "tabulate --archs sample:1" + no_data + dir.file("t.nasbench")}}) {
    INFO(program << " " << args);
    const auto r = nasrun::testing::run_program(program, args);
    CHECK(r.status != 0);
    CHECK_THAT(r.output, Catch::Contains("live training is not in this build"));
  }
}
#endif
