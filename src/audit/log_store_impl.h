// LogStoreImpl: the file-backed LogStore (include/facetrail/log_store.h). Private.
//
// Concurrency design (after leveldb db/db_impl.cc's writer queue):
//  - Appenders and checkpoint requests queue as Writers under mu_. The Writer at the front
//    is the leader: it takes a batch of queued appends, releases mu_, writes all their
//    records with one write() and one fdatasync(), integrates them into the tree files,
//    then re-takes mu_, publishes the new size and wakes the batch. Only the leader touches
//    the writable files and `frontier_`, so they need no lock of their own.
//  - A checkpoint request becomes leader like an append, so signing sees a quiescent tree.
//  - Readers (entries, proofs, tiles) read below the published size with pread(); those
//    bytes were handed to the OS before the size was published and are never rewritten.
#ifndef FACETRAIL_AUDIT_LOG_STORE_IMPL_H_
#define FACETRAIL_AUDIT_LOG_STORE_IMPL_H_

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "audit/log_layout.h"
#include "audit/log_record.h"
#include "core/env.h"
#include "core/thread_annotations.h"
#include "facetrail/log_store.h"

namespace facetrail::logstore {

class LogStoreImpl final : public LogStore {
 public:
  LogStoreImpl(std::string dir, const LogStoreOptions& options);
  ~LogStoreImpl() override;

  // Opens or creates the files and runs recovery. Called once, before any other method.
  Status Init();

  StatusOr<uint64_t> Append(std::string_view entry) override;
  StatusOr<uint64_t> AppendBatch(std::span<const std::string_view> entries) override;
  uint64_t Size() const override;
  StatusOr<SignedCheckpoint> Checkpoint() override;
  SignedCheckpoint LatestCheckpoint() const override;
  StatusOr<std::string> Entry(uint64_t index) const override;
  StatusOr<merkle::Hash> RootHash(uint64_t size) const override;
  StatusOr<std::vector<merkle::Hash>> InclusionProof(uint64_t index,
                                                     uint64_t size) const override;
  StatusOr<std::vector<merkle::Hash>> ConsistencyProof(uint64_t size1,
                                                       uint64_t size2) const override;
  StatusOr<merkle::Hash> SubtreeHash(uint64_t level, uint64_t index) const override;
  StatusOr<std::string> ReadTilesPath(std::string_view path) const override;
  Status Verify() const override;

 private:
  struct Writer {
    std::span<const std::string_view> entries;  // empty for a checkpoint request
    size_t bytes = 0;                          // sum of the entries' sizes
    bool checkpoint = false;
    bool done = false;
    Status status;
    uint64_t index = 0;
    SignedCheckpoint signed_checkpoint;
    std::condition_variable cv;  // waited on with mu_ held
  };

  std::string Path(std::string_view name) const { return JoinPath(dir_, name); }

  // Init steps.
  Status CreateLog();
  Status Recover();
  Status RecoverHistory();
  Status OpenLevelWriter(int level);
  // Whether the bad record at `offset` of entries.log is the torn tail of a crash.
  StatusOr<bool> IsTornTail(uint64_t offset, uint64_t file_size, RecordResult r,
                            std::string_view rest) const;

  // Leader-only work (no mu_ held; the queue position is the exclusion).
  Status WriteBatch(const std::vector<Writer*>& batch);
  // Adds one entry already durable in entries.log (ending at end_offset) to the tree files.
  Status Integrate(std::string_view entry, uint64_t end_offset);
  Status FlushTreeFiles();
  StatusOr<SignedCheckpoint> SignCheckpoint(uint64_t size);

  // Shared by Append and Checkpoint: queue `w` and run as leader when at the front.
  void RunWriter(Writer* w) EXCLUDES(mu_);

  StatusOr<const RandomAccessFile*> LevelReader(int level) const;
  StatusOr<uint64_t> EntryEndOffset(uint64_t index) const;
  StatusOr<std::string> ReadEntryBundle(uint64_t first, uint64_t count) const;
  merkle::SubtreeHashFn HashFn() const;

  void BackgroundLoop();

  const std::string dir_;
  const LogStoreOptions options_;
  Env* const env_;
  const Clock* const clock_;
  std::string origin_;  // set by Init

  std::unique_ptr<FileLock> lock_;

  // Leader-owned (see the file comment).
  std::unique_ptr<WritableFile> entries_writer_;
  std::unique_ptr<WritableFile> index_writer_;
  std::unique_ptr<WritableFile> history_writer_;
  std::vector<std::unique_ptr<WritableFile>> level_writers_;
  std::vector<bool> level_dirty_;     // appended since the last Flush
  std::vector<bool> level_unsynced_;  // appended since the last Sync (checkpoint)
  Frontier frontier_;
  uint64_t entries_end_ = 0;  // byte length of entries.log

  std::unique_ptr<RandomAccessFile> entries_reader_;
  std::unique_ptr<RandomAccessFile> index_reader_;
  mutable Mutex readers_mu_;
  mutable std::vector<std::unique_ptr<RandomAccessFile>> level_readers_ GUARDED_BY(readers_mu_);

  mutable Mutex mu_;
  std::deque<Writer*> writers_ GUARDED_BY(mu_);
  uint64_t size_ GUARDED_BY(mu_) = 0;
  Status bg_error_ GUARDED_BY(mu_);
  SignedCheckpoint latest_ GUARDED_BY(mu_);
  int64_t last_signed_mono_ GUARDED_BY(mu_) = 0;

  // Background checkpoint thread.
  std::mutex bg_mu_;
  std::condition_variable bg_cv_;
  bool bg_stop_ = false;  // guarded by bg_mu_
  std::thread bg_thread_;
};

}  // namespace facetrail::logstore

#endif  // FACETRAIL_AUDIT_LOG_STORE_IMPL_H_
