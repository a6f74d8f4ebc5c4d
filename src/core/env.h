// Env: the filesystem interface every piece of durable facetrail state goes through
// (after leveldb include/leveldb/env.h). Core code never calls open()/fopen() directly, so
// tests can substitute FaultInjectionEnv (src/core/fault_injection_env.h) to fail the Nth
// write or fsync, or to simulate power loss by dropping data that was never synced.
//
// Durability contract, spelled out because the audit log depends on it:
//  - WritableFile::Append may buffer in user space; Flush hands the bytes to the OS (they
//    survive a process crash, not a power loss); Sync makes them durable (fdatasync).
//  - A newly created file's directory entry is durable only after SyncDir(parent).
//  - WriteStringToFileSync replaces a file atomically and durably: write a temp file,
//    fsync it, rename over the target, fsync the directory. Readers see the old or the new
//    contents, never a mix, even across power loss.
//
// Thread-safety: Env methods are safe to call from any thread. A WritableFile must be used
// by one thread at a time. RandomAccessFile::Read is safe from many threads at once.
#ifndef FACETRAIL_CORE_ENV_H_
#define FACETRAIL_CORE_ENV_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/status.h"

namespace facetrail {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  virtual Status Flush() = 0;  // buffered bytes -> OS
  virtual Status Sync() = 0;   // Flush, then make the file's data durable
  virtual Status Close() = 0;  // Flush and close; further calls fail
};

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads exactly n bytes at offset into *out. Reading past the end is kOutOfRange, so a
  // short file is never mistaken for data.
  virtual Status Read(uint64_t offset, size_t n, std::string* out) const = 0;
};

// An advisory whole-file lock held for the lifetime of the object (flock(LOCK_EX)); the
// kernel drops it when the process dies, so a SIGKILLed writer never leaves a stale lock.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX environment. Never null; lives forever.
  static Env* Default();

  // Creates or truncates `path` for writing.
  virtual StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens `path` for appending at its end, creating it if missing.
  virtual StatusOr<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  virtual StatusOr<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  virtual StatusOr<uint64_t> GetFileSize(const std::string& path) = 0;
  // Names (not paths) of the entries of `dir`, without "." and "..".
  virtual StatusOr<std::vector<std::string>> GetChildren(const std::string& dir) = 0;
  // Creates `dir`; succeeds if it already exists as a directory.
  virtual Status CreateDir(const std::string& dir) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Shrinks (or extends with zeros) `path` to `size` bytes. Not durable until synced.
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;
  // Makes the directory's entries (creations, renames, removals) durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Takes an exclusive lock on `path` (created if missing). kUnavailable if another
  // process (or another open in this process) holds it.
  virtual StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;

  // Whole-file helpers built on the primitives above, so a wrapping Env's faults apply.
  // Reads at most max_bytes (kResourceExhausted beyond): files may come from elsewhere.
  StatusOr<std::string> ReadFileToString(const std::string& path,
                                         uint64_t max_bytes = uint64_t{1} << 30);
  // Atomic durable replace (temp + fsync + rename + fsync dir); `mode` is not applied by
  // the Env (use a mode-aware writer for secrets), the temp file is "<path>.tmp".
  Status WriteStringToFileSync(const std::string& path, std::string_view data);
};

// "a/b" + "c" -> "a/b/c"; the directory part of a path ("a/b/c" -> "a/b", "c" -> ".").
std::string JoinPath(std::string_view dir, std::string_view name);
std::string DirName(std::string_view path);

}  // namespace facetrail

#endif  // FACETRAIL_CORE_ENV_H_
