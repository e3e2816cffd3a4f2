#include "experiment/tabulation.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include <tbb/parallel_for_each.h>
#include <tbb/task_arena.h>

#include "bench/benchmark_builder.hpp"
#include "bench/file_io.hpp"
#include "spaces/random.hpp"

namespace nasrun::experiment {

namespace {

using bench::Metric;

struct Item {
  spaces::ArchCode arch;
  std::int64_t seed;
};

// The metrics a tabulation asks for: every epoch of training and validation, test at the end.
std::vector<evaluators::CurveNeed> needs(int epochs) {
  return {{Metric::TrainLoss, 1, epochs}, {Metric::TrainAcc, 1, epochs},
          {Metric::ValidLoss, 1, epochs}, {Metric::ValidAcc, 1, epochs},
          {Metric::TestLoss, epochs, epochs}, {Metric::TestAcc, epochs, epochs}};
}

nlohmann::json to_record(const Item& item, const evaluators::Curve& c) {
  nlohmann::json series = nlohmann::json::object();
  for (auto m : bench::all_metrics()) {
    const auto& s = c.series[static_cast<int>(m)];
    if (s.empty()) continue;
    nlohmann::json values = nlohmann::json::array();
    for (double v : s) values.push_back(std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v));
    series[bench::metric_name(m)] = values;
  }
  // The source's own time series, which need not be in `series`.
  series["train_time"] = c.train_time_s;
  nlohmann::json eval = nlohmann::json::array();
  for (double v : c.eval_time_s) eval.push_back(std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v));
  series["eval_time"] = eval;
  return {{"arch", item.arch},
          {"seed", item.seed},
          {"epochs", c.epochs_trained},
          {"diverged", c.diverged},
          {"params", std::isnan(c.params) ? nlohmann::json(nullptr) : nlohmann::json(c.params)},
          {"series", series}};
}

// The journal: a header line naming the settings, then one JSON line per finished training.
class Journal {
 public:
  Journal(const std::string& path, const nlohmann::json& settings) : path_(path), settings_(settings) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t good_end = 0, pos = 0, line = 0;
    while (pos < text.size()) {
      const auto nl = text.find('\n', pos);
      if (nl == std::string::npos) break;  // a line cut by a kill: dropped below
      ++line;
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(text.substr(pos, nl - pos));
      } catch (const nlohmann::json::exception&) {
        throw std::runtime_error(path + ":" + std::to_string(line) +
                                 ": not a tabulation journal line (remove the journal to start over)");
      }
      if (line == 1) {
        if (j != settings)
          throw std::runtime_error(path + " belongs to a tabulation with other settings; use "
                                   "another --out or remove the journal to start over");
      } else {
        records_.push_back(std::move(j));
      }
      pos = good_end = nl + 1;
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

  // Durable before it returns. Writing and remembering are one step, so that a rewrite from
  // memory holds every record already in the file.
  void add_record(nlohmann::json j) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (replaced()) rewrite();
    write_line(j);
    records_.push_back(std::move(j));
  }
  // At the end, so that a journal replaced after the last record still holds every record.
  void restore_if_replaced() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (replaced()) rewrite();
  }

 private:
  // Whether the path no longer names the file being appended to: a tool that rewrites files by
  // renaming a new one into place (git checkout or stash, an editor, rsync) would otherwise
  // leave every later record in an unlinked file, lost when the tabulation ends.
  bool replaced() const {
    struct stat open_file {}, at_path {};
    if (::fstat(fd_, &open_file) != 0) return true;
    return ::stat(path_.c_str(), &at_path) != 0 || at_path.st_dev != open_file.st_dev ||
           at_path.st_ino != open_file.st_ino;
  }
  // Writes the journal again from memory, which holds every record of this run and of the
  // journal it resumed, and appends to the new file from then on.
  void rewrite() {
    std::string text = settings_.dump() + "\n";
    for (const auto& r : records_) text += r.dump() + "\n";
    bench::write_file_atomically(path_, text);
    ::close(fd_);
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot reopen the journal " + path_);
    std::fprintf(stderr, "\nwarning: %s was replaced or removed while the tabulation ran; "
                 "wrote it again from memory (%zu records)\n", path_.c_str(), records_.size());
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
  std::mutex mutex_;
  std::vector<nlohmann::json> records_;
};

double json_number(const nlohmann::json& v) { return v.is_number() ? v.get<double>() : NAN; }

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

std::vector<spaces::ArchCode> select_archs(const std::string& spec, const spaces::SearchSpace& space,
                                           std::uint64_t seed) {
  if (spec == "classes") return space.class_representatives();
  std::vector<spaces::ArchCode> all(space.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  if (spec == "all") return all;
  if (spec.rfind("sample:", 0) == 0) {
    std::size_t n = 0, used = 0;
    try {
      n = std::stoul(spec.substr(7), &used);
    } catch (const std::exception&) {
    }
    if (used == 0 || used != spec.size() - 7 || n == 0 || n > all.size())
      throw std::invalid_argument("--archs '" + spec + "': expected sample:N with N in 1.." +
                                  std::to_string(all.size()));
    // A seeded partial Fisher-Yates shuffle; the sample is returned in code order.
    spaces::Rng rng(spaces::mix_seed(seed, 0x5A3));
    for (std::size_t i = 0; i < n; ++i)
      std::swap(all[i], all[i + spaces::uniform_below(rng, all.size() - i)]);
    all.resize(n);
    std::sort(all.begin(), all.end());
    return all;
  }
  std::istringstream in(bench::read_file(spec));
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

TabulationResult tabulate(const TabulationConfig& config,
                          const std::function<void(const TabulationProgress&)>& progress) {
  const auto& space = *config.source_options.space;
  const auto archs = config.archs.empty() ? space.class_representatives() : config.archs;
  if (config.seeds.empty()) throw std::invalid_argument("tabulation needs at least one seed");
  if (!(config.extra_fraction >= 0 && config.extra_fraction <= 1))
    throw std::invalid_argument("--extra-fraction must lie in [0, 1]");
  std::set<std::int64_t> all_seeds(config.seeds.begin(), config.seeds.end());
  for (auto s : config.extra_seeds)
    if (!all_seeds.insert(s).second)
      throw std::invalid_argument("seed " + std::to_string(s) + " is given twice");

  // One source per training seed, all checked before any training starts.
  std::map<std::int64_t, std::shared_ptr<evaluators::LearningCurveSource>> sources;
  for (auto s : all_seeds) {
    auto o = config.source_options;
    o.data_seeds = bench::SeedPolicy::fixed(s);
    sources[s] = evaluators::make_curve_source(config.source, o);
  }
  const auto& any_source = *sources.begin()->second;
  const int epochs = any_source.schedule_epochs();

  // The work: every architecture with the main seeds, a seeded subset with the extra ones.
  std::vector<Item> items;
  for (auto a : archs)
    for (auto s : config.seeds) items.push_back({a, s});
  if (!config.extra_seeds.empty()) {
    auto subset = archs;
    spaces::Rng rng(spaces::mix_seed(config.selection_seed, 0xE5));
    const auto n = static_cast<std::size_t>(std::ceil(config.extra_fraction * subset.size()));
    for (std::size_t i = 0; i < n; ++i)
      std::swap(subset[i], subset[i + spaces::uniform_below(rng, subset.size() - i)]);
    subset.resize(n);
    std::sort(subset.begin(), subset.end());
    for (auto a : subset)
      for (auto s : config.extra_seeds) items.push_back({a, s});
  }

  const nlohmann::json settings = {
      {"tabulation", 1},
      {"source", config.source},
      {"recipe", any_source.describe()},
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
  Journal journal(config.out + ".journal", settings);
  std::set<std::pair<spaces::ArchCode, std::int64_t>> done;
  for (const auto& r : journal.records()) done.emplace(r.at("arch").get<spaces::ArchCode>(), r.at("seed").get<std::int64_t>());
  std::vector<Item> todo;
  for (const auto& it : items)
    if (!done.count({it.arch, it.seed})) todo.push_back(it);
  // A seeded random order, so that a tabulation stopped early (--time-limit, a kill) holds a
  // uniform random sample of its work, extra seeds included, not the lowest codes. Each result
  // depends on its (arch, seed) only, so the order changes nothing else.
  spaces::Rng order_rng(spaces::mix_seed(config.selection_seed, 0x0D));
  for (std::size_t i = todo.size(); i > 1; --i)
    std::swap(todo[i - 1], todo[spaces::uniform_below(order_rng, i)]);

  TabulationProgress p;
  p.total = items.size();
  p.resumed = p.done = items.size() - todo.size();
  const auto started = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  if (progress) progress(p);
  std::mutex progress_mutex;
  std::atomic<bool> out_of_time{false};
  const int workers = config.workers > 0 ? config.workers : static_cast<int>(std::thread::hardware_concurrency());
  tbb::task_arena arena(std::max(workers, 1));
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, todo.size(), std::size_t{1}, [&](std::size_t i) {
      if (config.time_limit_s > 0 && elapsed() > config.time_limit_s) out_of_time = true;
      if (out_of_time) return;
      const auto& it = todo[i];
      spaces::Rng rng(spaces::mix_seed(static_cast<std::uint64_t>(it.seed), it.arch));
      const auto curve = sources.at(it.seed)->observe(it.arch, epochs, needs(epochs), rng);
      journal.add_record(to_record(it, curve));
      std::lock_guard<std::mutex> lock(progress_mutex);
      ++p.done;
      p.elapsed_s = elapsed();
      if (progress) progress(p);
    }, tbb::simple_partitioner());
  });
  journal.restore_if_replaced();

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
  const bool complete = done.size() + (p.done - p.resumed) == items.size();
  auto& meta = builder.meta();
  meta = config.meta;
  meta["source"] = "nas-bench tabulate";
  meta["recipe"] = any_source.describe();
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
  meta["machine"] = machine_description();
  meta["software"] = std::string("nas-run 0.1.0, ") + "compiler " + __VERSION__;
  builder.write(config.out);
  return {p.done - p.resumed, items.size(), p.resumed, complete};
}

}  // namespace nasrun::experiment
