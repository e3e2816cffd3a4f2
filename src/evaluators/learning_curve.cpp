#include "evaluators/learning_curve.hpp"

namespace nasrun::evaluators {

double Curve::at(Metric m, int epoch) const {
  const auto& s = series[static_cast<int>(m)];
  if (s.empty())
    throw std::logic_error(std::string("curve holds no ") + bench::metric_name(m) +
                           " (the estimator did not ask for it)");
  if (epoch < 1 || static_cast<std::size_t>(epoch) > s.size())
    return std::numeric_limits<double>::quiet_NaN();
  return s[static_cast<std::size_t>(epoch - 1)];
}

namespace {

// The default kept state: the seed of the trial's own generator, which replays the draws of its
// first observation at every later one (8 bytes kept, where the generator itself holds 2.5 KB).
struct ReplayedDraws : KeptTraining {
  explicit ReplayedDraws(std::uint64_t seed) : seed(seed) {}
  std::uint64_t seed;
};

}  // namespace

Curve LearningCurveSource::observe_continuing(ArchCode arch, int epochs,
                                              const std::vector<CurveNeed>& needs, Rng& rng,
                                              std::unique_ptr<KeptTraining>& kept) {
  if (!kept) kept = std::make_unique<ReplayedDraws>(rng());
  auto* replay = dynamic_cast<ReplayedDraws*>(kept.get());
  if (!replay) throw std::logic_error("kept training state made by another source");
  Rng draws(replay->seed);
  Curve curve = observe(arch, epochs, needs, draws);
  replay->epochs = curve.epochs_trained;
  return curve;
}

void LearningCurveSource::check_serves_proxies(const std::vector<Proxy>& proxies) const {
  if (proxies.empty()) return;
  throw bench::MissingDataError("the curve source " + describe() +
                                " has no zero-cost proxies (asked for " +
                                bench::proxy_name(proxies.front()) + ")");
}

ProxyValues LearningCurveSource::observe_proxies(ArchCode arch, const std::vector<Proxy>& proxies,
                                                 Rng& rng) {
  (void)arch;
  (void)rng;
  check_serves_proxies(proxies);
  return {};
}

Curve observe_for(LearningCurveSource& source, ArchCode arch, int epochs,
                  const std::vector<CurveNeed>& needs, const std::vector<Proxy>& proxies, Rng& rng) {
  if (proxies.empty()) return source.observe(arch, epochs, needs, rng);
  Curve curve;
  curve.schedule_epochs = source.schedule_epochs();
  curve.proxies = source.observe_proxies(arch, proxies, rng);
  return curve;
}

std::shared_ptr<LearningCurveSource> SourcesBySchedule::at(const std::string& schedule) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (const auto failed = failures_.find(schedule); failed != failures_.end())
    std::rethrow_exception(failed->second);
  auto& slot = sources_[schedule];
  if (!slot) {
    try {
      slot = make_(schedule);
    } catch (...) {
      sources_.erase(schedule);
      failures_[schedule] = std::current_exception();
      throw;
    }
  }
  return slot;
}

}  // namespace nasrun::evaluators
