#include "search/multi_fidelity.hpp"

#include <algorithm>
#include <cmath>

#include "search/warmup.hpp"

namespace nasrun::search {

bool is_multi_fidelity(const std::string& name) {
  return multi_fidelity_strategy_registry().contains(name);
}

std::vector<std::pair<std::string, std::string>> all_strategies() {
  auto out = strategy_registry().list();
  for (auto& entry : multi_fidelity_strategy_registry().list()) out.push_back(std::move(entry));
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<Job> SingleFidelityJobs::ask() {
  return Job{next_trial_++, strategy_.ask(), Job::kEstimatorEpochs};
}

void SingleFidelityJobs::tell(const Job& job, double score) { strategy_.tell(job.arch, score); }

void check_strategy_name(const std::string& name) {
  if (strategy_registry().contains(name) || is_multi_fidelity(name)) return;
  std::vector<std::string> names;
  for (const auto& [n, description] : all_strategies()) names.push_back(n);
  throw unknown_name("strategy", name, names);
}

std::unique_ptr<MultiFidelityStrategy> make_job_strategy(const std::string& name,
                                                         const StrategyContext& ctx) {
  check_strategy_name(name);
  if (ctx.warmup_sample > 0)
    return std::make_unique<WarmupStart>(ctx, [name](const StrategyContext& after) {
      return make_job_strategy(name, after);
    });
  if (!is_multi_fidelity(name)) {
    return std::make_unique<SingleFidelityJobs>(make_strategy(name, ctx));
  }
  if (!ctx.space) throw std::invalid_argument("strategy '" + name + "' needs a search space");
  check_fidelities(ctx.fidelity);
  return multi_fidelity_strategy_registry().at(name).factory(ctx);
}

bool takes_proxy_rungs(const std::string& name, spaces::SearchSpacePtr space) {
  StrategyContext ctx;
  ctx.space = std::move(space);
  ctx.fidelity = {1, 3, 3, 0, true};
  const auto job = make_job_strategy(name, ctx)->ask();
  return job && job->epochs == Job::kWarmupEpochs;
}

void check_fidelities(const Fidelities& f) {
  if (!(f.eta >= 2))
    throw std::invalid_argument("--eta must be at least 2 (each rung keeps 1/eta of the one "
                                "below), got " + std::to_string(f.eta));
  if (f.min_epochs < 1)
    throw std::invalid_argument("--min-epochs must be at least 1, got " +
                                std::to_string(f.min_epochs));
  if (f.min_epochs > f.max_epochs)
    throw std::invalid_argument("--min-epochs " + std::to_string(f.min_epochs) +
                                " is above --max-epochs " + std::to_string(f.max_epochs));
  if (f.brackets < 0)
    throw std::invalid_argument("--brackets must be 0 (all) or more, got " +
                                std::to_string(f.brackets));
}

int max_bracket(const Fidelities& f) {
  check_fidelities(f);
  // The largest s with min eta^s <= max; the tolerance keeps exact powers (81 = 3^4) exact.
  int s = 0;
  double reach = f.min_epochs * f.eta;
  while (reach <= f.max_epochs * (1 + 1e-9)) {
    ++s;
    reach *= f.eta;
  }
  return s;
}

namespace {

// Rung i of bracket s, in epochs: anchored at the maximum, unrounded.
double rung_budget(const Fidelities& f, int i, int s) {
  return f.max_epochs * std::pow(f.eta, i - s);
}

int whole_epochs(const Fidelities& f, double budget) {
  return std::clamp(static_cast<int>(std::lround(budget)), f.min_epochs, f.max_epochs);
}

}  // namespace

std::vector<int> rung_epochs(const Fidelities& f, int s) {
  std::vector<int> out;
  for (int i = 0; i <= s; ++i) out.push_back(whole_epochs(f, rung_budget(f, i, s)));
  return out;
}

std::vector<Bracket> hyperband_brackets(const Fidelities& f) {
  const int s_max = max_bracket(f);
  std::vector<Bracket> out;
  for (int s = s_max; s >= 0; --s) {
    Bracket bracket{s, {}};
    const auto n = static_cast<std::size_t>(
        std::ceil((s_max + 1) * std::pow(f.eta, s) / (s + 1) * (1 - 1e-12)));
    for (int i = 0; i <= s; ++i) {
      Rung rung;
      rung.budget = rung_budget(f, i, s);
      rung.epochs = whole_epochs(f, rung.budget);
      rung.configurations = static_cast<std::size_t>(
          std::floor(static_cast<double>(n) * std::pow(f.eta, -i) * (1 + 1e-12)));
      bracket.rungs.push_back(rung);
    }
    out.push_back(std::move(bracket));
  }
  return out;
}

}  // namespace nasrun::search
