// The trainings that the live source keeps between the rungs of multi-fidelity searches
// (LiveCurveSource::observe_continuing), within a memory cap: beyond it the least recently
// used are spilled to files (Training::spill) and read back when they continue. The header is
// free of LibTorch types.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "evaluators/learning_curve.hpp"
#include "evaluators/live_data.hpp"
#include "evaluators/live_trainer.hpp"

namespace nasrun::evaluators::live {

class KeptTrainings;

// One kept training of one architecture. Destroying it (the runner does when the strategy drops
// the trial) frees its memory and deletes its spill file.
class KeptLiveTraining : public KeptTraining {
 public:
  KeptLiveTraining(std::shared_ptr<KeptTrainings> store, std::shared_ptr<const DataSplits> data,
                   ArchCode arch, std::unique_ptr<Training> training);
  ~KeptLiveTraining() override;
  KeptLiveTraining(const KeptLiveTraining&) = delete;
  KeptLiveTraining& operator=(const KeptLiveTraining&) = delete;

  const KeptTrainings& store() const { return *store_; }
  ArchCode arch() const { return arch_; }

 private:
  friend class KeptTrainings;
  std::shared_ptr<KeptTrainings> store_;
  std::shared_ptr<const DataSplits> data_;  // what training_ refers to
  ArchCode arch_;
  std::unique_ptr<Training> training_;
  // Guarded by the store's mutex: whether it waits in the store's queue (in memory, not
  // advancing), where, the bytes counted for it, and the file it was spilled to ("" = none).
  bool waiting_ = false;
  std::list<KeptLiveTraining*>::iterator queued_;
  std::size_t counted_bytes_ = 0;
  std::string spill_path_;
};

// The kept trainings of one source, shared by the runs that use it: every member is safe to
// call from parallel threads, each kept training being advanced by one caller at a time.
class KeptTrainings {
 public:
  // `memory_cap_bytes`: what the trainings waiting in memory may hold together.
  // `parent_folder`: where the folder of spill files is made on the first spill ("" = the
  // system's temporary folder).
  KeptTrainings(std::size_t memory_cap_bytes, std::string parent_folder);
  ~KeptTrainings();  // removes the folder of spill files
  KeptTrainings(const KeptTrainings&) = delete;
  KeptTrainings& operator=(const KeptTrainings&) = delete;

  // The training of `kept`, in memory (read back from its file, which is deleted, if it was
  // spilled), taken out of the queue until check_in(). Throws std::runtime_error when the file
  // cannot be read.
  Training& check_out(KeptLiveTraining& kept);
  // Queues `kept` (new, or checked out) as the most recently used and spills the least recently
  // used beyond the cap. Throws std::runtime_error naming kept_dir when a spill file cannot be
  // written (that training then stays in memory).
  void check_in(KeptLiveTraining& kept);
  // Forgets `kept` and deletes its spill file.
  void release(KeptLiveTraining& kept);

  // Bytes held by the trainings waiting in memory (those advancing now are not counted).
  std::size_t memory_bytes() const;
  // Trainings spilled to files now.
  std::size_t spilled() const;

 private:
  // The folder of spill files, made on first use; called with the mutex held.
  const std::string& folder();

  const std::size_t cap_bytes_;
  const std::string parent_folder_;
  mutable std::mutex mutex_;
  std::list<KeptLiveTraining*> queue_;  // waiting in memory, least recently used first
  std::size_t bytes_ = 0;               // counted for those in queue_
  std::size_t spilled_ = 0;
  std::string folder_;
  std::size_t files_made_ = 0;
};

}  // namespace nasrun::evaluators::live
