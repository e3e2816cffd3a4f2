#include "study/study_output.hpp"

#include <charconv>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string_view>

#include "bench/benchmark_builder.hpp"
#include "common/file_io.hpp"
#include "common/numbers.hpp"

namespace nasrun::experiment {

namespace fs = std::filesystem;

namespace {
constexpr const char* kTraceHeader =
    "evaluation,time_s,arch,score,cost_s,epochs,diverged,test_error,incumbent,"
    "incumbent_test_error,best_test_error";
// The columns that a real executor's trace adds (RealTrace).
constexpr const char* kRealColumns =
    ",job,worker,attempts,failed,real_s,real_time_s,charged_time_s";
constexpr std::size_t kFields = 11, kRealFields = 18;
constexpr const char* kIdentityPrefix = "# nas-run trace: ";
constexpr const char* kCompletePrefix = "# complete: ";
constexpr const char* kJournalPrefix = "# nas-run journal: ";
// The output files at the top of the folder (traces/ holds the rest).
constexpr const char* kOutputFiles[] = {"config.json", "summary.json", "results.csv",
                                        "figure.png",  "figure.svg",   "figure.dat",
                                        "figure.gp"};
// Held by the nas-run that works in the folder.
constexpr const char* kLockFile = ".nas-run.lock";

// printf's "%.17g" (the same characters: to_chars with a precision is specified to print as
// printf does), without printf's cost, which was most of writing a long trace.
void append_number(std::string& text, double v) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 17).ptr;
  text.append(buf, end);
}

void append_integer(std::string& text, long long v) {
  char buf[24];
  text.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// One trace row, appended to `text` without a trailing newline. The incumbent changes rarely,
// so its printed name is kept between rows (`incumbent_text` for the code `incumbent_code`).
void append_row(std::string& text, const TraceRow& r, const spaces::SearchSpace& space,
                bool real_times, spaces::ArchCode& incumbent_code, std::string& incumbent_text) {
  if (incumbent_text.empty() || r.incumbent != incumbent_code) {
    incumbent_code = r.incumbent;
    incumbent_text = space.to_string(r.incumbent);
  }
  append_integer(text, static_cast<long long>(r.evaluation));
  text += ',';
  append_number(text, r.time_s);
  text += ',';
  text += space.to_string(r.arch);
  text += ',';
  append_number(text, r.score);
  text += ',';
  append_number(text, r.cost_s);
  text += ',';
  append_integer(text, r.epochs);
  text += r.diverged ? ",1," : ",0,";
  append_number(text, r.test_error);
  text += ',';
  text += incumbent_text;
  text += ',';
  append_number(text, r.incumbent_test_error);
  text += ',';
  append_number(text, r.best_test_error);
  if (!real_times) return;
  if (!r.real) throw std::logic_error("a real executor's trace row without its real times");
  const RealTrace& real = *r.real;
  for (const long long count : {static_cast<long long>(real.job),
                                static_cast<long long>(real.worker),
                                static_cast<long long>(real.attempts)}) {
    text += ',';
    append_integer(text, count);
  }
  text += real.failed ? ",1" : ",0";
  for (const double seconds : {real.times.duration_s, real.times.time_s, real.times.charged_time_s}) {
    text += ',';
    append_number(text, seconds);
  }
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

std::string identity_fields(const TraceIdentity& id) {
  return "strategy=" + id.strategy + " evaluator=" + id.evaluator + " run=" +
         std::to_string(id.run) + " seed=" + std::to_string(id.seed) + " study=" + id.study;
}

std::string identity_line(const TraceIdentity& id, std::size_t cut_off) {
  return kIdentityPrefix + identity_fields(id) + " cut_off=" + std::to_string(cut_off);
}

std::string complete_line(std::size_t rows, std::string_view body) {
  return kCompletePrefix + std::to_string(rows) + " rows, crc32 " +
         hex32(bench::format::crc32(body));
}

// Whether the last line of `text` is a closing line (whether it is the right one is
// parse_trace_csv's to check): a trace written with deferred durability and cut short by a crash
// of the machine lacks it.
bool ends_with_closing_line(std::string_view text) {
  if (text.empty() || text.back() != '\n') return false;
  const auto start = text.rfind('\n', text.size() - 2);
  return text.substr(start == std::string_view::npos ? 0 : start + 1).rfind(kCompletePrefix, 0) == 0;
}

std::vector<std::string> split(const std::string& line, char separator) {
  std::vector<std::string> out;
  std::stringstream in(line);
  std::string cell;
  while (std::getline(in, cell, separator)) out.push_back(cell);
  return out;
}
}  // namespace

void trace_csv_into(std::string& text, const Trace& trace, const spaces::SearchSpace& space,
                    const TraceIdentity& identity) {
  if (trace.rows_left_out > 0)
    throw std::logic_error("a trace whose rows were dropped for the summary cannot be written");
  text.clear();  // keeps its memory, unlike assigning a new string
  text += identity_line(identity, trace.cut_off);
  text += '\n';
  text += kTraceHeader;
  if (trace.real_times) text += kRealColumns;
  text += '\n';
  const std::size_t body_start = text.size();
  // Appended piece by piece into one buffer sized up front from the first row: a trace of a
  // multi-fidelity run with many workers holds thousands of rows, and building it (a buffer
  // regrown many times, a string per field) was most of a study's time.
  spaces::ArchCode incumbent_code = 0;
  std::string incumbent_text;
  for (std::size_t i = 0; i < trace.rows.size(); ++i) {
    append_row(text, trace.rows[i], space, trace.real_times, incumbent_code, incumbent_text);
    text += '\n';
    if (i == 0) text.reserve(text.size() + (text.size() - body_start) * 5 / 4 * trace.rows.size());
  }
  text += complete_line(trace.rows.size(), std::string_view(text).substr(body_start));
  text += '\n';
}

std::string trace_csv(const Trace& trace, const spaces::SearchSpace& space,
                      const TraceIdentity& identity) {
  std::string text;
  trace_csv_into(text, trace, space, identity);
  return text;
}

Trace parse_trace_csv(const std::string& text, const spaces::SearchSpace& space,
                      const std::string& what, const TraceIdentity& expected) {
  Trace t;
  std::istringstream in(text);
  std::string line, body;
  std::size_t n = 0;
  auto fail = [&](const std::string& msg) {
    throw std::runtime_error(what + ":" + std::to_string(n) + ": " + msg);
  };
  // The identity: every field but the cut-off count must be the expected run's.
  std::getline(in, line);
  ++n;
  const std::string expected_line = identity_line(expected, 0);
  const auto cut = line.rfind(" cut_off=");
  if (line.rfind(kIdentityPrefix, 0) != 0 || cut == std::string::npos)
    fail("not a nas-run trace (expected a first line '" + expected_line.substr(0, 17) +
         "...'; traces of nas-run before 0.1.1 cannot be resumed: remove them)");
  if (line.substr(0, cut) != expected_line.substr(0, expected_line.rfind(" cut_off=")))
    fail("the trace belongs to another run or study: its header says '" + line.substr(2, cut - 2) +
         "', this run is '" + expected_line.substr(2, expected_line.rfind(" cut_off=") - 2) +
         "' (remove it, or choose another --out)");
  const auto cut_off = common::parse_decimal_integer(line.substr(cut + 9));
  if (!cut_off || *cut_off < 0) fail("invalid cut_off count in the header");
  t.cut_off = static_cast<std::size_t>(*cut_off);
  std::getline(in, line);
  ++n;
  if (line == kTraceHeader + std::string(kRealColumns))
    t.real_times = true;
  else if (line != kTraceHeader)
    fail(std::string("expected the column header '") + kTraceHeader + "' (with '" +
         kRealColumns + "' after it when a real executor ran)");
  const std::size_t fields = t.real_times ? kRealFields : kFields;
  bool complete = false;
  while (std::getline(in, line)) {
    ++n;
    if (line.rfind(kCompletePrefix, 0) == 0) {
      if (line != complete_line(t.rows.size(), body))
        fail("the closing line '" + line + "' does not match the " +
             std::to_string(t.rows.size()) + " rows above it (expected '" +
             complete_line(t.rows.size(), body) + "'): the trace was cut or changed");
      complete = true;
      if (std::getline(in, line)) {
        ++n;
        fail("text after the closing line");
      }
      break;
    }
    const auto f = split(line, ',');
    if (f.size() != fields)
      fail("expected " + std::to_string(fields) + " fields, found " + std::to_string(f.size()));
    TraceRow r;
    try {
      r.evaluation = std::stoull(f[0]);
      r.time_s = std::stod(f[1]);
      r.arch = space.parse(f[2]);
      r.score = std::stod(f[3]);
      r.cost_s = std::stod(f[4]);
      r.epochs = std::stoi(f[5]);
      r.diverged = f[6] == "1";
      r.test_error = std::stod(f[7]);
      r.incumbent = space.parse(f[8]);
      r.incumbent_test_error = std::stod(f[9]);
      r.best_test_error = std::stod(f[10]);
      if (t.real_times) {
        RealTrace real;
        real.job = std::stoull(f[11]);
        real.worker = std::stoi(f[12]);
        real.attempts = std::stoi(f[13]);
        real.failed = f[14] == "1";
        real.times.duration_s = std::stod(f[15]);
        real.times.time_s = std::stod(f[16]);
        real.times.charged_time_s = std::stod(f[17]);
        r.real = real;
      }
    } catch (const std::exception& e) {
      fail(std::string("malformed trace row: ") + e.what());
    }
    t.rows.push_back(r);
    body += line + "\n";
  }
  if (!complete) fail("the trace is incomplete (no closing '# complete: N rows' line)");
  return t;
}

StudyOutput::StudyOutput(std::string dir, const nlohmann::json& config,
                         const spaces::SearchSpace& space,
                         const std::vector<std::pair<std::string, std::string>>& inputs,
                         bool force)
    : dir_(std::move(dir)),
      space_(space),
      config_(config),
      study_digest_(hex32(bench::format::crc32(config.dump()))) {
  std::error_code ec;
  const fs::path folder(dir_);
  if (fs::exists(fs::symlink_status(folder, ec)) && !fs::is_directory(folder, ec))
    throw std::runtime_error("--out '" + dir_ + "' is not a folder");
  for (const char* name : kOutputFiles)
    common::check_not_an_input((folder / name).string(), "--out", inputs);
  if (fs::is_directory(folder / "traces", ec))
    for (const auto& entry : fs::directory_iterator(folder / "traces", ec))
      common::check_not_an_input(entry.path().string(), "--out", inputs);
  if (!fs::is_directory(folder, ec)) return;
  // An existing study is locked at once, so that a second nas-run on it is refused before it
  // computes anything; a new folder is locked when its first run finishes (start_writing).
  lock_ = lock_folder();
  if (!check_config() && !force)
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      const auto name = entry.path().filename().string();
      // What an earlier start killed before config.json could leave: not somebody's files.
      if (name == kLockFile || (name == "traces" && fs::is_empty(entry.path(), ec))) continue;
      throw std::runtime_error("--out '" + dir_ + "' holds files but no nas-run study (no " +
                               "config.json); choose a new or empty folder, or pass --force to "
                               "write the study there");
    }
  common::remove_stale_temporaries(dir_);
  common::remove_stale_temporaries((folder / "traces").string());
}

std::unique_ptr<common::FileLock> StudyOutput::lock_folder() const {
  try {
    return std::make_unique<common::FileLock>((fs::path(dir_) / kLockFile).string());
  } catch (const common::FileLockedError& e) {
    throw std::runtime_error("output folder '" + dir_ + "' is in use by another nas-run (" +
                             e.holder() + "); wait for it to end, or choose another --out");
  }
}

bool StudyOutput::check_config() const {
  const auto path = (fs::path(dir_) / "config.json").string();
  if (!fs::exists(path)) return false;
  nlohmann::json old;
  try {
    old = nlohmann::json::parse(common::read_file(path));
  } catch (const std::exception& e) {
    throw std::runtime_error(path + " is not valid JSON: " + e.what());
  }
  if (old != config_) {
    std::string diff;
    for (const auto& d : nlohmann::json::diff(old, config_))
      diff += (diff.empty() ? "" : ", ") + d.value("path", std::string("?"));
    throw std::runtime_error("output folder '" + dir_ +
                             "' holds a study with another configuration (differs at " + diff +
                             "); choose another --out or remove the folder");
  }
  return true;
}

void StudyOutput::start_writing() {
  std::call_once(started_, [this] {
    fs::create_directories(fs::path(dir_) / "traces");
    if (!lock_) lock_ = lock_folder();
    // Another nas-run may have started a study here since this one looked.
    if (!check_config())
      common::write_file_atomically((fs::path(dir_) / "config.json").string(),
                                    config_.dump(2) + "\n");
  });
}

std::string StudyOutput::trace_path(const std::string& strategy, const std::string& evaluator,
                                    int run) const {
  char name[32];
  std::snprintf(name, sizeof name, "__run%03d.csv", run);
  return (fs::path(dir_) / "traces" / (strategy + "__" + evaluator + name)).string();
}

TraceIdentity StudyOutput::identity(const std::string& strategy, const std::string& evaluator,
                                    int run) const {
  return {strategy, evaluator, run, run_seed(config_.at("base_seed").get<std::uint64_t>(), run),
          study_digest_};
}

std::string StudyOutput::journal_path(const std::string& strategy, const std::string& evaluator,
                                      int run) const {
  return fs::path(trace_path(strategy, evaluator, run)).replace_extension(".journal").string();
}

std::unique_ptr<RunJournal> StudyOutput::open_journal(const std::string& strategy,
                                                      const std::string& evaluator, int run) {
  return std::make_unique<RunJournal>(
      journal_path(strategy, evaluator, run),
      kJournalPrefix + identity_fields(identity(strategy, evaluator, run)),
      [this] { start_writing(); });
}

void StudyOutput::write_trace(const RunResult& r) {
  start_writing();
  // A buffer of each thread's own, kept between traces: a fresh one for each long trace had its
  // memory faulted in page by page, a large part of writing it.
  thread_local std::string text;
  trace_csv_into(text, r.trace, space_, identity(r.strategy, r.evaluator, r.run));
  // The trace of a real executor's run replaces its journal, which is removed below: it must be
  // on disk first. A simulated run is cheap to run again after a crash of the machine.
  common::write_file_atomically(trace_path(r.strategy, r.evaluator, r.run), text,
                                r.trace.real_times ? common::Durability::flushed
                                                   : common::Durability::deferred);
  constexpr std::size_t kKeptBytes = std::size_t{64} << 20;
  if (text.capacity() > kKeptBytes) std::string().swap(text);
  // The trace holds every job now (a kill before this leaves a journal that load() removes).
  fs::remove(journal_path(r.strategy, r.evaluator, r.run));
}

std::optional<RunResult> StudyOutput::load(const std::string& strategy,
                                           const std::string& evaluator, int run) const {
  const auto path = trace_path(strategy, evaluator, run);
  if (!fs::exists(path)) return std::nullopt;
  RunResult r;
  r.strategy = strategy;
  r.evaluator = evaluator;
  r.run = run;
  const auto id = identity(strategy, evaluator, run);
  r.seed = id.seed;
  const std::string text = common::read_file(path);
  if (!ends_with_closing_line(text)) return std::nullopt;
  r.trace = parse_trace_csv(text, space_, path, id);
  // What a kill between writing the trace and removing the journal left.
  fs::remove(journal_path(strategy, evaluator, run));
  return r;
}

void StudyOutput::write_summary(const StudySummary& summary, const nlohmann::json& extra) {
  start_writing();
  common::flush_filesystem(dir_);
  auto j = summary.to_json();
  j.update(extra);
  common::write_file_atomically((fs::path(dir_) / "summary.json").string(), j.dump(2) + "\n");
  // The end-of-budget table as CSV: deterministic for a configuration (no wall times), so a
  // rerun reproduces it byte for byte. Every column has its own name: readers look them up by
  // name, and two columns called "se" once had the best-seen error's read as the incumbent's.
  // With a target error, the columns of the time to reach it follow.
  const bool target = !summary.combos.empty() && summary.combos.front().time_to_target;
  std::string csv =
      "strategy,evaluator,runs,evaluations_per_run,final_incumbent_test_error,"
      "final_incumbent_test_error_se,final_incumbent_test_error_ci95_low,"
      "final_incumbent_test_error_ci95_high,final_best_test_error,final_best_test_error_se";
  csv += target ? ",target_test_error,time_to_target_median_s,time_to_target_ci95_low_s,"
                  "time_to_target_ci95_high_s,target_reached_fraction\n"
                : "\n";
  auto num = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", v);
    return std::string(buf);
  };
  for (const auto& c : summary.combos) {
    csv += c.strategy + "," + c.evaluator + "," + std::to_string(c.runs) + "," +
           num(c.evaluations.mean) + "," + num(c.final_incumbent_test_error.mean) + "," +
           num(c.final_incumbent_test_error.se) + "," + num(c.final_incumbent_interval.low) +
           "," + num(c.final_incumbent_interval.high) + "," +
           num(c.final_best_test_error.mean) + "," + num(c.final_best_test_error.se);
    if (const auto& t = c.time_to_target)
      csv += "," + num(t->target) + "," + num(t->median_s) + "," + num(t->median_interval.low) +
             "," + num(t->median_interval.high) + "," + num(t->reached);
    csv += "\n";
  }
  common::write_file_atomically((fs::path(dir_) / "results.csv").string(), csv);
}

}  // namespace nasrun::experiment
