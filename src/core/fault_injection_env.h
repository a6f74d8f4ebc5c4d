// FaultInjectionEnv: an Env wrapper for crash and fault tests (after leveldb
// db/fault_injection_test.cc and tessera's fault integration tests).
//
// It counts every WritableFile::Append ("write") and WritableFile::Sync ("sync") made
// through it and can fail the Nth of either, once: a failed write hands the first half of
// its bytes to the OS (a torn write) and returns kIOError; a failed sync syncs nothing and
// returns kIOError. DropUnsyncedData() simulates power loss: every file written through
// this Env is truncated to the length it had at its last successful Sync, and files created
// since the last SyncDir of their directory are removed. Renames are treated as durable
// when they return (ext4 orders a rename after the renamed file's data); that is the one
// simplification.
//
// Thread-safety: all methods are safe from any thread; the wrapped files follow the Env
// contract (one writer thread per WritableFile).
#ifndef FACETRAIL_CORE_FAULT_INJECTION_ENV_H_
#define FACETRAIL_CORE_FAULT_INJECTION_ENV_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "core/env.h"
#include "core/thread_annotations.h"

namespace facetrail {

class FaultInjectionEnv final : public Env {
 public:
  explicit FaultInjectionEnv(Env* base) : base_(base) {}

  // Fail the nth (1-based) write or sync counted from now; 0 disarms.
  void FailNthWrite(uint64_t n);
  void FailNthSync(uint64_t n);
  // Totals since construction (or ResetCounters), for sizing fault loops.
  uint64_t writes() const;
  uint64_t syncs() const;
  void ResetCounters();
  // Power loss: truncate every tracked file to its synced length, remove files whose
  // creation was never made durable. Call with no file open for writing through this Env.
  Status DropUnsyncedData();

  StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) override {
    return base_->NewRandomAccessFile(path);
  }
  bool FileExists(const std::string& path) override { return base_->FileExists(path); }
  StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    return base_->GetFileSize(path);
  }
  StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) override {
    return base_->GetChildren(dir);
  }
  Status CreateDir(const std::string& dir) override { return base_->CreateDir(dir); }
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Status SyncDir(const std::string& dir) override;
  StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return base_->LockFile(path);
  }

  // Called by the wrapped files.
  bool ShouldFailWrite();
  bool ShouldFailSync();
  void RecordSynced(const std::string& path, uint64_t length);

 private:
  struct FileState {
    uint64_t synced_length = 0;
    bool created_unsynced = false;  // directory entry not yet durable
  };

  Env* const base_;
  mutable Mutex mu_;
  uint64_t writes_ GUARDED_BY(mu_) = 0;
  uint64_t syncs_ GUARDED_BY(mu_) = 0;
  uint64_t fail_write_at_ GUARDED_BY(mu_) = 0;  // absolute count; 0 = off
  uint64_t fail_sync_at_ GUARDED_BY(mu_) = 0;
  std::map<std::string, FileState> files_ GUARDED_BY(mu_);
};

}  // namespace facetrail

#endif  // FACETRAIL_CORE_FAULT_INJECTION_ENV_H_
