// LogStore: the durable, append-only audit log of one facetrail node. An RFC 9162 Merkle
// tree over opaque entries, stored in plain files under one directory (docs/log-format.md),
// with C2SP signed checkpoints and the reads auditors need (entries, proofs, tlog-tiles).
//
// Guarantees:
//  - Append returns an index only after the entry is on stable storage (fdatasync); many
//    concurrent appenders share one write + one fsync (group commit).
//  - The store never signs two inconsistent checkpoints, across crashes and restarts too:
//    the latest signed checkpoint is persisted atomically before it is returned, and Open
//    refuses (kDataLoss) a directory whose tree does not extend it.
//  - After any I/O error on the append path the store stops accepting appends and
//    checkpoints (the page cache state after a failed fsync is unknown); reopening recovers.
//    An Append that returned an error may or may not appear in the log after recovery; one
//    that returned an index always does.
//
// Thread-safety: every method is safe to call concurrently from any number of threads;
// destroy the store only when no call is in flight (the destructor stops the background
// signer). One directory is opened by at most one LogStore at a time (an flock on
// DIR/LOCK), across processes too.
#ifndef FACETRAIL_LOG_STORE_H_
#define FACETRAIL_LOG_STORE_H_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/clock.h"
#include "facetrail/merkle.h"
#include "facetrail/note.h"
#include "facetrail/status.h"

namespace facetrail {

class Env;

// Largest entry a tlog-tiles entry bundle can carry (u16 length prefix). The store's limit
// is at most this, so every stored entry can be served in a bundle.
inline constexpr uint32_t kMaxLogEntryBytes = 65535;

struct LogStoreOptions {
  Env* env = nullptr;             // not owned; Env::Default() when null
  const Clock* clock = nullptr;   // not owned; Clock::Real() when null
  // The log's C2SP origin line. Required to create a log; when opening an existing log it
  // must be empty or equal the stored origin.
  std::string origin;
  // Signs checkpoints; `verifier` checks stored ones on open. Not owned, must outlive the
  // store, and must be the same key (name and key ID). `verifier` is required; without a
  // signer the store appends and serves but cannot create a log or sign (auditing tools).
  const note::Signer* signer = nullptr;
  const note::Verifier* verifier = nullptr;
  bool create_if_missing = false;
  uint32_t max_entry_bytes = kMaxLogEntryBytes;  // 1..kMaxLogEntryBytes
  // Group commit bounds: one batch is at most this many entries / bytes of entries
  // (max_batch_bytes >= max_entry_bytes). Recovery relies on them to tell a torn batch
  // from damage.
  size_t max_batch_entries = 8192;
  size_t max_batch_bytes = size_t{8} << 20;
  // Background signing: when > 0, a thread signs a new checkpoint once this much time (on
  // `clock`'s monotonic scale) has passed since the last one and the tree has grown. It
  // looks at the clock every `checkpoint_poll_millis` of real time.
  int64_t checkpoint_interval_micros = 0;
  int checkpoint_poll_millis = 50;
};

// A snapshot of the latest signed checkpoint.
struct SignedCheckpoint {
  std::string note;  // the full signed note text
  uint64_t size = 0;
  merkle::Hash root{};
};

class LogStore {
 public:
  // Opens (or with create_if_missing creates) the log in `dir`. Recovery truncates a torn
  // tail record, re-derives hashes past the latest checkpoint and checks that the tree at
  // the checkpoint's size has the signed root. kDataLoss when stored data contradicts a
  // signed checkpoint; kUnavailable when another store holds the directory.
  static StatusOr<std::unique_ptr<LogStore>> Open(const std::string& dir,
                                                  const LogStoreOptions& options);
  virtual ~LogStore() = default;

  // Appends `entry` and returns its index once durable. kInvalidArgument if it exceeds
  // max_entry_bytes; kFailedPrecondition once the store stopped after an I/O error.
  virtual StatusOr<uint64_t> Append(std::string_view entry) = 0;

  // Appends `entries` with consecutive indices in one write and one fsync, and returns the
  // index of the first once all are durable. At most max_batch_entries entries and
  // max_batch_bytes bytes (kInvalidArgument beyond, or if any entry is too large). After an
  // error (and a crash) any prefix of them may appear after recovery, as for Append.
  virtual StatusOr<uint64_t> AppendBatch(std::span<const std::string_view> entries) = 0;

  // Number of durable entries in the tree.
  virtual uint64_t Size() const = 0;

  // Signs a checkpoint of the current tree if it grew since the last one (otherwise returns
  // the last one) and persists it before returning. kFailedPrecondition without a signer.
  virtual StatusOr<SignedCheckpoint> Checkpoint() = 0;
  virtual SignedCheckpoint LatestCheckpoint() const = 0;

  // Entry bytes and leaf hash by index; kOutOfRange if index >= Size().
  virtual StatusOr<std::string> Entry(uint64_t index) const = 0;
  // Root of the first `size` entries (size <= Size()).
  virtual StatusOr<merkle::Hash> RootHash(uint64_t size) const = 0;
  virtual StatusOr<std::vector<merkle::Hash>> InclusionProof(uint64_t index,
                                                             uint64_t size) const = 0;
  virtual StatusOr<std::vector<merkle::Hash>> ConsistencyProof(uint64_t size1,
                                                               uint64_t size2) const = 0;
  // Hash of a perfect subtree (merkle::SubtreeHashFn semantics) from the stored files.
  virtual StatusOr<merkle::Hash> SubtreeHash(uint64_t level, uint64_t index) const = 0;

  // Serves a C2SP tlog-tiles resource by its path below the log's prefix: "checkpoint",
  // "tile/<L>/<N>[.p/<W>]" or "tile/entries/<N>[.p/<W>]". kNotFound for a tile that does
  // not exist (yet), kInvalidArgument for a malformed path.
  virtual StatusOr<std::string> ReadTilesPath(std::string_view path) const = 0;

  // Full integrity check of everything stored (see VerifyLogDirectory), against the tree
  // as of the call: reads the whole log (O(n)) without blocking appends. OK, or kDataLoss
  // naming the first problems found.
  virtual Status Verify() const = 0;
};

struct LogVerifyReport {
  uint64_t entries = 0;      // entries checked
  uint64_t checkpoints = 0;  // signed checkpoints checked
  SignedCheckpoint latest;
};

// Recomputes the whole tree from the stored entries and checks every stored file: record
// framing and checksums, the entry index, every stored interior hash, and every stored
// checkpoint's signature (under `verifier`), origin, root and consistency with the ones
// before it. Read-only; takes DIR/LOCK, so it cannot run while a LogStore has the log open
// (use LogStore::Verify then). kDataLoss naming file, index and byte offset of what is
// wrong; a torn tail left by a crash is reported too (opening the log repairs it).
StatusOr<LogVerifyReport> VerifyLogDirectory(Env* env, const std::string& dir,
                                             const note::Verifier& verifier);

}  // namespace facetrail

#endif  // FACETRAIL_LOG_STORE_H_
