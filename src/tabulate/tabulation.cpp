#include "tabulate/tabulation.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "bench/benchmark_builder.hpp"
#include "common/file_io.hpp"
#include "common/numbers.hpp"
#include "common/random.hpp"

namespace nasrun::experiment {

namespace {

using bench::Metric;

// The metrics a tabulation asks for: every epoch of training and validation, test at the end.
std::vector<evaluators::CurveNeed> needs(int epochs) {
  return {{Metric::TrainLoss, 1, epochs}, {Metric::TrainAcc, 1, epochs},
          {Metric::ValidLoss, 1, epochs}, {Metric::ValidAcc, 1, epochs},
          {Metric::TestLoss, epochs, epochs}, {Metric::TestAcc, epochs, epochs}};
}

// A number of the journal, NaN written as null (JSON has no NaN).
nlohmann::json number_or_null(double v) {
  return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
}
double json_number(const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; }

nlohmann::json to_record(const Training& item, const evaluators::Curve& c) {
  nlohmann::json series = nlohmann::json::object();
  for (auto m : bench::all_metrics()) {
    const auto& s = c.series[static_cast<int>(m)];
    if (s.empty()) continue;
    nlohmann::json values = nlohmann::json::array();
    for (double v : s) values.push_back(number_or_null(v));
    series[bench::metric_name(m)] = values;
  }
  // The source's own time series, which need not be in `series`.
  series["train_time"] = c.train_time_s;
  nlohmann::json eval = nlohmann::json::array();
  for (double v : c.eval_time_s) eval.push_back(number_or_null(v));
  series["eval_time"] = eval;
  return {{"arch", item.arch},
          {"seed", item.seed},
          {"epochs", c.epochs_trained},
          {"diverged", c.diverged},
          {"params", number_or_null(c.params)},
          {"series", series}};
}

// What a tabulation trains, against which the journal's records are checked.
struct Plan {
  const spaces::SearchSpace& space;
  int epochs;
  std::set<std::int64_t> seeds;
  std::set<std::pair<spaces::ArchCode, std::int64_t>> items;
};

// The values a metric can take; NaN (null in the journal) is always allowed.
struct Range {
  double low;
  bool low_open;
  double high;
  const char* expected;
  bool holds(double v) const {
    return std::isfinite(v) && (low_open ? v > low : v >= low) && v <= high;
  }
};

Range range_of(Metric m) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  switch (m) {
    case Metric::TrainAcc:
    case Metric::ValidAcc:
    case Metric::TestAcc:
    case Metric::OriTestAcc:
      return {0, false, 100, "a number in [0, 100] or null"};
    case Metric::TrainTime:
    case Metric::EvalTime:
      return {0, true, inf, "a number > 0 or null"};
    default:  // the losses
      return {0, false, inf, "a number >= 0 or null"};
  }
}

std::string seed_list(const std::set<std::int64_t>& seeds) {
  std::string out;
  for (auto s : seeds) out += (out.empty() ? "" : ", ") + std::to_string(s);
  return out;
}

// Why a record's architecture and seed cannot count toward the plan, or "" when they can.
// `expected` names a record's fields for the message.
std::string item_problem(const nlohmann::json& r, const Plan& plan, const char* expected) {
  for (const char* key : {"arch", "seed"})
    if (!r.contains(key) || !r[key].is_number_integer())
      return std::string("expected a record with ") + expected + " (" + key +
             " is missing or of the wrong type)";
  const auto& arch = r["arch"];
  if (!arch.is_number_unsigned() || arch.get<std::uint64_t>() >= plan.space.size())
    return "architecture " + arch.dump() + " is outside the space (expected 0.." +
           std::to_string(plan.space.size() - 1) + ")";
  const auto code = arch.get<spaces::ArchCode>();
  const auto seed = r["seed"].get<std::int64_t>();
  if (!plan.seeds.count(seed))
    return "seed " + std::to_string(seed) + " is not one of this tabulation's seeds (" +
           seed_list(plan.seeds) + ")";
  if (!plan.items.count({code, seed}))
    return "architecture " + std::to_string(code) + " (" + plan.space.to_string(code) +
           ") with seed " + std::to_string(seed) + " is not in this tabulation's plan";
  return "";
}

// Why a journal record of a training cannot count toward the plan, or "" when it can. Nothing
// in a journal is trusted: a line may have been cut, run into another one, or edited by hand.
std::string record_problem(const nlohmann::json& r, const Plan& plan) {
  constexpr const char* kFields = "arch, seed, epochs, diverged, params and series";
  auto malformed = [&](const std::string& key) {
    return std::string("expected a record with ") + kFields + " (" + key +
           " is missing or of the wrong type)";
  };
  if (!r.contains("epochs") || !r["epochs"].is_number_integer()) return malformed("epochs");
  if (!r.contains("diverged") || !r["diverged"].is_boolean()) return malformed("diverged");
  if (!r.contains("params") || !(r["params"].is_number() || r["params"].is_null()))
    return malformed("params");
  if (!r.contains("series") || !r["series"].is_object()) return malformed("series");
  if (const auto why = item_problem(r, plan, kFields); !why.empty()) return why;
  const auto epochs = r["epochs"].get<std::int64_t>();
  const bool diverged_early = r["diverged"].get<bool>() && epochs >= 1 && epochs < plan.epochs;
  if (epochs != plan.epochs && !diverged_early)
    return "epochs is " + std::to_string(epochs) + " (expected " + std::to_string(plan.epochs) +
           ", or 1.." + std::to_string(plan.epochs) + " for a diverged training)";
  const auto& params = r["params"];
  if (params.is_number() && !(std::isfinite(params.get<double>()) && params.get<double>() > 0))
    return "params is " + params.dump() + " (expected a number > 0 or null)";
  const auto& series = r["series"];
  auto required = needs(plan.epochs);
  required.push_back({Metric::TrainTime, 1, plan.epochs});  // to_record() writes both times
  required.push_back({Metric::EvalTime, 1, plan.epochs});
  for (const auto& need : required)
    if (!series.contains(bench::metric_name(need.metric)))
      return std::string("no ") + bench::metric_name(need.metric) + " series";
  for (const auto& [name, values] : series.items()) {
    Metric m;
    try {
      m = bench::parse_metric(name);
    } catch (const std::invalid_argument& e) {
      return "series " + name + ": " + e.what();
    }
    if (!values.is_array() || values.size() != static_cast<std::size_t>(epochs))
      return name + " has " + (values.is_array() ? std::to_string(values.size()) : values.dump()) +
             " values (expected " + std::to_string(epochs) + ", one per epoch trained)";
    const auto range = range_of(m);
    for (std::size_t t = 0; t < values.size(); ++t)
      if (!values[t].is_null() && !(values[t].is_number() && range.holds(values[t].get<double>())))
        return name + " at epoch " + std::to_string(t + 1) + " is " + values[t].dump() +
               " (expected " + range.expected + ")";
  }
  return "";
}

// JSON has no infinity: a proxy's value of -inf is written as the string "-inf".
constexpr const char* kMinusInfinity = "-inf";

nlohmann::json proxy_value_json(double v) {
  return std::isinf(v) && v < 0 ? nlohmann::json(kMinusInfinity) : number_or_null(v);
}

double proxy_value_of(const nlohmann::json& v) {
  return v == kMinusInfinity ? -std::numeric_limits<double>::infinity() : json_number(v);
}

// What a tabulation with proxies computes: every proxy.
std::vector<bench::Proxy> every_proxy() {
  return {bench::all_proxies().begin(), bench::all_proxies().end()};
}

// A line of the proxies' journal: every proxy of one (architecture, seed) as [value, seconds].
nlohmann::json to_proxy_record(const Training& item, const evaluators::ProxyValues& v) {
  nlohmann::json proxies = nlohmann::json::object();
  for (auto p : bench::all_proxies())
    proxies[bench::proxy_name(p)] = {proxy_value_json(v.at(p)), number_or_null(v.time_of(p))};
  return {{"arch", item.arch}, {"seed", item.seed}, {"proxies", proxies}};
}

// Why a record of the proxies' journal cannot count toward the plan, or "" when it can.
std::string proxy_record_problem(const nlohmann::json& r, const Plan& plan) {
  constexpr const char* kFields = "arch, seed and proxies";
  if (!r.contains("proxies") || !r["proxies"].is_object())
    return std::string("expected a record with ") + kFields +
           " (proxies is missing or of the wrong type)";
  if (const auto why = item_problem(r, plan, kFields); !why.empty()) return why;
  const auto& proxies = r["proxies"];
  for (auto p : bench::all_proxies()) {
    const auto name = bench::proxy_name(p);
    if (!proxies.contains(name)) return std::string("no proxy ") + name;
    const auto& pair = proxies[name];
    auto holds = [&](std::size_t i, const bench::ValueRange& range) {
      return pair[i].is_null() || (pair[i].is_number() && range.contains(pair[i].get<double>()));
    };
    if (!pair.is_array() || pair.size() != 2 ||
        !(holds(0, bench::proxy_value_range()) || pair[0] == kMinusInfinity) ||
        !holds(1, bench::proxy_time_range()))
      return std::string("proxy ") + name + " is " + pair.dump() +
             " (expected [value, seconds]: a finite number, \"-inf\" or null; a number > 0 or "
             "null)";
  }
  if (proxies.size() != bench::kNumProxies)
    return "proxies holds " + std::to_string(proxies.size()) + " entries (expected the " +
           std::to_string(bench::kNumProxies) + " proxies)";
  return "";
}

// The settings that differ between a journal's header and this run, for the refusal.
std::string settings_differences(const nlohmann::json& journal, const nlohmann::json& now) {
  std::set<std::string> keys;
  for (const auto& [key, value] : journal.items()) keys.insert(key);
  for (const auto& [key, value] : now.items()) keys.insert(key);
  std::string out;
  for (const auto& key : keys) {
    const auto there = journal.contains(key) ? journal[key] : nlohmann::json();
    const auto here = now.contains(key) ? now[key] : nlohmann::json();
    if (there != here)
      out += (out.empty() ? "" : "; ") + key + ": " + there.dump() + " in the journal, " +
             here.dump() + " now";
  }
  return out;
}

// A file's bytes, or nothing when there is no such file; throws common::FileError when it exists
// but cannot be read (an unreadable journal must not be taken for an empty one and overwritten).
std::string read_if_present(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0 ? common::read_file(path) : std::string();
}

// The journal: a header line naming the settings, then one JSON line per finished training.
// Opening it keeps every valid record: a line cut by a kill at the end is dropped, and any
// other line that cannot count (not JSON, impossible values, outside the plan, a repeat) is
// moved to <journal>.rejected, so that no crash or mishap leaves a journal that cannot resume.
class Journal {
 public:
  // `problem` says why a record cannot count ("" when it can).
  Journal(const std::string& path, const nlohmann::json& settings,
          const std::function<std::string(const nlohmann::json&)>& problem)
      : path_(path), settings_(settings) {
    const std::string text = read_if_present(path);
    std::vector<std::string> bad_lines;
    std::map<std::pair<spaces::ArchCode, std::int64_t>, std::size_t> line_of;
    std::size_t good_end = 0, line = 0;
    while (good_end < text.size()) {
      const auto nl = text.find('\n', good_end);
      if (nl == std::string::npos) break;  // a line cut by a kill: dropped below
      ++line;
      const auto content = text.substr(good_end, nl - good_end);
      good_end = nl + 1;
      auto j = nlohmann::json::parse(content, nullptr, /*allow_exceptions=*/false);
      if (line == 1) {
        check_header(j);
        continue;
      }
      auto why = j.is_discarded() ? std::string("not a JSON line") : problem(j);
      if (why.empty()) {
        const auto item =
            std::make_pair(j["arch"].get<spaces::ArchCode>(), j["seed"].get<std::int64_t>());
        const auto [first, fresh] = line_of.emplace(item, line);
        if (!fresh)
          why = "a second record of architecture " + std::to_string(item.first) + " with seed " +
                std::to_string(item.second) + " (the first is line " +
                std::to_string(first->second) + ")";
      }
      if (why.empty()) {
        records_.push_back(std::move(j));
      } else {
        rejected_.push_back(path + ":" + std::to_string(line) + ": " + why);
        bad_lines.push_back(content);
      }
    }
    if (!bad_lines.empty()) {
      set_aside(bad_lines);
      return;
    }
    // Truncate a torn last line, then append.
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0 || ::ftruncate(fd_, static_cast<off_t>(good_end)) != 0 ||
        ::lseek(fd_, 0, SEEK_END) < 0)
      throw std::runtime_error("cannot write the journal " + path);
    if (good_end == 0) write_line(settings);
  }
  ~Journal() {
    if (fd_ >= 0) ::close(fd_);
  }
  const std::vector<nlohmann::json>& records() const { return records_; }
  const std::vector<std::string>& rejected() const { return rejected_; }

  // Durable before it returns. Writing and remembering are one step, so that a rewrite from
  // memory holds every record already in the file.
  void add_record(nlohmann::json j) {
    if (replaced()) restore();
    write_line(j);
    records_.push_back(std::move(j));
  }
  // At the end, so that a journal replaced after the last record still holds every record.
  void restore_if_replaced() {
    if (replaced()) restore();
  }

 private:
  void check_header(const nlohmann::json& j) const {
    if (!j.is_object() || !j.contains("tabulation"))
      throw std::runtime_error(
          path_ + " has no settings header line (its line 1 is " +
          (j.is_object() && j.contains("arch") ? "a training record" : "not a settings line") +
          "); use another --out, or remove the journal to start over");
    if (j != settings_)
      throw std::runtime_error(path_ + " belongs to a tabulation with other settings (" +
                               settings_differences(j, settings_) +
                               "); use another --out or remove the journal to start over");
  }

  // The bad lines go to <journal>.rejected first, after any set aside before, and only then
  // is the journal written again without them: a crash in between repeats them there, but
  // loses none.
  void set_aside(const std::vector<std::string>& bad_lines) {
    const auto rejected_path = path_ + ".rejected";
    std::string kept = read_if_present(rejected_path);
    for (const auto& l : bad_lines) kept += l + "\n";
    common::write_file_atomically(rejected_path, kept);
    write_from_memory();
    std::fprintf(stderr, "warning: %s: set aside %zu bad lines in %s and kept the %zu valid "
                 "records; the planned trainings without one are done again:\n", path_.c_str(),
                 bad_lines.size(), rejected_path.c_str(), records_.size());
    for (const auto& why : rejected_) std::fprintf(stderr, "  %s\n", why.c_str());
  }

  // Whether the path no longer names the file being appended to: a tool that rewrites files by
  // renaming a new one into place (git checkout or stash, an editor, rsync) would otherwise
  // leave every later record in an unlinked file, lost when the tabulation ends.
  bool replaced() const {
    struct stat open_file {}, at_path {};
    if (::fstat(fd_, &open_file) != 0) return true;
    return ::stat(path_.c_str(), &at_path) != 0 || at_path.st_dev != open_file.st_dev ||
           at_path.st_ino != open_file.st_ino;
  }
  void restore() {
    write_from_memory();
    std::fprintf(stderr, "\nwarning: %s was replaced or removed while the tabulation ran; "
                 "wrote it again from memory (%zu records)\n", path_.c_str(), records_.size());
  }
  // Writes the journal again from memory, which holds every valid record of this run and of
  // the journal it resumed, and appends to the new file from then on.
  void write_from_memory() {
    std::string text = settings_.dump() + "\n";
    for (const auto& r : records_) text += r.dump() + "\n";
    common::write_file_atomically(path_, text);
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot reopen the journal " + path_);
  }

  void write_line(const nlohmann::json& j) {
    const std::string line = j.dump() + "\n";
    std::size_t done = 0;
    while (done < line.size()) {
      const auto n = ::write(fd_, line.data() + done, line.size() - done);
      if (n < 0) throw std::runtime_error("cannot append to the journal " + path_);
      done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd_) != 0) throw std::runtime_error("cannot flush the journal " + path_);
  }

  std::string path_;
  nlohmann::json settings_;
  int fd_ = -1;
  std::vector<nlohmann::json> records_;
  std::vector<std::string> rejected_;
};

// Checks, before anything is trained, that the benchmark and its journal can be written there:
// a tabulation that found out only at its end would lose the trainings of the run. An existing
// file at --out is this command's own only while its journal is beside it (the tabulation then
// resumes); any other, such as an imported benchmark or a finished tabulation whose journal is
// gone, is replaced only with `force`.
void check_outputs(const TabulationConfig& config) {
  namespace fs = std::filesystem;
  const auto& out = config.out;
  if (out.empty()) throw common::FileError("tabulation needs --out FILE");
  common::check_output_file(out, config.inputs,
                           {"--out", "nas-bench tabulate",
                            [](const std::string& path) { return fs::exists(path + ".journal"); }},
                           config.force);
  if (out.back() == '/')
    throw common::FileError("--out " + out + " ends in '/' (expected the benchmark file to write)");
  const auto parent = fs::path(out).parent_path();
  const std::string folder = parent.empty() ? "." : parent.string();
  if (::access(folder.c_str(), W_OK | X_OK) != 0)
    throw common::FileError("--out " + out + ": cannot write in its folder " + folder + " (" +
                           std::strerror(errno) + ")");
  std::error_code ec;
  for (const auto& path : {out + ".journal", out + ".journal.rejected", out + ".proxies.journal",
                           out + ".proxies.journal.rejected"})
    if (fs::exists(path, ec) && !fs::is_regular_file(path, ec))
      throw common::FileError(path + " is not a regular file");
}

// One tabulation at a time per --out: two would train everything twice and interleave their
// journal lines. Held until the tabulation ends; the kernel lets go of it if the process dies.
std::unique_ptr<common::FileLock> lock_outputs(const std::string& out) {
  try {
    return std::make_unique<common::FileLock>(out + ".lock");
  } catch (const common::FileLockedError& e) {
    throw common::FileError(out + ".journal is in use by another tabulation (" + e.holder() +
                           "); wait for it to end, or use another --out");
  }
}

// The library trusts no caller: a seed or architecture given twice would be trained twice.
void check_work(const TabulationConfig& config, const std::vector<spaces::ArchCode>& archs,
                const spaces::SearchSpace& space) {
  if (config.seeds.empty()) throw std::invalid_argument("tabulation needs at least one seed");
  if (!(config.extra_fraction >= 0 && config.extra_fraction <= 1))
    throw std::invalid_argument("--extra-fraction must lie in [0, 1]");
  for (const auto& [list, option] : {std::make_pair(&config.seeds, "--seeds"),
                                     std::make_pair(&config.extra_seeds, "--extra-seeds")}) {
    std::set<std::int64_t> seen;
    for (auto s : *list)
      if (!seen.insert(s).second)
        throw std::invalid_argument("seed " + std::to_string(s) + " is given twice in " + option);
  }
  for (auto s : config.extra_seeds)
    if (std::find(config.seeds.begin(), config.seeds.end(), s) != config.seeds.end())
      throw std::invalid_argument("seed " + std::to_string(s) +
                                  " is in both --seeds and --extra-seeds");
  std::set<spaces::ArchCode> seen;
  for (auto a : archs) {
    if (a >= space.size())
      throw std::invalid_argument("architecture " + std::to_string(a) +
                                  " is outside the space (expected 0.." +
                                  std::to_string(space.size() - 1) + ")");
    if (!seen.insert(a).second)
      throw std::invalid_argument("architecture " + std::to_string(a) + " is given twice (" +
                                  space.to_string(a) + ")");
  }
}

std::string machine_description() {
  std::string cpu;
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);)
    if (line.rfind("model name", 0) == 0) {
      cpu = line.substr(line.find(':') + 2);
      break;
    }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ", " + std::to_string(std::thread::hardware_concurrency()) +
         " cores" + (cpu.empty() ? "" : ", " + cpu);
}

}  // namespace

bool archs_spec_is_file(const std::string& spec) {
  return spec != "classes" && spec != "all" && spec.rfind("sample:", 0) != 0;
}

std::vector<spaces::ArchCode> select_archs(const std::string& spec, const spaces::SearchSpace& space,
                                           std::uint64_t seed) {
  if (!archs_spec_is_file(spec)) {
    // Each lists the whole space: the classes, every code, the codes a sample is shuffled from.
    space.require_listable("--archs " + spec);
    if (spec == "classes") return space.class_representatives();
    std::vector<spaces::ArchCode> all(space.size());
    for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
    if (spec == "all") return all;
    // sample:N. stoul would read "sample:-1" as 2^64 - 1 and "sample: 5" as 5.
    const auto n = common::parse_decimal_integer(spec.substr(7));
    if (!n || *n < 1 || static_cast<std::size_t>(*n) > all.size())
      throw std::invalid_argument("--archs '" + spec + "': expected sample:N with N in 1.." +
                                  std::to_string(all.size()));
    // A seeded partial Fisher-Yates shuffle; the sample is returned in code order.
    common::Rng rng(common::mix_seed(seed, 0x5A3));
    for (std::size_t i = 0; i < static_cast<std::size_t>(*n); ++i)
      std::swap(all[i], all[i + common::uniform_below(rng, all.size() - i)]);
    all.resize(static_cast<std::size_t>(*n));
    std::sort(all.begin(), all.end());
    return all;
  }
  std::istringstream in(common::read_file(spec));
  std::vector<spaces::ArchCode> out;
  std::set<spaces::ArchCode> seen;
  std::size_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    try {
      const auto code = space.parse(line);
      if (seen.insert(code).second) out.push_back(code);
    } catch (const spaces::ArchParseError& e) {
      throw std::invalid_argument(spec + ":" + std::to_string(line_no) + ": " + e.what());
    }
  }
  if (out.empty()) throw std::invalid_argument(spec + ": lists no architectures");
  return out;
}

namespace {

// config.workers threads of this process, each running one training at a time.
class ThreadPool : public TrainingPool {
 public:
  ThreadPool(const Trainer& trainer, int threads) : trainer_(trainer), threads_(threads) {}
  // The trainings still running end first (a journal that could not be written, say).
  ~ThreadPool() override {
    for (auto& [id, thread] : running_) thread.join();
  }
  int slots() const override { return threads_; }
  void start(const Training& training) override {
    const auto id = next_id_++;
    running_.emplace(id, std::thread([this, id, training] {
      auto trained = trainer_.train(training);
      std::lock_guard<std::mutex> lock(mutex_);
      ended_.emplace_back(id, std::move(trained));
      ended_signal_.notify_one();
    }));
  }
  Trained wait() override {
    std::unique_lock<std::mutex> lock(mutex_);
    ended_signal_.wait(lock, [&] { return !ended_.empty(); });
    auto [id, trained] = std::move(ended_.front());
    ended_.pop_front();
    lock.unlock();
    // Its thread has nothing left to do but return.
    running_.at(id).join();
    running_.erase(id);
    return std::move(trained);
  }

 private:
  const Trainer& trainer_;
  int threads_;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, std::thread> running_;  // by id, touched by the tabulating thread only
  std::mutex mutex_;  // guards ended_
  std::condition_variable ended_signal_;
  std::deque<std::pair<std::uint64_t, Trained>> ended_;
};

}  // namespace

Trainer::Trainer(const TabulationConfig& config) : retries_(config.retries) {
  if (config.retries < 0)
    throw std::invalid_argument("--retries must be 0 or more, got " +
                                std::to_string(config.retries));
  std::set<std::int64_t> all_seeds(config.seeds.begin(), config.seeds.end());
  all_seeds.insert(config.extra_seeds.begin(), config.extra_seeds.end());
  if (all_seeds.empty()) throw std::invalid_argument("tabulation needs at least one seed");
  for (auto s : all_seeds) {
    auto o = config.source_options;
    o.data_seeds = bench::SeedPolicy::fixed(s);
    sources_[s] = evaluators::make_curve_source(config.source, o);
    if (config.proxies) sources_[s]->check_serves_proxies(every_proxy());
  }
  epochs_ = sources_.begin()->second->schedule_epochs();
}

Trained Trainer::train(const Training& training) const {
  Trained out{training, {}, {}, 1, {}};
  auto& source = *sources_.at(training.seed);
  // Each result from a generator of its own, seeded by the (architecture, seed) alone.
  auto rng = [&] {
    return common::Rng(common::mix_seed(static_cast<std::uint64_t>(training.seed), training.arch));
  };
  for (;; ++out.attempts) {
    try {
      if (training.proxies && out.proxy_record.empty()) {
        auto r = rng();
        out.proxy_record =
            to_proxy_record(training, source.observe_proxies(training.arch, every_proxy(), r))
                .dump();
      }
      if (training.curve) {
        auto r = rng();
        out.record = to_record(training, source.observe(training.arch, epochs_, needs(epochs_), r))
                         .dump();
      }
      return out;
    } catch (const std::exception& e) {
      if (out.attempts > retries_) {
        out.failure = e.what();
        return out;
      }
    }
  }
}

namespace {

// Hands the work list to the pool in its order as slots become free, and journals each result
// as it comes back (the training's record in `journal`, the proxies' in `proxy_journal`); stops starting trainings at the time limit or after a failed one. Returns
// whether the time limit stopped it; throws std::runtime_error naming the failed trainings once
// the running ones have ended.
bool run_work_list(const std::vector<Training>& todo, TrainingPool& pool, Journal& journal,
                   Journal* proxy_journal, const spaces::SearchSpace& space, double time_limit_s,
                   const std::function<void()>& recorded) {
  const auto started = std::chrono::steady_clock::now();
  std::size_t next = 0;
  int running = 0;
  bool out_of_time = false;
  std::vector<std::string> failures;
  for (;;) {
    while (running < pool.slots() && next < todo.size() && failures.empty() && !out_of_time) {
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (time_limit_s > 0 && elapsed > time_limit_s) {
        out_of_time = true;
        break;
      }
      pool.start(todo[next++]);
      ++running;
    }
    if (running == 0) break;
    const auto trained = pool.wait();
    --running;
    // A training that failed keeps the proxies computed before it.
    if (!trained.proxy_record.empty())
      proxy_journal->add_record(nlohmann::json::parse(trained.proxy_record));
    if (!trained.failure.empty()) {
      failures.push_back("architecture " + std::to_string(trained.training.arch) + " (" +
                         space.to_string(trained.training.arch) + ") with seed " +
                         std::to_string(trained.training.seed) + " failed " +
                         std::to_string(trained.attempts) + " tries: " + trained.failure);
      continue;
    }
    if (!trained.record.empty()) journal.add_record(nlohmann::json::parse(trained.record));
    recorded();
  }
  if (!failures.empty()) {
    std::string message = "tabulation stopped: " + failures.front();
    for (std::size_t i = 1; i < failures.size(); ++i) message += "; " + failures[i];
    throw std::runtime_error(message + " (" + std::to_string(journal.records().size()) +
                             " trainings are in the journal; rerun to continue)");
  }
  return out_of_time;
}

}  // namespace

TabulationResult tabulate(const TabulationConfig& config,
                          const std::function<void(const TabulationProgress&)>& progress,
                          const TrainingPoolMaker& make_pool) {
  const auto& space = *config.source_options.space;
  // The benchmark written lists every architecture of the space, trained or not.
  space.require_listable("a tabulation (its benchmark lists every architecture of the space)");
  const auto archs = config.archs.empty() ? space.class_representatives() : config.archs;
  check_work(config, archs, space);
  check_outputs(config);
  const auto lock = lock_outputs(config.out);
  std::set<std::int64_t> all_seeds(config.seeds.begin(), config.seeds.end());
  all_seeds.insert(config.extra_seeds.begin(), config.extra_seeds.end());

  // The sources, all checked before any training starts.
  const Trainer trainer(config);
  const int epochs = trainer.epochs();

  // The work: every architecture with the main seeds, a seeded subset with the extra ones.
  std::vector<Training> items;
  for (auto a : archs)
    for (auto s : config.seeds) items.push_back({a, s});
  if (!config.extra_seeds.empty()) {
    auto subset = archs;
    common::Rng rng(common::mix_seed(config.selection_seed, 0xE5));
    const auto n = static_cast<std::size_t>(std::ceil(config.extra_fraction * subset.size()));
    for (std::size_t i = 0; i < n; ++i)
      std::swap(subset[i], subset[i + common::uniform_below(rng, subset.size() - i)]);
    subset.resize(n);
    std::sort(subset.begin(), subset.end());
    for (auto a : subset)
      for (auto s : config.extra_seeds) items.push_back({a, s});
  }

  const nlohmann::json settings = {
      {"tabulation", 1},
      {"source", config.source},
      {"recipe", trainer.recipe()},
      {"dataset", config.source_options.dataset},
      {"options", config.source_options.extra},
      {"space", space.name()},
      {"epochs", epochs},
      {"items", items.size()},
      {"archs_checksum", bench::format::crc32(std::string_view(
                             reinterpret_cast<const char*>(archs.data()), archs.size() * sizeof(archs[0])))},
      {"seeds", config.seeds},
      {"extra_seeds", config.extra_seeds},
      {"extra_fraction", config.extra_fraction},
      {"selection_seed", config.selection_seed}};
  Plan plan{space, epochs, all_seeds, {}};
  for (const auto& it : items) plan.items.emplace(it.arch, it.seed);
  Journal journal(config.out + ".journal", settings,
                  [&](const nlohmann::json& r) { return record_problem(r, plan); });
  // The proxies have a journal of their own, so that they can be added to a tabulation whose
  // trainings are done, and the trainings' journal stays as it was without them.
  std::unique_ptr<Journal> proxy_journal;
  if (config.proxies) {
    auto proxy_settings = settings;
    std::vector<std::string> names;
    for (auto p : bench::all_proxies()) names.emplace_back(bench::proxy_name(p));
    proxy_settings["proxies"] = names;
    proxy_journal = std::make_unique<Journal>(
        config.out + ".proxies.journal", proxy_settings,
        [&](const nlohmann::json& r) { return proxy_record_problem(r, plan); });
  }
  using Done = std::set<std::pair<spaces::ArchCode, std::int64_t>>;
  auto done_in = [](const Journal* j) {
    Done done;
    if (j)
      for (const auto& r : j->records())
        done.emplace(r["arch"].get<spaces::ArchCode>(), r["seed"].get<std::int64_t>());
    return done;
  };
  const Done trained = done_in(&journal), proxied = done_in(proxy_journal.get());
  std::vector<Training> todo;
  for (auto it : items) {
    it.curve = !trained.count({it.arch, it.seed});
    it.proxies = config.proxies && !proxied.count({it.arch, it.seed});
    if (it.curve || it.proxies) todo.push_back(it);
  }
  // A seeded random order, so that a tabulation stopped early (--time-limit, a kill) holds a
  // uniform random sample of its work, extra seeds included, not the lowest codes. Each result
  // depends on its (arch, seed) only, so the order changes nothing else.
  common::Rng order_rng(common::mix_seed(config.selection_seed, 0x0D));
  for (std::size_t i = todo.size(); i > 1; --i)
    std::swap(todo[i - 1], todo[common::uniform_below(order_rng, i)]);

  TabulationProgress p;
  p.total = items.size();
  p.resumed = p.done = items.size() - todo.size();
  const auto started = std::chrono::steady_clock::now();
  if (progress) progress(p);
  const int workers =
      config.workers > 0 ? config.workers : static_cast<int>(std::thread::hardware_concurrency());
  const std::unique_ptr<TrainingPool> pool =
      make_pool ? make_pool(trainer)
                : std::make_unique<ThreadPool>(trainer, std::max(workers, 1));
  const bool out_of_time =
      run_work_list(todo, *pool, journal, proxy_journal.get(), space, config.time_limit_s, [&] {
        ++p.done;
        p.elapsed_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (progress) progress(p);
      });
  journal.restore_if_replaced();
  if (proxy_journal) proxy_journal->restore_if_replaced();

  // The benchmark: every cell of the space, indexed by its code.
  std::vector<spaces::ArchCode> codes(space.size());
  for (std::size_t i = 0; i < codes.size(); ++i) codes[i] = i;
  bench::BenchmarkBuilder builder(space.name(), codes);
  std::vector<int> recorded(static_cast<std::size_t>(epochs));
  for (int e = 1; e <= epochs; ++e) recorded[static_cast<std::size_t>(e - 1)] = e;
  const std::string dataset =
      config.source_options.dataset.empty() ? "default" : config.source_options.dataset;
  auto& table = builder.add_table(dataset, std::to_string(epochs), epochs, recorded,
                                  {all_seeds.begin(), all_seeds.end()}, Metric::TestAcc);
  // Records in (arch, seed) order, whatever order the workers finished in.
  auto records = journal.records();
  std::sort(records.begin(), records.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
    return std::make_pair(a["arch"].get<std::uint64_t>(), a["seed"].get<std::int64_t>()) <
           std::make_pair(b["arch"].get<std::uint64_t>(), b["seed"].get<std::int64_t>());
  });
  Done trained_now;
  for (const auto& r : records)
    trained_now.emplace(r["arch"].get<spaces::ArchCode>(), r["seed"].get<std::int64_t>());
  double train_seconds = 0;
  std::size_t diverged = 0;
  std::map<spaces::ArchCode, std::pair<double, double>> time_sums;  // train, eval
  std::map<spaces::ArchCode, int> time_counts;
  for (const auto& r : records) {
    const auto arch = r["arch"].get<std::size_t>();
    const int slot = table.slot_of_seed(r["seed"].get<std::int64_t>());
    table.mark_present(arch, slot);
    diverged += r["diverged"].get<bool>();
    for (const auto& [name, values] : r["series"].items()) {
      const auto m = bench::parse_metric(name);
      for (std::size_t t = 0; t < values.size(); ++t) {
        // A diverged run's infinite loss is missing, as the journal (JSON has no infinity)
        // gives it back on a resume; the builder refuses non-finite values.
        const double v = json_number(values[t]);
        if (std::isfinite(v)) table.set(m, arch, slot, static_cast<int>(t) + 1, v);
      }
    }
    double tr = 0, ev = 0;
    for (const auto& v : r["series"]["train_time"]) tr += json_number(v);
    for (const auto& v : r["series"]["eval_time"])
      if (v.is_number()) ev += v.get<double>();
    train_seconds += tr + ev;
    const auto n = std::max<std::size_t>(r["series"]["train_time"].size(), 1);
    time_sums[arch].first += tr / static_cast<double>(n);
    time_sums[arch].second += ev / static_cast<double>(n);
    ++time_counts[arch];
    if (r["params"].is_number()) table.set_cost(bench::Cost::Params, arch, r["params"].get<double>());
  }
  // Proxies of the trainings that have a record: an architecture counts as present only once
  // it is trained.
  double proxy_seconds = 0;
  std::size_t proxy_records = 0;
  if (proxy_journal)
    for (const auto& r : proxy_journal->records()) {
      const auto arch = r["arch"].get<std::size_t>();
      const auto seed = r["seed"].get<std::int64_t>();
      if (!trained_now.count({arch, seed})) continue;
      ++proxy_records;
      for (auto p : bench::all_proxies()) {
        const auto& pair = r["proxies"][bench::proxy_name(p)];
        const double time_s = json_number(pair[1]);
        table.set_proxy(p, arch, table.slot_of_seed(seed), proxy_value_of(pair[0]), time_s);
        if (!std::isnan(time_s)) proxy_seconds += time_s;
      }
    }
  for (const auto& [arch, sums] : time_sums) {
    table.set_cost(bench::Cost::EpochTrainTime, arch, sums.first / time_counts[arch]);
    // No validation pass timed (none recorded, or every run diverged at once): unknown, not 0 s.
    if (sums.second > 0)
      table.set_cost(bench::Cost::EpochEvalTime, arch, sums.second / time_counts[arch]);
  }
  std::size_t shared = 0;
  if (config.share_within_class) {
    std::map<spaces::ArchCode, spaces::ArchCode> trained_in_class;
    for (const auto& [arch, sums] : time_sums) trained_in_class.emplace(space.class_of(arch), arch);
    for (spaces::ArchCode a = 0; a < space.size(); ++a) {
      if (time_sums.count(a)) continue;
      auto it = trained_in_class.find(space.class_of(a));
      if (it != trained_in_class.end()) {
        table.share_results(a, it->second);
        ++shared;
      }
    }
  }
  // The journal holds only records of the plan, each once.
  const bool complete =
      records.size() == items.size() && (!config.proxies || proxy_records == items.size());
  auto& meta = builder.meta();
  meta = config.meta;
  meta["source"] = "nas-bench tabulate";
  meta["recipe"] = trainer.recipe();
  // With these, the file says how to reproduce any of its trainings.
  meta["curve_source"] = config.source;
  meta["source_options"] = config.source_options.extra;
  meta["dataset"] = dataset;
  meta["seeds"] = config.seeds;
  meta["extra_seeds"] = config.extra_seeds;
  meta["extra_fraction"] = config.extra_fraction;
  meta["trainings"] = records.size();
  meta["trainings_planned"] = items.size();
  meta["complete"] = complete;
  meta["architectures_trained"] = time_sums.size();
  meta["architectures_sharing_a_class_result"] = shared;
  meta["diverged"] = diverged;
  meta["measured_training_seconds"] = train_seconds;
  if (config.proxies)
    meta["proxies"] = {{"records", proxy_records}, {"measured_seconds", proxy_seconds}};
  meta["machine"] = machine_description();
  meta["software"] = std::string("nas-run 0.1.0, ") + "compiler " + __VERSION__;
  builder.write(config.out);
  auto rejected = journal.rejected();
  if (proxy_journal)
    rejected.insert(rejected.end(), proxy_journal->rejected().begin(), proxy_journal->rejected().end());
  return {p.done - p.resumed, items.size(), p.resumed, complete, out_of_time, rejected};
}

}  // namespace nasrun::experiment
