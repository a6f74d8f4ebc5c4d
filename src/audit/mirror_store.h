// MirrorStore: where an auditor's mirror of a log keeps its files, by tlog-tiles path
// ("checkpoint", "tile/0/000", "tile/entries/x001/002.p/7", "evidence/1/..."): a directory
// laid out exactly like the log's tiles (so it can be served as static files), or memory.
//
// Thread-safety: not thread-safe; one LogMirror uses it from one thread.
#ifndef FACETRAIL_AUDIT_MIRROR_STORE_H_
#define FACETRAIL_AUDIT_MIRROR_STORE_H_

#include <memory>
#include <string>
#include <string_view>

#include "core/env.h"
#include "facetrail/status.h"

namespace facetrail::auditor {

class MirrorStore {
 public:
  virtual ~MirrorStore() = default;
  // kNotFound if absent; kResourceExhausted if longer than max_bytes.
  virtual StatusOr<std::string> Read(const std::string& path, size_t max_bytes) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // Writes a new file (parents created) and makes it durable. Used only for names no
  // committed checkpoint refers to, so a crash half-way is harmless.
  virtual Status Write(const std::string& path, std::string_view data) = 0;
  // Atomic durable replace (the mirror's checkpoint: the commit point).
  virtual Status Replace(const std::string& path, std::string_view data) = 0;
  // Renames a file (parents of `to` created); for moving refused tiles into evidence.
  virtual Status Move(const std::string& from, const std::string& to) = 0;
  virtual Status Remove(const std::string& path) = 0;
  // Where `path` lives, for messages ("/srv/mirror/tile/0/000" or "memory:tile/0/000").
  virtual std::string Describe(const std::string& path) const = 0;
  virtual bool in_memory() const = 0;
};

// A directory store under `root` (created if missing). Holds an exclusive lock on
// root/LOCK while it lives, so two fetches never interleave on one mirror (kUnavailable).
StatusOr<std::unique_ptr<MirrorStore>> OpenDirMirrorStore(Env* env, const std::string& root);
std::unique_ptr<MirrorStore> NewMemoryMirrorStore();

}  // namespace facetrail::auditor

#endif  // FACETRAIL_AUDIT_MIRROR_STORE_H_
