// The complete example of docs/adding-a-strategy.md's multi-fidelity section, which quotes
// this file verbatim between the markers: it is compiled, registered and run here.
#include <catch2/catch.hpp>

#include "common/file_io.hpp"
#include "run/search_run.hpp"
#include "test_support.hpp"

// example begins
// Best of eta: trials start at --min-epochs in groups of eta; when a group's results are all
// in, its best trial continues to --max-epochs and the others are dropped. Asynchronous: new
// trials start while groups wait, so it never leaves a worker idle.
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "common/random.hpp"
#include "search/multi_fidelity.hpp"

namespace nasrun::search {
namespace {

class BestOfEta : public MultiFidelityStrategy {
 public:
  explicit BestOfEta(const StrategyContext& ctx)
      : space_(ctx.space),
        design_(ctx),
        rng_(common::mix_seed(ctx.seed, 0xB0E)),
        fidelity_(ctx.fidelity),
        group_size_(static_cast<std::size_t>(ctx.fidelity.eta)) {}

  std::optional<Job> ask() override {
    if (!promoted_.empty()) {
      const Job job = promoted_.back();
      promoted_.pop_back();
      return job;
    }
    const ArchCode arch = design_.exhausted() ? space_->sample(rng_) : design_.next();
    return Job{next_trial_++, arch, fidelity_.min_epochs};
  }

  void tell(const Job& job, double score) override {
    if (job.epochs == fidelity_.max_epochs) {
      dropped_.push_back(job.trial);  // trained to the end: never continued
      return;
    }
    auto& group = groups_[job.trial / group_size_];
    group.emplace(score, job);
    if (group.size() < group_size_) return;
    // The group is complete: its best (lowest score, then lowest trial) goes on, the rest stop.
    auto best = group.begin();
    promoted_.push_back(Job{best->second.trial, best->second.arch, fidelity_.max_epochs});
    for (auto it = std::next(best); it != group.end(); ++it) dropped_.push_back(it->second.trial);
    groups_.erase(job.trial / group_size_);
  }

  std::vector<std::uint64_t> take_dropped() override { return std::exchange(dropped_, {}); }

 private:
  struct ByTrial {
    bool operator()(const std::pair<double, Job>& a, const std::pair<double, Job>& b) const {
      return a.first != b.first ? a.first < b.first : a.second.trial < b.second.trial;
    }
  };
  spaces::SearchSpacePtr space_;
  InitialDesign design_;
  Rng rng_;
  Fidelities fidelity_;
  std::size_t group_size_;
  std::uint64_t next_trial_ = 0;
  std::map<std::uint64_t, std::set<std::pair<double, Job>, ByTrial>> groups_;
  std::vector<Job> promoted_;
  std::vector<std::uint64_t> dropped_;
};

const Registration<multi_fidelity_strategy_registry> kRegistration{
    "example-best-of-eta",
    "the example of docs/adding-a-strategy.md: the best of each eta trials to --max-epochs",
    [](const StrategyContext& ctx) { return std::make_unique<BestOfEta>(ctx); }};

}  // namespace
}  // namespace nasrun::search
// example ends

using namespace nasrun;

TEST_CASE("docs/adding-a-strategy.md's multi-fidelity example runs as documented",
          "[search][docs][multifidelity]") {
  const std::string root = NASRUN_SOURCE_DIR;
  const auto source = common::read_file(root + "/tests/test_adding_a_multi_fidelity_strategy.cpp");
  const auto doc = common::read_file(root + "/docs/adding-a-strategy.md");
  const std::string begin = "// example begins\n", end = "// example ends\n";
  const auto from = source.find(begin) + begin.size();
  const auto example = source.substr(from, source.find(end) - from);
  CHECK(doc.find("```c++\n" + example + "```\n") != std::string::npos);

  auto source_of_curves = testing::tabular_source(
      std::make_shared<bench::Benchmark>(testing::toy_builder().build()), "toy");
  search::StrategyContext ctx;
  ctx.space = spaces::make_search_space("nb201");
  ctx.seed = 3;
  ctx.fidelity = {1, 10, 3, 0};
  auto strategy = search::make_job_strategy("example-best-of-eta", ctx);
  evaluators::EstimatorOptions options;
  options.T = 10;
  evaluators::Evaluator evaluator(
      evaluators::make_estimator("sotle", options), source_of_curves, {},
      evaluators::estimator_at_epochs("sotle", options, 10));
  experiment::RunBudget budget;
  budget.budget_s = 2000;
  budget.workers = 2;
  common::Rng rng(1);
  const auto trace = experiment::run_search(*strategy, evaluator, budget, rng);
  std::size_t at_one = 0, at_ten = 0;
  for (const auto& row : trace.rows) (row.epochs == 1 ? at_one : at_ten) += 1;
  CHECK(at_ten > 0);
  CHECK(at_one >= 3 * at_ten);  // one of every three continues
}
