#include "mpi/mpi_executor.hpp"

#include <boost/mpi/status.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "mpi/message_tags.hpp"

namespace nasrun::mpi_executor {

namespace {

// How long rank 0 sleeps between looks for a result: far below a training, and below the
// master's 1 ms budget per job.
constexpr std::chrono::microseconds kPollInterval{50};

struct JobMessage {
  std::uint64_t trial = 0, arch = 0;
  int epochs = 0;
  std::uint64_t seed = 0;
  // For a continuation the rank may not hold: the trial's first seed and earlier rungs.
  std::uint64_t first_seed = 0;
  std::vector<int> earlier_epochs;
  int retries = 0;
  template <class Archive>
  void serialize(Archive& a, unsigned) {
    a& trial& arch& epochs& seed& first_seed& earlier_epochs& retries;
  }
};

struct ResultMessage {
  double score = 0, cost_s = 0, test_error = 0;
  int epochs = 0, attempts = 1;
  bool diverged = false;
  std::string failure;  // what the last attempt threw when every attempt did; else empty
  template <class Archive>
  void serialize(Archive& a, unsigned) {
    a& score& cost_s& test_error& epochs& attempts& diverged& failure;
  }
};

ResultMessage evaluate(experiment::JobEvaluator& jobs, const JobMessage& m) {
  const auto a = jobs.evaluate_rebuilding({m.trial, m.arch, m.epochs}, m.seed, m.retries,
                                         {m.first_seed, m.earlier_epochs});
  ResultMessage r;
  r.score = a.eval.score;
  r.cost_s = a.eval.cost_s;
  r.test_error = a.eval.truth.test_error;
  r.epochs = a.eval.epochs;
  r.diverged = a.eval.diverged;
  r.attempts = a.attempts;
  r.failure = a.failure;
  return r;
}

// One run on a worker rank; false when the master said stop.
bool serve_run(const boost::mpi::communicator& world, experiment::JobEvaluator& jobs) {
  for (;;) {
    const auto status = world.probe(0, boost::mpi::any_tag);
    switch (status.tag()) {
      case kJob: {
        JobMessage m;
        world.recv(0, kJob, m);
        world.send(0, kResult, evaluate(jobs, m));
        break;
      }
      case kRelease: {
        std::uint64_t trial = 0;
        world.recv(0, kRelease, trial);
        jobs.release(trial);
        break;
      }
      case kEndRun:
        world.recv(0, kEndRun);
        return true;
      case kStop:
        world.recv(0, kStop);
        return false;
      default:
        throw std::logic_error("rank " + std::to_string(world.rank()) +
                               ": unexpected message tag " + std::to_string(status.tag()));
    }
  }
}

}  // namespace

int run_with_mpi(const std::function<int(const boost::mpi::communicator&)>& body) {
  std::optional<boost::mpi::environment> environment(std::in_place);
  std::exception_ptr failure;
  int code = 0;
  try {
    code = body(boost::mpi::communicator());
  } catch (...) {
    failure = std::current_exception();
  }
  environment.reset();
  if (failure) std::rethrow_exception(failure);
  return code;
}

void serve(const boost::mpi::communicator& world, const WorkerEvaluatorMaker& make_evaluator) {
  while (next_message_is(world, kRun, "a run to start")) {
    std::string evaluator_name;
    world.recv(0, kRun, evaluator_name);
    const auto evaluator = make_evaluator(evaluator_name);
    experiment::JobEvaluator jobs(*evaluator);
    if (!serve_run(world, jobs)) return;
  }
}

Workers::Workers(const boost::mpi::communicator& world) : world_(world) {
  if (world.size() < 2)
    throw std::invalid_argument("--executor mpi needs at least 2 MPI ranks (rank 0 searches, the "
                                "others train): start it as mpirun -np N nas-run ..., N >= 2; "
                                "this process has " + std::to_string(world.size()));
  if (world.rank() != 0)
    throw std::invalid_argument("the MPI master is rank 0, not rank " +
                                std::to_string(world.rank()));
}

Workers::~Workers() {
  for (int rank = 1; rank < world_.size(); ++rank) world_.send(rank, kStop);
}

MpiExecutor::MpiExecutor(const Workers& workers, const std::string& evaluator_name,
                         double budget_s, experiment::BudgetClock clock, int retries)
    : world_(workers.world()),
      clocks_(budget_s, clock),
      retries_(retries),
      slot_of_rank_(static_cast<std::size_t>(world_.size()), -1) {
  for (int rank = 1; rank < world_.size(); ++rank) world_.send(rank, kRun, evaluator_name);
}

MpiExecutor::~MpiExecutor() {
  // Results of jobs cut off by the budget must not reach the next run.
  for (int rank = 1; rank < world_.size(); ++rank)
    if (slot_of_rank_[static_cast<std::size_t>(rank)] >= 0) {
      ResultMessage ignored;
      world_.recv(rank, kResult, ignored);
    }
  for (int rank = 1; rank < world_.size(); ++rank) world_.send(rank, kEndRun);
}

void MpiExecutor::submit(int worker, const search::Job& job, common::Rng& data_rng) {
  JobMessage m{job.trial, job.arch, job.epochs, data_rng(), 0, {}, retries_};
  std::vector<bool> free_places;  // place r - 1 is rank r
  for (int rank = 1; rank < world_.size(); ++rank)
    free_places.push_back(slot_of_rank_[static_cast<std::size_t>(rank)] < 0);
  auto placed = placement_.place(job, m.seed, free_places);
  const int rank = placed.place + 1;
  m.first_seed = placed.rebuild.first_seed;
  m.earlier_epochs = std::move(placed.rebuild.epochs);
  if (placed.released_from) world_.send(*placed.released_from + 1, kRelease, job.trial);
  clocks_.launched(worker);
  slot_of_rank_[static_cast<std::size_t>(rank)] = worker;
  world_.send(rank, kJob, m);
}

void MpiExecutor::submit_known(int, const search::Job& job, common::Rng& data_rng) {
  placement_.known(job, data_rng());
}

void MpiExecutor::release(std::uint64_t trial) {
  if (const auto place = placement_.release(trial)) world_.send(*place + 1, kRelease, trial);
}

std::optional<experiment::Completion> MpiExecutor::wait() {
  const auto busy = [&] {
    for (int slot : slot_of_rank_)
      if (slot >= 0) return true;
    return false;
  };
  while (!cut_off_ && busy()) {
    // Polled, not blocked on, so that a real budget's deadline is kept; between polls rank 0
    // sleeps rather than spin on a core that a training on the same node may need.
    const auto status = world_.iprobe(boost::mpi::any_source, kResult);
    if (!status) {
      if (experiment::RealClocks::Clock::now() >= clocks_.deadline()) cut_off_ = true;
      std::this_thread::sleep_for(kPollInterval);
      continue;
    }
    const auto at = experiment::RealClocks::Clock::now();
    ResultMessage r;
    world_.recv(status->source(), kResult, r);
    auto& slot = slot_of_rank_[static_cast<std::size_t>(status->source())];
    const int worker = slot;
    slot = -1;
    experiment::Completion c;
    c.worker = worker;
    c.attempts = r.attempts;
    if (!r.failure.empty()) c.failure = "MPI rank " + std::to_string(status->source()) + ": " + r.failure;
    c.eval.score = r.score;
    c.eval.cost_s = r.cost_s;
    c.eval.epochs = r.epochs;
    c.eval.diverged = r.diverged;
    c.eval.truth.test_error = r.test_error;
    if (auto t = clocks_.completed(worker, at, r.cost_s)) {
      c.real = *t;
      c.time_s = clocks_.budget_now();
      return c;
    }
  }
  return std::nullopt;
}

}  // namespace nasrun::mpi_executor
