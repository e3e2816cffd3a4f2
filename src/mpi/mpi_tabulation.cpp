#include "mpi/mpi_tabulation.hpp"

#include <boost/mpi/status.hpp>
#include <boost/serialization/string.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "mpi/message_tags.hpp"

namespace nasrun::mpi_executor {

namespace {

// How long rank 0 sleeps between looks for a result: a blocking receive would spin a core that
// a training on the same node needs, and a training lasts far longer than this.
constexpr std::chrono::milliseconds kPollInterval{1};

struct TrainingMessage {
  std::uint64_t arch = 0;
  std::int64_t seed = 0;
  bool curve = true, proxies = false;
  template <class Archive>
  void serialize(Archive& a, unsigned) {
    a& arch& seed& curve& proxies;
  }
};

struct TrainedMessage {
  std::uint64_t arch = 0;
  std::int64_t seed = 0;
  bool curve = true, proxies = false;
  std::string record, proxy_record, failure;
  int attempts = 1;
  template <class Archive>
  void serialize(Archive& a, unsigned) {
    a& arch& seed& curve& proxies& record& proxy_record& failure& attempts;
  }
};

}  // namespace

void serve_tabulation(const boost::mpi::communicator& world, const experiment::Trainer& trainer) {
  while (next_message_is(world, kTraining, "a training")) {
    TrainingMessage m;
    world.recv(0, kTraining, m);
    const auto t = trainer.train({m.arch, m.seed, m.curve, m.proxies});
    world.send(0, kTrained, TrainedMessage{m.arch, m.seed, m.curve, m.proxies, t.record,
                                           t.proxy_record, t.failure, t.attempts});
  }
}

MpiTrainingPool::MpiTrainingPool(const Workers& workers)
    : world_(workers.world()), busy_(static_cast<std::size_t>(world_.size()), false) {}

MpiTrainingPool::~MpiTrainingPool() {
  for (int rank = 1; rank < world_.size(); ++rank)
    if (busy_[static_cast<std::size_t>(rank)]) {
      TrainedMessage ignored;
      world_.recv(rank, kTrained, ignored);
    }
}

void MpiTrainingPool::start(const experiment::Training& training) {
  int rank = 1;
  while (rank < world_.size() && busy_[static_cast<std::size_t>(rank)]) ++rank;
  if (rank == world_.size()) throw std::logic_error("no free MPI rank for a training");
  busy_[static_cast<std::size_t>(rank)] = true;
  world_.send(rank, kTraining,
              TrainingMessage{training.arch, training.seed, training.curve, training.proxies});
}

experiment::Trained MpiTrainingPool::wait() {
  for (;;) {
    const auto status = world_.iprobe(boost::mpi::any_source, kTrained);
    if (!status) {
      std::this_thread::sleep_for(kPollInterval);
      continue;
    }
    TrainedMessage m;
    world_.recv(status->source(), kTrained, m);
    busy_[static_cast<std::size_t>(status->source())] = false;
    experiment::Trained t{{m.arch, m.seed, m.curve, m.proxies},
                          std::move(m.record),
                          std::move(m.proxy_record),
                          m.attempts,
                          {}};
    if (!m.failure.empty()) t.failure = "MPI rank " + std::to_string(status->source()) + ": " + m.failure;
    return t;
  }
}

}  // namespace nasrun::mpi_executor
