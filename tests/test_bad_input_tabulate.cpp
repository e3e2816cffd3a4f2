// Bad input to nas-bench tabulate (issue 21), as a user meets it: where it writes, its seeds, and
// a journal that is in use, damaged or foreign. A refused run ends in a clear message naming the
// file (and line) and what was expected, a non-zero exit, and trains and writes nothing; a
// damaged journal loses no valid record.
#ifdef NASRUN_HAVE_LIVE
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <set>

#include "common/file_io.hpp"
#include "live_fake_data.hpp"
#include "test_support.hpp"
#include "text_files.hpp"

using namespace nasrun;
namespace fs = std::filesystem;

namespace {

// A tabulation of 3 architectures with seed 0, 2 of them also with seed 1, each trained for
// one epoch on a few fake images: 5 trainings in about a second.
class TinyTabulation {
 public:
  TinyTabulation() : data_(testing::make_fake_cifar("bad-tabulate", 64, 64)) {}
  ~TinyTabulation() { fs::remove_all(data_); }
  testing::ProgramResult run(const std::string& out, const std::string& more = "") const {
    const auto r = testing::run_program(
        "nas-bench", "tabulate --out '" + out + "' --dataset cifar10 --archs sample:3 " +
                         "--extra-seeds 1 --extra-fraction 0.5 --workers 1 " +
                         "--source-option data_dir=" + data_ +
                         " --source-option epochs=1 --source-option channels=4"
                         " --source-option cells=1 --source-option image_size=16"
                         " --source-option train_subset=128 --source-option valid_subset=64"
                         " --source-option test_subset=64 --source-option batch=64"
                         " --source-option augment=false " + more);
    INFO(out << " " << more << "\n-> " << r.output);
    // Under scripts/sanitize.sh the programs are sanitized too: a report is a failure.
    CHECK_THAT(r.output, !Catch::Contains("Sanitizer") && !Catch::Contains("runtime error:"));
    return r;
  }

 private:
  std::string data_;
};

}  // namespace

TEST_CASE("nas-bench tabulate: a folder as --out, a missing folder, seeds given twice",
          "[bad-input][cli][live]") {
  const TinyTabulation tiny;
  testing::TempDir dir("bad-tabulate-out");
  fs::create_directories(dir.path() / "folder");
  const auto before = testing::listing(dir.path());
  const std::vector<std::tuple<std::string, std::string, std::vector<std::string>>> cases = {
      {dir.file("folder"), "", {"--out " + dir.file("folder") + " is a folder"}},
      {dir.file("missing/x.nasbench"), "", {"folder " + dir.file("missing") + " does not exist"}},
      // Refused by the list parser or by tabulate() itself, whichever comes first.
      {dir.file("x.nasbench"), "--seeds 0,0", {"--seeds", "twice"}},
      {dir.file("x.nasbench"), "--seeds 0,1", {"seed 1 is in both --seeds and --extra-seeds"}},
  };
  for (const auto& [out, more, expected] : cases) {
    const auto r = tiny.run(out, more);
    INFO(out << " " << more << "\n-> " << r.output);
    CHECK(r.status != 0);
    for (const auto& e : expected) CHECK_THAT(r.output, Catch::Contains(e));
    // Refused before the first training: no journal, no lock, nothing in the parent folder.
    CHECK(testing::listing(dir.path()) == before);
  }
}

TEST_CASE("nas-bench tabulate: an --out in use by another tabulation is refused at once",
          "[bad-input][cli][live]") {
  const TinyTabulation tiny;
  testing::TempDir dir("bad-tabulate-busy");
  const auto out = dir.file("x.nasbench");
  {
    // This process stands for the tabulation that holds it (test_tabulation.cpp runs two).
    common::FileLock holder(out + ".lock");
    const auto r = tiny.run(out);
    CHECK(r.status != 0);
    CHECK_THAT(r.output, Catch::Contains(out + ".journal is in use by another tabulation (pid " +
                                         std::to_string(getpid()) + ")"));
    CHECK_FALSE(fs::exists(out + ".journal"));  // nothing trained
  }
  const auto r = tiny.run(out);
  CHECK(r.status == 0);
  CHECK(testing::read_lines(out + ".journal").size() == 6);
  CHECK_FALSE(fs::exists(out + ".lock"));
}

TEST_CASE("nas-bench tabulate: a damaged journal resumes, its bad lines set aside by number",
          "[bad-input][cli][live]") {
  const TinyTabulation tiny;
  testing::TempDir dir("bad-tabulate-journal");
  const auto reference = dir.file("reference.nasbench");
  REQUIRE(tiny.run(reference).status == 0);
  const auto journal = testing::read_lines(reference + ".journal");
  REQUIRE(journal.size() == 6);  // the settings and 5 records
  auto with = [&](std::size_t i, const std::function<void(nlohmann::json&)>& change) {
    auto r = nlohmann::json::parse(journal[i]);
    change(r);
    return r.dump();
  };
  // An architecture of the space that is not one of the 3 planned.
  std::set<int> planned;
  for (std::size_t i = 1; i < journal.size(); ++i)
    planned.insert(nlohmann::json::parse(journal[i])["arch"].get<int>());
  int unplanned = 0;
  while (planned.count(unplanned)) ++unplanned;

  struct Case {
    std::string name;
    std::vector<std::string> text;
    int status;  // 0: resumed
    std::vector<std::string> expected;
    std::size_t trained;  // when resumed
  };
  const std::string j = "x.nasbench.journal:";
  const std::vector<Case> cases = {
      // Two tabulations that appended to one journal at once, then a kill: garbage and a
      // half-line in the middle. Every whole record is kept, the two it cut are trained again.
      {"interleaved",
       {journal[0], journal[1], "garbage", journal[2].substr(0, 30) + journal[3], journal[4],
        journal[5]},
       0,
       {j + "3: not a JSON line", j + "4: not a JSON line", "2 bad lines",
        "x.nasbench.journal.rejected", "2 trainings done now, 3 resumed from the journal"},
       2},
      // A record outside the plan neither counts nor stops the tabulation from completing.
      {"unplanned",
       {journal[0], journal[1], journal[2], with(3, [&](auto& r) { r["arch"] = unplanned; }),
        journal[3], journal[4], journal[5]},
       0,
       {j + "4: architecture " + std::to_string(unplanned), "is not in this tabulation's plan",
        "0 trainings done now, 5 resumed from the journal, 5 planned\n"},
       0},
      {"impossible values",
       {journal[0], journal[1], journal[2], with(3, [](auto& r) { r["seed"] = 9; }),
        with(3, [](auto& r) { r["series"]["valid_acc"][0] = 140; }),
        with(3, [](auto& r) { r["series"]["train_loss"][0] = -2; }),
        with(3, [](auto& r) { r["series"]["train_time"][0] = 0; }),
        with(3, [](auto& r) { r["params"] = 0; }), with(3, [](auto& r) { r["arch"] = 20000; }),
        with(3, [](auto& r) { r["series"]["test_acc"] = {1, 2}; }), journal[3], journal[4],
        journal[5]},
       0,
       {j + "4: seed 9 is not one of this tabulation's seeds (0, 1)",
        j + "5: valid_acc at epoch 1 is 140 (expected a number in [0, 100] or null)",
        j + "6: train_loss at epoch 1 is -2 (expected a number >= 0 or null)",
        j + "7: train_time at epoch 1 is 0 (expected a number > 0 or null)",
        j + "8: params is 0 (expected a number > 0 or null)",
        j + "9: architecture 20000 is outside the space (expected 0..15624)",
        j + "10: test_acc has 2 values (expected 1, one per epoch trained)",
        "0 trainings done now, 5 resumed from the journal, 5 planned\n"},
       0},
      {"no header", {journal.begin() + 1, journal.end()}, 1,
       {"x.nasbench.journal has no settings header line"}, 0},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    testing::TempDir run_dir("bad-tabulate-journal-case");
    const auto out = run_dir.file("x.nasbench");
    testing::write_lines(out + ".journal", c.text);
    const auto r = tiny.run(out);
    INFO(r.output);
    CHECK(r.status == c.status);
    for (const auto& e : c.expected) CHECK_THAT(r.output, Catch::Contains(e));
    CHECK_THAT(r.output, !Catch::Contains("time limit"));
    if (c.status != 0) {
      CHECK(testing::read_lines(out + ".journal") == c.text);  // left as it was
      CHECK_FALSE(fs::exists(out));
      continue;
    }
    // The journal holds the settings and the 5 trainings; the bad lines are set aside whole.
    CHECK(testing::read_lines(out + ".journal").size() == 6);
    CHECK(testing::read_lines(out + ".journal.rejected").size() == c.text.size() + c.trained - 6);
    CHECK(fs::exists(out));
  }
}
#endif
