#include "run/run_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/file_io.hpp"

namespace nasrun::experiment {

namespace {

using nlohmann::json;

// JSON has no infinity or NaN (a failed job's score, an unknown test error): they are strings.
json number(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

double read_number(const json& j) {
  if (j.is_number()) return j.get<double>();
  const auto text = j.get<std::string>();
  if (text == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (text == "inf") return std::numeric_limits<double>::infinity();
  if (text == "-inf") return -std::numeric_limits<double>::infinity();
  throw std::invalid_argument("'" + text + "' is not a number");
}

json to_json(const JournalEntry& e) {
  const auto& c = e.completion;
  const auto& real = c.real.value();
  return {{"job", e.job},
          {"trial", e.launched.trial},
          {"arch", e.launched.arch},
          {"epochs", e.launched.epochs},
          {"worker", c.worker},
          {"score", number(c.eval.score)},
          {"cost_s", number(c.eval.cost_s)},
          {"trained_epochs", c.eval.epochs},
          {"diverged", c.eval.diverged},
          {"test_error", number(c.eval.truth.test_error)},
          {"time_s", number(c.time_s)},
          {"real_s", number(real.duration_s)},
          {"real_time_s", number(real.time_s)},
          {"charged_time_s", number(real.charged_time_s)},
          {"attempts", c.attempts},
          {"failure", c.failure}};
}

JournalEntry from_json(const json& j) {
  JournalEntry e;
  e.job = j.at("job").get<std::size_t>();
  e.launched = {j.at("trial").get<std::uint64_t>(), j.at("arch").get<spaces::ArchCode>(),
                j.at("epochs").get<int>()};
  auto& c = e.completion;
  c.worker = j.at("worker").get<int>();
  c.eval.score = read_number(j.at("score"));
  c.eval.cost_s = read_number(j.at("cost_s"));
  c.eval.epochs = j.at("trained_epochs").get<int>();
  c.eval.diverged = j.at("diverged").get<bool>();
  c.eval.truth.test_error = read_number(j.at("test_error"));
  c.time_s = read_number(j.at("time_s"));
  RealTimes real;
  real.duration_s = read_number(j.at("real_s"));
  real.time_s = read_number(j.at("real_time_s"));
  real.charged_time_s = read_number(j.at("charged_time_s"));
  c.real = real;
  c.attempts = j.at("attempts").get<int>();
  c.failure = j.at("failure").get<std::string>();
  if (e.job == 0 || c.worker < 0 || c.attempts < 1)
    throw std::invalid_argument("job, worker or attempts out of range");
  return e;
}

}  // namespace

RunJournal::RunJournal(std::string path, std::string header,
                       std::function<void()> before_first_write)
    : path_(std::move(path)),
      header_(std::move(header)),
      before_first_write_(std::move(before_first_write)) {
  if (::access(path_.c_str(), F_OK) != 0) return;
  const std::string text = common::read_file(path_);
  std::size_t line = 0, at = 0;
  for (std::size_t end; (end = text.find('\n', at)) != std::string::npos; at = end + 1) {
    ++line;
    const auto content = text.substr(at, end - at);
    auto fail = [&](const std::string& why) {
      throw std::runtime_error(path_ + ":" + std::to_string(line) + ": " + why +
                               " (remove the journal to run this run again from its start)");
    };
    if (line == 1) {
      if (content != header_)
        fail("the journal belongs to another run or study: its header is '" + content +
             "', this run's is '" + header_ + "'");
      continue;
    }
    try {
      entries_.push_back(from_json(json::parse(content)));
    } catch (const std::exception& e) {
      fail(std::string("not a journaled job: ") + e.what());
    }
  }
  // Beyond `at`: a line cut by a kill, dropped when the journal is next written.
  valid_bytes_ = at;
}

RunJournal::~RunJournal() {
  if (fd_ >= 0) ::close(fd_);
}

void RunJournal::append(const JournalEntry& entry) {
  std::string text;
  if (fd_ < 0) {
    if (before_first_write_) before_first_write_();
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0 || ::ftruncate(fd_, static_cast<off_t>(valid_bytes_)) != 0 ||
        ::lseek(fd_, 0, SEEK_END) < 0)
      throw std::runtime_error("cannot write the run's journal " + path_);
    if (valid_bytes_ == 0) text = header_ + "\n";
  }
  text += to_json(entry).dump() + "\n";
  // One write of the whole line: a kill leaves it whole or without its newline.
  for (std::size_t done = 0; done < text.size();) {
    const auto n = ::write(fd_, text.data() + done, text.size() - done);
    if (n < 0) throw std::runtime_error("cannot append to the run's journal " + path_);
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd_) != 0) throw std::runtime_error("cannot flush the run's journal " + path_);
  entries_.push_back(entry);
}

namespace {
RealClocks& clocks_of(Executor& executor) {
  if (auto* clocks = executor.real_clocks()) return *clocks;
  throw std::invalid_argument("a journal resumes runs on a real executor (local, mpi) only");
}
}  // namespace

JournaledExecutor::JournaledExecutor(Executor& executor, RunJournal& journal)
    : executor_(executor),
      journal_(journal),
      clocks_(clocks_of(executor)),
      running_(static_cast<std::size_t>(executor.workers())) {
  const auto& entries = journal.entries();
  for (std::size_t i = 0; i < entries.size(); ++i)
    if (!entry_of_job_.emplace(entries[i].job, i).second)
      mismatch("job " + std::to_string(entries[i].job) + " is journaled twice");
  if (!entries.empty()) clocks_.resume_at(entries.back().completion.real->time_s);
}

void JournaledExecutor::mismatch(const std::string& what) const {
  throw std::runtime_error("the run's journal " + journal_.path() + " does not match the run: " +
                           what + " (it belongs to another run, or the strategy is not "
                           "deterministic; remove the journal to run this run from its start)");
}

void JournaledExecutor::submit(int worker, const search::Job& job, common::Rng& data_rng) {
  const std::size_t number = ++launched_;
  running_.at(static_cast<std::size_t>(worker)) = {number, job, {}};
  const auto known = entry_of_job_.find(number);
  if (known == entry_of_job_.end()) {
    executor_.submit(worker, job, data_rng);
    return;
  }
  const auto& e = journal_.entries()[known->second];
  if (e.launched.trial != job.trial || e.launched.arch != job.arch ||
      e.launched.epochs != job.epochs || e.completion.worker != worker)
    mismatch("job " + std::to_string(number) + " is journaled as trial " +
             std::to_string(e.launched.trial) + ", architecture " +
             std::to_string(e.launched.arch) + ", " + std::to_string(e.launched.epochs) +
             " epochs on worker " + std::to_string(e.completion.worker) +
             ", but the run launches trial " + std::to_string(job.trial) + ", architecture " +
             std::to_string(job.arch) + ", " + std::to_string(job.epochs) + " epochs on worker " +
             std::to_string(worker));
  executor_.submit_known(worker, job, data_rng);
}

std::optional<Completion> JournaledExecutor::wait() {
  // The journaled completions first, in their order: the jobs running when the master died
  // completed after all of them.
  if (replayed_ < entry_of_job_.size()) {
    const auto& e = journal_.entries()[replayed_++];
    if (e.job > launched_)
      mismatch("job " + std::to_string(e.job) + " completes as journal line " +
               std::to_string(replayed_ + 1) + ", but the run has launched " +
               std::to_string(launched_) + " jobs");
    clocks_.replayed(*e.completion.real);
    return e.completion;
  }
  auto done = executor_.wait();
  if (done) {
    auto& r = running_.at(static_cast<std::size_t>(done->worker));
    r.completion = *done;
    journal_.append(r);
  }
  return done;
}

}  // namespace nasrun::experiment
