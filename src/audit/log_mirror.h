// LogMirror: an auditor's verified copy of a transparency log, fetched over C2SP tlog-tiles
// (a facetrail node serves them under /v1/audit/; docs/cli-audit.md).
//
// Fetch() reads the log's latest checkpoint, checks its signature under the log key,
// downloads every hash tile (full and partial, every level) and entry bundle it does not
// have yet, and recomputes the tree: every entry must hash to its leaf, every stored
// interior hash must equal the one recomputed from the level below, and the root must be
// the checkpoint's. An existing mirror is extended: only new tiles are fetched, the
// rightmost tiles already mirrored must still hold the same hashes, and the new tree is
// computed from the mirrored one, so a checkpoint that does not extend the mirrored
// history (rollback, split view, rewritten entries) can never be accepted. The new
// checkpoint is committed (the mirror's `checkpoint` file replaced atomically) only after
// everything verified; a refused fetch keeps both checkpoints and the refused tiles under
// evidence/<n>/ of the mirror directory.
//
// Bounds on untrusted input: the checkpoint note (64 KiB), the log size
// (MirrorOptions::max_log_size), tile bodies (exact sizes), entry sizes (65,535 bytes).
//
// Thread-safety: not thread-safe. A directory mirror is locked (DIR/LOCK) while open.
#ifndef FACETRAIL_AUDIT_LOG_MIRROR_H_
#define FACETRAIL_AUDIT_LOG_MIRROR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "audit/http_fetcher.h"
#include "audit/mirror_store.h"
#include "core/env.h"
#include "facetrail/checkpoint.h"
#include "facetrail/log_store.h"
#include "facetrail/merkle.h"
#include "facetrail/note.h"
#include "facetrail/status.h"

namespace facetrail::auditor {

struct MirrorOptions {
  // A checkpoint claiming more entries is refused (kResourceExhausted) before any tile is
  // fetched. Memory in an in-memory mirror is ~32 bytes per entry.
  uint64_t max_log_size = uint64_t{1} << 32;
  size_t max_checkpoint_bytes = 64 << 10;
  size_t max_entry_bytes = kMaxLogEntryBytes;
  // Entry bundles (on a facetrail node they need an auditor or admin token). Without them
  // the tree is still recomputed from the leaf hashes, but entries are not checked.
  bool fetch_entries = true;
};

struct FetchReport {
  std::string origin;
  uint64_t previous_size = 0;  // mirrored size before the fetch (0: new mirror)
  merkle::Hash previous_root{};
  uint64_t size = 0;  // the node's checkpoint
  merkle::Hash root{};
  std::string previous_note, note;
  uint64_t hash_tiles_fetched = 0;
  uint64_t entry_bundles_fetched = 0;
  uint64_t entries_verified = 0;  // new entries whose bytes hash to their leaf
  uint64_t bytes_fetched = 0;
  // 0 < previous_size < size: the RFC 9162 consistency proof between the two checkpoints,
  // computed from the verified tiles, verified (its length).
  bool consistency_verified = false;
  size_t consistency_proof_hashes = 0;
  // OK, or why the log did not verify (kDataLoss, kUnauthenticated); the mirror then
  // still holds its previous checkpoint.
  Status verification;
  std::string evidence;  // where the refused checkpoints and tiles were kept, if anywhere
};

// True for a Status that means "the log did not verify" (exit 1), as opposed to usage,
// network or I/O trouble (exit 2).
bool IsVerificationFailure(const Status& s);

class LogMirror {
 public:
  // `dir` empty: an in-memory mirror (entry bundles are verified and dropped). Otherwise
  // the directory is created if missing and locked. An existing mirror's checkpoint must
  // verify under `log_key` and its tiles must reproduce its root (else kDataLoss, naming
  // the file). `log_key` must outlive the mirror.
  static StatusOr<std::unique_ptr<LogMirror>> Open(Env* env, const std::string& dir,
                                                   const note::Verifier* log_key,
                                                   MirrorOptions options = {});
  ~LogMirror();

  // Fetches and verifies the log's latest state from `node`. Errors (the StatusOr) are
  // usage, network and I/O problems; a log that does not verify is a report with
  // `verification` set.
  StatusOr<FetchReport> Fetch(Fetcher& node);

  // The mirrored (verified) checkpoint; size 0 and an empty origin before the first fetch.
  const checkpoint::Checkpoint& checkpoint() const { return checkpoint_; }
  const std::string& note() const { return note_; }
  // Root of the mirrored tree's first `size` entries (size <= checkpoint().size).
  StatusOr<merkle::Hash> RootAt(uint64_t size);
  // RFC 9162 consistency proof between two sizes of the mirrored tree.
  StatusOr<std::vector<merkle::Hash>> ConsistencyProof(uint64_t size1, uint64_t size2);

 private:
  struct Run;
  LogMirror(std::unique_ptr<MirrorStore> store, const note::Verifier* log_key, MirrorOptions options);
  Status Load();
  Status DoFetch(Fetcher& node, Run& run, FetchReport* r);
  Status KeepEvidence(Run& run, FetchReport* r);
  // Hash of a perfect subtree read from the tiles as they are at `tree_size`.
  StatusOr<merkle::Hash> SubtreeHash(uint64_t tree_size, uint64_t height, uint64_t index);
  StatusOr<std::vector<merkle::Hash>> HashTile(int level, uint64_t index, uint64_t tree_size);
  merkle::SubtreeHashFn HashFnAt(uint64_t tree_size);

  std::unique_ptr<MirrorStore> store_;
  const note::Verifier* log_key_;
  MirrorOptions options_;
  checkpoint::Checkpoint checkpoint_;
  std::string note_;
  // A few parsed tiles ("path" -> hashes); reads of neighbouring subtrees hit the same tile.
  std::vector<std::pair<std::string, std::vector<merkle::Hash>>> tile_cache_;
};

}  // namespace facetrail::auditor

#endif  // FACETRAIL_AUDIT_LOG_MIRROR_H_
