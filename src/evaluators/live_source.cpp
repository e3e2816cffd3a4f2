#include "evaluators/live_source.hpp"

#include <cmath>
#include <filesystem>
#include <limits>
#include <sstream>

#include "common/numbers.hpp"
#include "evaluators/live_proxies.hpp"
#include "evaluators/plugin_source.hpp"

namespace nasrun::evaluators::live {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

[[noreturn]] void bad(const std::string& key, const std::string& value, const std::string& expected) {
  throw std::invalid_argument("live source option " + key + "='" + value + "': expected " +
                              expected);
}

std::string text_of(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

long long parse_int(const std::string& key, const std::string& s, long long lo, long long hi) {
  const auto v = common::parse_decimal_integer(s);
  if (!v || *v < lo || *v > hi)
    bad(key, s, "an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return *v;
}

double parse_double(const std::string& key, const std::string& s, double lo, double hi,
                    bool lo_open) {
  const auto v = common::parse_decimal_real(s);
  std::ostringstream range;
  range << "a number in " << (lo_open ? "(" : "[") << lo << ", " << hi << "]";
  if (!v || *v < lo || (lo_open && *v == lo) || *v > hi) bad(key, s, range.str());
  return *v;
}

bool parse_bool(const std::string& key, const std::string& s) {
  if (s == "true" || s == "1" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "0" || s == "no" || s == "off") return false;
  bad(key, s, "true or false");
}

std::string canonical_dataset(const std::string& name) {
  if (name == "fashion-mnist" || name == "fashion_mnist" || name == "fmnist") return "fashion-mnist";
  if (name == "cifar10" || name == "cifar10-valid") return "cifar10";
  throw std::invalid_argument("the live source trains on fashion-mnist or cifar10 (cifar10-valid), "
                              "not '" + name + "'");
}

// Sources with the same data options share one copy of the data.
std::shared_ptr<const DataSplits> shared_data(const DataOptions& o) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<const DataSplits>> cache;
  const std::string key = o.dataset + "|" + o.data_dir + "|" + std::to_string(o.image_size) + "|" +
                          std::to_string(o.train_subset) + "|" + std::to_string(o.valid_subset) +
                          "|" + std::to_string(o.test_subset) + "|" + std::to_string(o.split_seed);
  std::lock_guard<std::mutex> lock(mutex);
  if (auto d = cache[key].lock()) return d;
  auto d = std::make_shared<const DataSplits>(load_data(o));
  cache[key] = d;
  return d;
}

bool asks_for_test(const std::vector<CurveNeed>& needs) {
  for (const auto& need : needs)
    if (need.metric == Metric::TestLoss || need.metric == Metric::TestAcc ||
        need.metric == Metric::OriTestLoss || need.metric == Metric::OriTestAcc)
      return true;
  return false;
}

// The curve of what `r` trained toward `epochs` of a `schedule_epochs` schedule. Throws
// bench::MissingDataError when a need cannot be met (unless the training diverged).
Curve curve_of(const TrainResult& r, int schedule_epochs, int epochs,
               const std::vector<CurveNeed>& needs) {
  const bool wants_test = asks_for_test(needs);
  Curve c;
  c.schedule_epochs = schedule_epochs;
  c.epochs_trained = static_cast<int>(r.epochs.size());
  c.diverged = r.diverged;
  c.params = static_cast<double>(r.parameters);
  const auto n = r.epochs.size();
  for (auto& s : c.series) s.assign(n, kNaN);
  auto set = [&](Metric m, std::size_t t, double v) { c.series[static_cast<int>(m)][t] = v; };
  for (std::size_t t = 0; t < n; ++t) {
    const auto& e = r.epochs[t];
    set(Metric::TrainLoss, t, e.train_loss);
    set(Metric::TrainAcc, t, e.train_acc);
    set(Metric::ValidLoss, t, e.valid_loss);
    set(Metric::ValidAcc, t, e.valid_acc);
    set(Metric::TrainTime, t, e.train_time_s);
    set(Metric::EvalTime, t, e.eval_time_s);
    c.train_time_s.push_back(e.train_time_s);
    c.eval_time_s.push_back(e.eval_time_s);
  }
  if (n > 0 && wants_test) {
    set(Metric::TestLoss, n - 1, r.test_loss);
    set(Metric::TestAcc, n - 1, r.test_acc);
    set(Metric::OriTestLoss, n - 1, r.test_loss);
    set(Metric::OriTestAcc, n - 1, r.test_acc);
  }
  if (!c.diverged)
    for (const auto& need : needs)
      for (int t = need.first_epoch; t <= need.last_epoch; ++t)
        if (std::isnan(c.at(need.metric, t)))
          throw bench::MissingDataError(
              std::string("the live source cannot provide ") + bench::metric_name(need.metric) +
              " at epoch " + std::to_string(t) + " of " + std::to_string(epochs) +
              " trained (test metrics exist only after the last epoch trained)");
  return c;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& LiveOptions::keys() {
  static const std::vector<std::pair<std::string, std::string>> k = {
      {"dataset", "fashion-mnist | cifar10 (default: --dataset, else fashion-mnist)"},
      {"data_dir", "folder of the dataset files (fashion-mnist: /usr/share/datasets/fashion-mnist)"},
      {"epochs", "T_end, the schedule's length (200 for cifar10, 20 for fashion-mnist)"},
      {"channels", "C, channels of the first stage (16)"},
      {"cells", "N, cells per stage of NAS-Bench-201's network (5)"},
      {"image_size", "training resolution, a multiple of 4; 0 = native 28 or 32 (0)"},
      {"train_subset", "images of the training split used, 0 = all (0)"},
      {"valid_subset", "images of the validation split used, 0 = all (0)"},
      {"test_subset", "images of the test split used, 0 = all (0)"},
      {"split_seed", "seed of the train/validation split and the subsets (0)"},
      {"batch", "training batch size (256)"},
      {"eval_batch", "evaluation batch size (1024)"},
      {"lr", "initial learning rate, cosine-annealed to 0 over T_end (0.1)"},
      {"momentum", "SGD momentum (0.9)"},
      {"nesterov", "Nesterov momentum (true)"},
      {"weight_decay", "weight decay (5e-4)"},
      {"augment", "random crop + flip (true for cifar10, false for fashion-mnist)"},
      {"device", "cpu | cuda | cuda:K, CUDA device K (cpu)"},
      {"threads", "LibTorch intra-op threads per training (1)"},
      {"truth", "full: final test error from a T_end-epoch run with the truth seed; "
                "none: NaN (no truth runs) (full)"},
      {"kept_memory_mb", "memory that trainings kept between the rungs of multi-fidelity "
                         "searches may hold, in MiB; beyond it the least recently used are "
                         "spilled to files (1024)"},
      {"kept_dir", "existing folder in which a folder of spilled trainings is made "
                   "(the system's temporary folder)"},
      {"proxy_batch", "images of the minibatch the zero-cost proxies see (64)"},
  };
  return k;
}

LiveOptions LiveOptions::parse(const nlohmann::json& extra, const std::string& dataset,
                               const std::string& schedule) {
  if (!extra.is_null() && !extra.is_object())
    throw std::invalid_argument("live source options must be a JSON object, got " + extra.dump());
  std::map<std::string, std::string> values;
  if (extra.is_object())
    for (const auto& [key, value] : extra.items()) {
      bool known = false;
      for (const auto& k : keys()) known = known || k.first == key;
      if (!known) {
        std::string all;
        for (const auto& k : keys()) all += (all.empty() ? "" : ", ") + k.first;
        throw std::invalid_argument("unknown live source option '" + key + "' (valid: " + all + ")");
      }
      values[key] = text_of(value);
    }

  LiveOptions o;
  // The dataset first: defaults depend on it.
  std::string name = dataset.empty() ? "" : canonical_dataset(dataset);
  if (values.count("dataset")) {
    const std::string opt = canonical_dataset(values["dataset"]);
    if (!name.empty() && opt != name)
      throw std::invalid_argument("live source option dataset='" + values["dataset"] +
                                  "' contradicts --dataset " + dataset);
    name = opt;
  }
  if (name.empty()) name = "fashion-mnist";
  o.data.dataset = name;
  const bool cifar = name == "cifar10";
  o.train.schedule_epochs = cifar ? 200 : 20;
  o.train.augment = cifar;
  o.network.input_channels = cifar ? 3 : 1;
  o.network.num_classes = 10;

  auto get = [&](const char* key) -> const std::string* {
    auto it = values.find(key);
    return it == values.end() ? nullptr : &it->second;
  };
  if (auto v = get("data_dir")) o.data.data_dir = *v;
  if (auto v = get("epochs")) o.train.schedule_epochs = static_cast<int>(parse_int("epochs", *v, 1, 100000));
  if (!schedule.empty()) {
    // A separate schedule of that many epochs (e.g. "12" for val-hp12).
    o.train.schedule_epochs = static_cast<int>(parse_int("schedule", schedule, 1, 100000));
  }
  if (auto v = get("channels")) o.network.channels = static_cast<int>(parse_int("channels", *v, 1, 1024));
  if (auto v = get("cells")) o.network.cells = static_cast<int>(parse_int("cells", *v, 0, 64));
  if (auto v = get("image_size")) {
    o.data.image_size = static_cast<int>(parse_int("image_size", *v, 0, 1024));
    if (o.data.image_size % 4 != 0 || (o.data.image_size > 0 && o.data.image_size < 4))
      bad("image_size", *v, "0 (native) or a multiple of 4 (the network halves the side twice)");
  }
  if (auto v = get("train_subset")) o.data.train_subset = static_cast<std::size_t>(parse_int("train_subset", *v, 0, 100000000));
  if (auto v = get("valid_subset")) o.data.valid_subset = static_cast<std::size_t>(parse_int("valid_subset", *v, 0, 100000000));
  if (auto v = get("test_subset")) o.data.test_subset = static_cast<std::size_t>(parse_int("test_subset", *v, 0, 100000000));
  if (auto v = get("split_seed")) o.data.split_seed = static_cast<std::uint64_t>(parse_int("split_seed", *v, 0, std::numeric_limits<long long>::max()));
  if (auto v = get("batch")) o.train.batch = static_cast<int>(parse_int("batch", *v, 2, 1000000));
  if (auto v = get("eval_batch")) o.train.eval_batch = static_cast<int>(parse_int("eval_batch", *v, 1, 1000000));
  if (auto v = get("lr")) o.train.lr = parse_double("lr", *v, 0, 1e12, true);
  if (auto v = get("momentum")) o.train.momentum = parse_double("momentum", *v, 0, 0.999999, false);
  if (auto v = get("nesterov")) o.train.nesterov = parse_bool("nesterov", *v);
  if (auto v = get("weight_decay")) o.train.weight_decay = parse_double("weight_decay", *v, 0, 1, false);
  if (auto v = get("augment")) o.train.augment = parse_bool("augment", *v);
  if (auto v = get("device")) {
    if (!is_device_name(*v)) bad("device", *v, "cpu, cuda or cuda:K (K = 0, 1, ...)");
    o.train.device = *v;
  }
  if (auto v = get("threads")) o.train.threads = static_cast<int>(parse_int("threads", *v, 1, 1024));
  if (auto v = get("truth")) {
    if (*v == "full") o.truth = Truth::Full;
    else if (*v == "none") o.truth = Truth::None;
    else bad("truth", *v, "full or none");
  }
  if (auto v = get("kept_memory_mb"))
    o.kept_memory_mb = static_cast<std::size_t>(parse_int("kept_memory_mb", *v, 0, 1000000000));
  if (auto v = get("kept_dir")) o.kept_dir = *v;
  if (auto v = get("proxy_batch"))
    o.proxy_batch = static_cast<int>(parse_int("proxy_batch", *v, 2, 1000000));
  if (o.train.nesterov && o.train.momentum == 0)
    throw std::invalid_argument("live source: nesterov=true needs momentum > 0 (set nesterov=false)");
  o.network.validate();
  o.train.validate();
  return o;
}

std::string LiveOptions::describe() const {
  std::ostringstream s;
  s << "C=" << network.channels << " N=" << network.cells << ", T_end " << train.schedule_epochs
    << ", batch " << train.batch << ", lr " << train.lr << " cosine/iteration, momentum "
    << train.momentum << (train.nesterov ? " (Nesterov)" : "") << ", wd " << train.weight_decay
    << (train.augment ? ", crop+flip" : "") << ", " << train.device << " x" << train.threads
    << " thread" << (train.threads == 1 ? "" : "s") << ", truth "
    << (truth == Truth::Full ? "full" : "none");
  return s.str();
}

LiveCurveSource::LiveCurveSource(spaces::SearchSpacePtr space, LiveOptions options,
                                 bench::SeedPolicy data_seeds, bench::SeedPolicy truth_seeds)
    : space_(std::move(space)), options_(std::move(options)), data_seeds_(data_seeds) {
  if (!space_) space_ = spaces::make_search_space("nb201");
  network_builder_ = network_builder(space_->name());
  if (data_seeds_.kind == bench::SeedPolicy::Kind::Mean)
    throw std::invalid_argument("the live source trains one seed per evaluation: --data-seed must "
                                "be 'random' or a seed, not 'mean'");
  if (truth_seeds.kind == bench::SeedPolicy::Kind::Random)
    throw std::invalid_argument("the truth seed must be 'mean' or a fixed seed, not 'random'");
  truth_seed_ = truth_seeds.kind == bench::SeedPolicy::Kind::Fixed
                    ? static_cast<std::uint64_t>(truth_seeds.seed)
                    : 0;
  check_device(options_.train.device);
  if (!options_.kept_dir.empty() && !std::filesystem::is_directory(options_.kept_dir))
    bad("kept_dir", options_.kept_dir, "an existing folder");
  data_ = shared_data(options_.data);
  kept_ = std::make_shared<KeptTrainings>(options_.kept_memory_mb << 20, options_.kept_dir);
}

std::string LiveCurveSource::describe() const {
  return "live " + data_->description + ", " + options_.describe() + " (truth seed " +
         std::to_string(truth_seed_) + "), data seed " + data_seeds_.to_string();
}

void LiveCurveSource::check_observation(ArchCode arch, int epochs) const {
  space_->check(arch);
  if (epochs < 1 || epochs > schedule_epochs())
    throw std::invalid_argument("live source: cannot train " + std::to_string(epochs) +
                                " epochs of a " + std::to_string(schedule_epochs()) +
                                "-epoch schedule");
}

std::uint64_t LiveCurveSource::training_seed(Rng& rng) const {
  return data_seeds_.kind == bench::SeedPolicy::Kind::Fixed
             ? static_cast<std::uint64_t>(data_seeds_.seed)
             : rng();
}

Curve LiveCurveSource::observe(ArchCode arch, int epochs, const std::vector<CurveNeed>& needs,
                               Rng& rng) {
  check_observation(arch, epochs);
  TrainRequest request;
  request.epochs = epochs;
  request.seed = training_seed(rng);
  request.evaluate_valid = true;
  request.evaluate_test = asks_for_test(needs);
  const auto r = train(network_builder_, options_.network, space_->decode(arch), *data_,
                       options_.train, request);
  return curve_of(r, schedule_epochs(), epochs, needs);
}

Curve LiveCurveSource::observe_continuing(ArchCode arch, int epochs,
                                          const std::vector<CurveNeed>& needs, Rng& rng,
                                          std::unique_ptr<KeptTraining>& kept) {
  check_observation(arch, epochs);
  if (!kept) {
    auto training = std::make_unique<Training>(network_builder_, options_.network,
                                               space_->decode(arch), *data_, options_.train,
                                               training_seed(rng));
    Curve curve = curve_of(training->advance(epochs, true, asks_for_test(needs)),
                           schedule_epochs(), epochs, needs);
    auto fresh = std::make_unique<KeptLiveTraining>(kept_, data_, arch, std::move(training));
    kept_->check_in(*fresh);
    kept = std::move(fresh);
    return curve;
  }
  auto* continued = dynamic_cast<KeptLiveTraining*>(kept.get());
  if (!continued || &continued->store() != kept_.get())
    throw std::logic_error("kept training state made by another source");
  if (continued->arch() != arch)
    throw std::logic_error("a kept training of architecture " + std::to_string(continued->arch()) +
                           " cannot continue as architecture " + std::to_string(arch));
  if (epochs <= continued->epochs)
    throw std::logic_error("a kept training of " + std::to_string(continued->epochs) +
                           " epochs cannot continue to epoch " + std::to_string(epochs));
  Training& training = kept_->check_out(*continued);
  Curve curve;
  try {
    curve = curve_of(training.advance(epochs, true, asks_for_test(needs)), schedule_epochs(),
                     epochs, needs);
  } catch (...) {
    kept_->check_in(*continued);
    throw;
  }
  continued->epochs = curve.epochs_trained;
  kept_->check_in(*continued);
  return curve;
}

ProxyValues LiveCurveSource::observe_proxies(ArchCode arch, const std::vector<Proxy>& proxies,
                                             Rng& rng) {
  space_->check(arch);
  return compute_proxies(network_builder_, options_.network, space_->decode(arch), *data_,
                         options_.proxy_batch, training_seed(rng), proxies);
}

double LiveCurveSource::final_test_error(ArchCode arch) {
  if (options_.truth == LiveOptions::Truth::None) return kNaN;
  space_->check(arch);
  std::shared_future<double> future;
  std::promise<double> promise;
  bool mine = false;
  {
    std::lock_guard<std::mutex> lock(truth_mutex_);
    auto it = truth_.find(arch);
    if (it == truth_.end()) {
      future = promise.get_future().share();
      truth_.emplace(arch, future);
      mine = true;
    } else {
      future = it->second;
    }
  }
  if (mine) {
    try {
      TrainRequest request;
      request.epochs = schedule_epochs();
      request.seed = truth_seed_;
      request.evaluate_valid = false;
      request.evaluate_test = true;
      const auto r = train(network_builder_, options_.network, space_->decode(arch), *data_,
                           options_.train, request);
      promise.set_value(r.diverged ? kNaN : 100.0 - r.test_acc);
    } catch (...) {
      promise.set_exception(std::current_exception());
    }
  }
  return future.get();
}

}  // namespace nasrun::evaluators::live

extern "C" const nasrun::evaluators::CurveSourceFactory* nasrun_live_source_factory() {
  using namespace nasrun::evaluators;
  static const CurveSourceFactory factory =
      [](const SourceOptions& o) -> std::shared_ptr<LearningCurveSource> {
    return std::make_shared<live::LiveCurveSource>(
        o.space, live::LiveOptions::parse(o.extra, o.dataset, o.schedule), o.data_seeds,
        o.truth_seeds);
  };
  return &factory;
}

extern "C" int nasrun_live_cuda_device_count() { return nasrun::evaluators::live::cuda_device_count(); }
