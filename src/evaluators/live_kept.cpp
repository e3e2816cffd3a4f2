#include "evaluators/live_kept.hpp"

#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

namespace nasrun::evaluators::live {

KeptLiveTraining::KeptLiveTraining(std::shared_ptr<KeptTrainings> store,
                                   std::shared_ptr<const DataSplits> data, ArchCode arch,
                                   std::unique_ptr<Training> training)
    : store_(std::move(store)),
      data_(std::move(data)),
      arch_(arch),
      training_(std::move(training)) {
  epochs = training_->epochs_trained();
}

KeptLiveTraining::~KeptLiveTraining() { store_->release(*this); }

KeptTrainings::KeptTrainings(std::size_t memory_cap_bytes, std::string parent_folder)
    : cap_bytes_(memory_cap_bytes), parent_folder_(std::move(parent_folder)) {}

KeptTrainings::~KeptTrainings() {
  if (folder_.empty()) return;
  std::error_code ignored;  // a destructor reports nothing; what is left is in the temp folder
  std::filesystem::remove_all(folder_, ignored);
}

const std::string& KeptTrainings::folder() {
  if (!folder_.empty()) return folder_;
  namespace fs = std::filesystem;
  // Unique among the sources of this process (the counter) and of others (the pid).
  static std::atomic<unsigned> folders_made{0};
  const fs::path parent = parent_folder_.empty() ? fs::temp_directory_path() : fs::path(parent_folder_);
  for (;;) {
    const fs::path candidate = parent / ("nasrun-kept-" + std::to_string(::getpid()) + "-" +
                                         std::to_string(folders_made++));
    std::error_code error;
    if (fs::create_directory(candidate, error)) {
      folder_ = candidate.string();
      return folder_;
    }
    if (error)
      throw std::runtime_error("live source option kept_dir: cannot make a folder in '" +
                               parent.string() + "' for kept trainings: " + error.message());
  }
}

Training& KeptTrainings::check_out(KeptLiveTraining& kept) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (kept.waiting_) {
      queue_.erase(kept.queued_);
      kept.waiting_ = false;
      bytes_ -= kept.counted_bytes_;
      kept.counted_bytes_ = 0;
    }
  }
  // Out of the queue nothing else touches it: read it back without holding the store.
  if (kept.training_->spilled()) {
    kept.training_->reload(kept.spill_path_);
    std::filesystem::remove(kept.spill_path_);
    std::lock_guard<std::mutex> lock(mutex_);
    kept.spill_path_.clear();
    --spilled_;
  }
  return *kept.training_;
}

void KeptTrainings::check_in(KeptLiveTraining& kept) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (kept.training_->spilled()) return;  // not read back (check_out failed): it stays a file
  kept.counted_bytes_ = kept.training_->memory_bytes();
  bytes_ += kept.counted_bytes_;
  kept.queued_ = queue_.insert(queue_.end(), &kept);
  kept.waiting_ = true;
  // Spilled under the lock, so that a training's owner that continues it meanwhile waits for
  // the file to be complete.
  while (bytes_ > cap_bytes_ && !queue_.empty()) {
    KeptLiveTraining& oldest = *queue_.front();
    const std::string path =
        (std::filesystem::path(folder()) / ("training-" + std::to_string(files_made_++) + ".pt"))
            .string();
    try {
      oldest.training_->spill(path);
    } catch (const std::exception& e) {
      std::error_code ignored;
      std::filesystem::remove(path, ignored);
      throw std::runtime_error(std::string("live source option kept_dir: ") + e.what());
    }
    queue_.pop_front();
    oldest.waiting_ = false;
    bytes_ -= oldest.counted_bytes_;
    oldest.counted_bytes_ = 0;
    oldest.spill_path_ = path;
    ++spilled_;
  }
}

void KeptTrainings::release(KeptLiveTraining& kept) {
  std::string path;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (kept.waiting_) {
      queue_.erase(kept.queued_);
      kept.waiting_ = false;
      bytes_ -= kept.counted_bytes_;
    }
    if (!kept.spill_path_.empty()) --spilled_;
    path.swap(kept.spill_path_);
  }
  std::error_code ignored;  // called from a destructor; a file left over goes with the folder
  if (!path.empty()) std::filesystem::remove(path, ignored);
}

std::size_t KeptTrainings::memory_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

std::size_t KeptTrainings::spilled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return spilled_;
}

}  // namespace nasrun::evaluators::live
