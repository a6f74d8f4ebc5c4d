// File names and small shared pieces of the log store's on-disk layout
// (docs/log-format.md), used by the store, its recovery and the verifier.
//
// Thread-safety: Frontier is a plain value (no internal locking).
#ifndef FACETRAIL_AUDIT_LOG_LAYOUT_H_
#define FACETRAIL_AUDIT_LOG_LAYOUT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "facetrail/merkle.h"
#include "facetrail/status.h"

namespace facetrail::logstore {

inline constexpr char kLockFile[] = "LOCK";
inline constexpr char kEntriesFile[] = "entries.log";     // framed entry records
inline constexpr char kIndexFile[] = "entries.idx";       // u64be end offset per entry
inline constexpr char kCheckpointFile[] = "checkpoint";   // latest signed checkpoint
inline constexpr char kHistoryFile[] = "checkpoints.log"; // every signed checkpoint, framed
inline constexpr char kTreeDir[] = "tree";                // tree/<level>: 32-byte hashes
inline constexpr uint32_t kMaxCheckpointBytes = 64 * 1024;
inline constexpr size_t kHashSize = 32;
inline constexpr int kMaxLevels = 64;

// "tree/7" relative name of the level file.
std::string LevelFileName(int level);

// The right edge of an append-only tree: the roots of the perfect subtrees that make up
// [0, size), largest first (one per set bit of size). Appending a leaf may complete
// subtrees; their (level, index, hash) are reported so the caller can store them.
class Frontier {
 public:
  struct Node {
    int level;
    merkle::Hash hash;
  };
  using EmitFn = std::function<void(int level, uint64_t index, const merkle::Hash& hash)>;

  uint64_t size() const { return size_; }
  // Adds a leaf hash; calls emit for the leaf (level 0) and every subtree it completes.
  void Push(const merkle::Hash& leaf, const EmitFn& emit);
  merkle::Hash Root() const;
  // Rebuilds the frontier of a tree of `size` from stored perfect subtree hashes.
  static StatusOr<Frontier> Load(uint64_t size, const merkle::SubtreeHashFn& fn);

 private:
  uint64_t size_ = 0;
  std::vector<Node> nodes_;
};

}  // namespace facetrail::logstore

#endif  // FACETRAIL_AUDIT_LOG_LAYOUT_H_
