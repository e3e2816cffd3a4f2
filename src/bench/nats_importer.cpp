#include "bench/nats_importer.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "bench/nb201_csv.hpp"
#include "bench/pickle_reader.hpp"
#include "spaces/nats_sss.hpp"
#include "spaces/nb201.hpp"

namespace nasrun::bench {

namespace {

namespace fs = std::filesystem;

// The two official archives: one container, different spaces and schedules.
struct ArchiveKind {
  const char* what;       // for messages: "NATS-Bench topology archive"
  const char* space;      // the registered space whose strings the archive's meta lists
  const char* described;  // that space in words
  const char* schedules;  // the schedules of every architecture file
  std::string (*shape_error)(const spaces::SearchSpace&);
};

const std::array<ArchiveKind, 2> kArchiveKinds = {{
    {kNatsTopologySource, "nb201",
     "NAS-Bench-201 cells, e.g. |nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|none~1|none~2|",
     "'12', '200'", spaces::Nb201Space::shape_error},
    {kNatsSizeSource, "nats-sss", "five channel counts, e.g. 8:8:8:16:32", "'01', '12', '90'",
     spaces::NatsSssSpace::shape_error},
}};

// Where in a pickle a value sits, for error messages.
struct Place {
  std::string file;
  std::string path;
  Place operator/(const std::string& key) const { return {file, path + " -> " + key}; }
  [[noreturn]] void fail(const std::string& msg) const {
    throw FormatError(file + ": " + (path.empty() ? "" : path.substr(4) + ": ") + msg);
  }
};

const PyValue& field(const PyValue& v, const std::string& key, const Place& at) {
  if (!v.is_dict()) at.fail("expected a dict, found " + v.describe());
  const PyValue* f = v.find(key);
  if (!f) at.fail("missing key '" + key + "'");
  return *f;
}

double number(const PyValue& v, const Place& at) {
  if (v.is_number()) return v.as_double();
  // NATS-Bench stores some latencies as a list of measurements: their mean.
  if (v.is_sequence() && !v.items.empty()) {
    double sum = 0;
    for (const auto& x : v.items) sum += number(x, at);
    return sum / static_cast<double>(v.items.size());
  }
  at.fail("expected a number, found " + v.describe());
}

// A number that must be a value of `m` (NaN, the mark of a missing value, passes).
double metric_value(const PyValue& v, Metric m, const Place& at) {
  const double x = number(v, at);
  if (const auto problem = value_error(m, x); !problem.empty()) at.fail(problem);
  return x;
}

// A cost, given in the file in units of 1 / `scale` (NATS-Bench counts parameters in millions).
double cost_value(const PyValue& v, Cost c, double scale, const Place& at) {
  const double x = number(v, at) * scale;
  if (const auto problem = value_error(c, x); !problem.empty()) at.fail(problem);
  return x;
}

// One (schedule, dataset, seed) training run: metric -> epoch (1-based) -> value.
struct RunData {
  int epochs = 0;
  std::map<Metric, std::map<int, double>> series;
  double params = NAN, flops = NAN, latency = NAN;
};

struct ArchData {
  bool present = false;
  // (schedule, dataset, seed) -> run
  std::map<std::tuple<std::string, std::string, std::int64_t>, RunData> runs;
};

void read_epoch_dict(const PyValue& d, Metric m, RunData& run, const Place& at) {
  if (!d.is_dict()) at.fail("expected a dict of epoch -> value, found " + d.describe());
  for (const auto& [k, v] : d.dict) {
    if (k.kind != PyValue::Kind::Int || k.i < 0 || k.i >= run.epochs)
      at.fail("expected epoch keys 0.." + std::to_string(run.epochs - 1) + ", found " + k.describe());
    run.series[m][static_cast<int>(k.i) + 1] = metric_value(v, m, at / std::to_string(k.i));
  }
}

// Per evaluation set (x-valid, x-test, ori-test): epoch (1-based) -> value.
using EvalSeries = std::array<std::map<int, double>, 3>;

// eval_* dicts are keyed 'NAME@EPOCH'; the values of each set are checked as values of its
// metric in `as`.
EvalSeries read_eval_dict(const PyValue& d, int epochs, const std::array<Metric, 3>& as,
                          const Place& at) {
  if (!d.is_dict()) at.fail("expected a dict of 'name@epoch' -> value, found " + d.describe());
  EvalSeries out;
  for (const auto& [k, v] : d.dict) {
    if (!k.is_string()) at.fail("expected 'name@epoch' keys, found " + k.describe());
    const auto atpos = k.s.rfind('@');
    int epoch = -1;
    try {
      std::size_t used = 0;
      if (atpos != std::string::npos) epoch = std::stoi(k.s.substr(atpos + 1), &used);
      if (used != k.s.size() - atpos - 1) epoch = -1;
    } catch (const std::exception&) {
      epoch = -1;
    }
    if (epoch < 0 || epoch >= epochs)
      at.fail("key '" + k.s + "' is not of the form name@epoch with epoch in 0.." +
              std::to_string(epochs - 1));
    const auto name = k.s.substr(0, atpos);
    std::size_t set;
    if (name == "x-valid") set = 0;
    else if (name == "x-test") set = 1;
    else if (name == "ori-test") set = 2;
    else at.fail("unknown evaluation set '" + name + "' (expected x-valid, x-test or ori-test)");
    out[set][epoch + 1] = metric_value(v, as[set], at / k.s);
  }
  return out;
}

ArchData read_arch_file(const std::string& path, std::size_t index, const std::string& arch,
                        const ArchiveKind& kind) {
  const std::string name = fs::path(path).filename().string();
  PyValue top;
  try {
    top = read_pickle_bz2_file(path);
  } catch (const PickleError& e) {
    throw FormatError(e.what());
  }
  const Place root{path, ""};
  if (!top.is_dict())
    root.fail(std::string("expected a dict of schedules (") + kind.schedules + "), found " +
              top.describe());
  ArchData data;
  data.present = true;
  for (const auto& [schedule_key, r] : top.dict) {
    if (!schedule_key.is_string()) root.fail("expected schedule names as keys, found " + schedule_key.describe());
    const auto& schedule = schedule_key.s;
    const Place at = root / ("'" + schedule + "'");
    const auto& index_v = field(r, "arch_index", at);
    if (index_v.kind != PyValue::Kind::Int || index_v.i != static_cast<std::int64_t>(index))
      at.fail("arch_index is " + index_v.describe() + (index_v.kind == PyValue::Kind::Int ? " " + std::to_string(index_v.i) : "") +
              ", expected " + std::to_string(index) + " (the file's name)");
    const auto& arch_v = field(r, "arch_str", at);
    if (!arch_v.is_string() || arch_v.s != arch)
      at.fail("arch_str '" + (arch_v.is_string() ? arch_v.s : arch_v.describe()) +
              "' differs from meta_archs[" + std::to_string(index) + "] '" + arch + "'");
    const auto& all = field(r, "all_results", at / "all_results");
    if (!all.is_dict()) (at / "all_results").fail("expected a dict, found " + all.describe());
    for (const auto& [key, res] : all.dict) {
      if (key.kind != PyValue::Kind::Tuple || key.items.size() != 2 || !key.items[0].is_string() ||
          key.items[1].kind != PyValue::Kind::Int)
        (at / "all_results").fail("expected (dataset, seed) keys, found " + key.describe());
      const auto& dataset = key.items[0].s;
      const auto seed = key.items[1].i;
      if (const auto problem = nb201_dataset_error(dataset); !problem.empty())
        (at / "all_results").fail("dataset " + problem);
      const Place rp = at / ("all_results[('" + dataset + "', " + std::to_string(seed) + ")]");
      RunData run;
      const auto& epochs_v = field(res, "epochs", rp);
      if (epochs_v.kind != PyValue::Kind::Int || epochs_v.i < 1 || epochs_v.i > 100000)
        rp.fail("epochs is " + epochs_v.describe() + ", expected a positive integer");
      run.epochs = static_cast<int>(epochs_v.i);
      read_epoch_dict(field(res, "train_losses", rp), Metric::TrainLoss, run, rp / "train_losses");
      read_epoch_dict(field(res, "train_acc1es", rp), Metric::TrainAcc, run, rp / "train_acc1es");
      read_epoch_dict(field(res, "train_times", rp), Metric::TrainTime, run, rp / "train_times");
      for (const auto& [key, metrics] :
           {std::pair{"eval_acc1es", std::array{Metric::ValidAcc, Metric::TestAcc, Metric::OriTestAcc}},
            std::pair{"eval_losses", std::array{Metric::ValidLoss, Metric::TestLoss, Metric::OriTestLoss}}}) {
        auto sets = read_eval_dict(field(res, key, rp), run.epochs, metrics, rp / key);
        for (std::size_t i = 0; i < sets.size(); ++i)
          if (!sets[i].empty()) run.series[metrics[i]] = std::move(sets[i]);
      }
      // The time of each epoch's validation pass: x-valid where recorded, else ori-test.
      const auto times = read_eval_dict(field(res, "eval_times", rp), run.epochs,
                                        {Metric::EvalTime, Metric::EvalTime, Metric::EvalTime},
                                        rp / "eval_times");
      auto& eval_time = run.series[Metric::EvalTime];
      eval_time = times[2];
      for (const auto& [e, v] : times[0]) eval_time[e] = v;
      // NATS-Bench gives parameters and FLOPs in millions.
      run.params = cost_value(field(res, "params", rp), Cost::Params, 1e6, rp / "params");
      run.flops = cost_value(field(res, "flop", rp), Cost::Flops, 1e6, rp / "flop");
      run.latency = cost_value(field(res, "latency", rp), Cost::Latency, 1, rp / "latency");
      data.runs[{schedule, dataset, seed}] = std::move(run);
    }
  }
  // An entry without results is a damaged file, not an imported architecture.
  if (data.runs.empty())
    root.fail(std::string("holds no training results (expected schedules ") + kind.schedules +
              ", each with all_results of (dataset, seed) runs)");
  return data;
}

// The architecture strings of an archive's meta.pickle.pbz2 in index order, and the archive's
// kind, recognised by the form of its first string.
struct Meta {
  const ArchiveKind* kind = nullptr;
  std::vector<std::string> archs;
};

Meta read_meta(const std::string& dir) {
  const auto meta_path = (fs::path(dir) / "meta.pickle.pbz2").string();
  if (!fs::is_directory(dir))
    throw FormatError("'" + dir + "' is not a folder (expected a NATS-Bench archive)");
  if (!fs::exists(meta_path))
    throw FormatError(meta_path + ": missing (a NATS-Bench archive folder holds meta.pickle.pbz2)");
  PyValue meta;
  try {
    meta = read_pickle_bz2_file(meta_path);
  } catch (const PickleError& e) {
    throw FormatError(e.what());
  }
  const Place mp{meta_path, ""};
  const auto& archs_v = field(meta, "meta_archs", mp);
  if (!archs_v.is_sequence()) (mp / "meta_archs").fail("expected a list of architecture strings");
  Meta out;
  for (std::size_t i = 0; i < archs_v.items.size(); ++i) {
    const auto& a = archs_v.items[i];
    if (!a.is_string()) (mp / "meta_archs").fail("entry " + std::to_string(i) + " is " + a.describe());
    out.archs.push_back(a.s);
  }
  if (out.archs.empty()) (mp / "meta_archs").fail("the list is empty");
  std::string forms;
  for (const auto& kind : kArchiveKinds) {
    try {
      spaces::make_search_space(kind.space)->parse(out.archs.front());
      out.kind = &kind;
      return out;
    } catch (const spaces::ArchParseError&) {
      forms += std::string(forms.empty() ? "" : ", nor ") + "a string of space '" + kind.space +
               "' (" + kind.described + ")";
    }
  }
  (mp / "meta_archs").fail("entry 0 '" + out.archs.front().substr(0, 60) + "' is neither " + forms);
}

}  // namespace

std::string nats_archive_space(const std::string& dir) { return read_meta(dir).kind->space; }

BenchmarkBuilder import_nats_archive(const spaces::SearchSpacePtr& space, const std::string& dir,
                                     NatsImportReport* report) {
  // The space is checked before any file is read: one of neither archive's shape is the
  // caller's mistake whatever the folder holds.
  const auto fitted = std::find_if(kArchiveKinds.begin(), kArchiveKinds.end(), [&](const auto& k) {
    return k.shape_error(*space).empty();
  });
  if (fitted == kArchiveKinds.end()) {
    std::string why;
    for (const auto& k : kArchiveKinds) why += "; " + k.shape_error(*space);
    throw std::invalid_argument("a NATS-Bench archive cannot fill space '" + space->name() + "'" +
                                why);
  }
  const auto meta = read_meta(dir);
  const auto& kind = *meta.kind;
  if (&kind != &*fitted)
    throw std::invalid_argument("'" + dir + "' is a " + kind.what +
                                " (its meta.pickle.pbz2 lists architectures of space '" +
                                kind.space + "': " + kind.described + ") and cannot fill space '" +
                                space->name() + "', which has the shape of a " + fitted->what +
                                " (space '" + fitted->space + "')");
  const auto& strings = meta.archs;
  std::vector<ArchCode> codes;
  const Place mp{(fs::path(dir) / "meta.pickle.pbz2").string(), ""};
  for (std::size_t i = 0; i < strings.size(); ++i) {
    try {
      codes.push_back(space->parse(strings[i]));
    } catch (const spaces::ArchParseError& e) {
      (mp / "meta_archs").fail("entry " + std::to_string(i) + " '" + strings[i].substr(0, 60) +
                               "' is not an architecture of space '" + space->name() + "': " + e.what());
    }
  }

  // Read every architecture file in parallel; each lands in its own slot.
  std::vector<ArchData> archs(codes.size());
  tbb::parallel_for(std::size_t{0}, codes.size(), [&](std::size_t i) {
    char name[32];
    std::snprintf(name, sizeof name, "%06zu.pickle.pbz2", i);
    const auto path = (fs::path(dir) / name).string();
    if (fs::exists(path)) archs[i] = read_arch_file(path, i, strings[i], kind);
  });

  NatsImportReport rep;
  rep.expected = codes.size();
  // Tables: (schedule, dataset) -> seeds and epochs.
  std::map<std::pair<std::string, std::string>, std::set<std::int64_t>> seeds;
  std::map<std::pair<std::string, std::string>, int> epochs;
  for (std::size_t i = 0; i < archs.size(); ++i) {
    if (!archs[i].present) {
      rep.missing.push_back(i);
      continue;
    }
    ++rep.imported;
    for (const auto& [key, run] : archs[i].runs) {
      const auto& [schedule, dataset, seed] = key;
      const auto table = std::make_pair(schedule, dataset);
      seeds[table].insert(seed);
      auto [it, inserted] = epochs.emplace(table, run.epochs);
      if (!inserted && it->second != run.epochs)
        throw FormatError(dir + ": schedule '" + schedule + "' of " + dataset + " has " +
                          std::to_string(run.epochs) + " epochs for architecture " +
                          std::to_string(i) + " but " + std::to_string(it->second) + " elsewhere");
    }
  }
  if (rep.imported == 0)
    throw FormatError(dir + ": none of the " + std::to_string(codes.size()) +
                      " architecture files ({index:06d}.pickle.pbz2) is there");

  BenchmarkBuilder builder(space->name(), codes);
  builder.meta()["source"] = kind.what;
  builder.meta()["folder"] = dir;
  builder.meta()["architectures_imported"] = rep.imported;
  builder.meta()["architectures_missing"] = rep.missing.size();
  for (const auto& [table, s] : seeds) {
    const int n = epochs[table];
    // The truth is the test split at the last epoch where the data has one.
    bool has_test = false, has_ori = false;
    for (const auto& a : archs)
      for (const auto& entry : a.runs) {
        // Not a structured binding: C++17 lambdas cannot capture one (clang rejects it).
        const auto& key = entry.first;
        const auto& run = entry.second;
        if (std::get<0>(key) == table.first && std::get<1>(key) == table.second) {
          auto has_final = [&](Metric m) {
            auto it = run.series.find(m);
            return it != run.series.end() && it->second.count(n);
          };
          has_test |= has_final(Metric::TestAcc);
          has_ori |= has_final(Metric::OriTestAcc);
        }
      }
    std::vector<int> all_epochs(static_cast<std::size_t>(n));
    for (int e = 1; e <= n; ++e) all_epochs[static_cast<std::size_t>(e - 1)] = e;
    builder.add_table(table.second, table.first, n, all_epochs, {s.begin(), s.end()},
                      has_test ? Metric::TestAcc : has_ori ? Metric::OriTestAcc : Metric::ValidAcc);
  }
  for (std::size_t i = 0; i < archs.size(); ++i)
    for (const auto& entry : archs[i].runs) {
      const auto& run = entry.second;  // not a structured binding: the lambdas below capture it
      const auto& [schedule, dataset, seed] = entry.first;
      auto& t = *builder.find_table(dataset, schedule);
      const int slot = t.slot_of_seed(seed);
      t.mark_present(i, slot);
      for (const auto& [m, values] : run.series)
        for (const auto& [e, v] : values) t.set(m, i, slot, e, v);
      // Per-architecture costs from the first seed that records them; mean epoch times.
      auto first = [&](Cost c, double v) {
        const auto& col = t.costs[static_cast<int>(c)];
        if (!std::isnan(v) && (col.empty() || std::isnan(col[i]))) t.set_cost(c, i, v);
      };
      first(Cost::Params, run.params);
      first(Cost::Flops, run.flops);
      first(Cost::Latency, run.latency);
      auto mean_of = [&](Metric m) {
        auto it = run.series.find(m);
        if (it == run.series.end() || it->second.empty()) return std::nan("");
        double sum = 0;
        for (const auto& [e, v] : it->second) sum += v;
        return sum / static_cast<double>(it->second.size());
      };
      first(Cost::EpochTrainTime, mean_of(Metric::TrainTime));
      first(Cost::EpochEvalTime, mean_of(Metric::EvalTime));
    }
  if (report) *report = rep;
  return builder;
}

}  // namespace nasrun::bench
