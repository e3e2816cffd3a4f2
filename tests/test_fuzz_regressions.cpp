// Replays the inputs the fuzzers once crashed on (tests/regression/<target>/, one file each)
// through the same entry points as the libFuzzer targets (fuzz/entry_points.hpp). Each must now
// end in the reader's own error or in success: no other exception, no crash. scripts/fuzz.sh
// writes new findings to build-fuzz/findings/<target>/; copy one here to keep it.
#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <map>

#include "../fuzz/entry_points.hpp"
#include "common/file_io.hpp"

namespace fs = std::filesystem;

TEST_CASE("Inputs that once crashed a fuzz target are handled cleanly", "[fuzz][bad-input]") {
  const std::map<std::string, std::function<void(std::string_view)>> targets = {
      {"pickle", nasrun::fuzz::pickle_input},
      {"benchmark", nasrun::fuzz::benchmark_input},
      {"arch", nasrun::fuzz::arch_input},
  };
  const fs::path root = fs::path(NASRUN_SOURCE_DIR) / "tests" / "regression";
  std::size_t replayed = 0;
  for (const auto& [target, entry] : targets) {
    const fs::path dir = root / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& file : fs::directory_iterator(dir)) {
      if (!file.is_regular_file()) continue;
      const std::string bytes = nasrun::common::read_file(file.path().string());
      INFO(target << ": " << file.path().filename().string());
      CHECK_NOTHROW(entry(bytes));
      ++replayed;
    }
  }
  CHECK(replayed > 0);
}

TEST_CASE("The fuzz entry points accept the inputs the readers are made for", "[fuzz]") {
  // Guards the harness itself: a good benchmark is opened and queried, a good string parses.
  auto builder = nasrun::bench::BenchmarkBuilder("nb201", {3, 4, 5});
  auto& t = builder.add_table("toy", "2", 2, {1, 2}, {7}, nasrun::bench::Metric::TestAcc);
  t.set(nasrun::bench::Metric::TestAcc, 1, 0, 2, 50.0);
  CHECK_NOTHROW(nasrun::fuzz::benchmark_input(builder.serialize()));
  CHECK_NOTHROW(nasrun::fuzz::arch_input("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"));
  CHECK_NOTHROW(nasrun::fuzz::pickle_input(std::string("\x80\x04}\x94.", 5)));
}
