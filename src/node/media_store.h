// MediaStore: the few images a node keeps, each for a stated reason and no longer.
//  - probes: the probe of a 1:N search that produced leads, kept while any of its leads
//    is pending so reviewers can compare, then deleted (or kept for the policy's
//    probe-image retention, when that is > 0);
//  - references: one reference image per enrolled identity, shown to reviewers beside the
//    probe; deleted with the identity.
// Verify probes and searches without leads are never stored (retention default: none).
//
// Thread-safety: all methods are safe to call concurrently.
#ifndef FACETRAIL_NODE_MEDIA_STORE_H_
#define FACETRAIL_NODE_MEDIA_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "facetrail/status.h"

namespace facetrail::node {

class MediaStore {
 public:
  static StatusOr<std::unique_ptr<MediaStore>> Open(const std::string& path);
  virtual ~MediaStore() = default;

  // kind: "probe" (key: the query's audit index) or "reference" (key: identity id).
  // delete_after: unix seconds after which Purge removes it; 0 = until deleted explicitly.
  virtual Status Put(std::string_view kind, std::string_view key, std::string_view bytes,
                     int64_t delete_after) = 0;
  virtual StatusOr<std::string> Get(std::string_view kind, std::string_view key) = 0;
  virtual Status Delete(std::string_view kind, std::string_view key) = 0;
  // Sets when an item expires (0 keeps it until deleted).
  virtual Status SetExpiry(std::string_view kind, std::string_view key, int64_t delete_after) = 0;
  // Removes every item whose delete_after has passed; returns how many.
  virtual StatusOr<int64_t> Purge(int64_t now_seconds) = 0;
};

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_MEDIA_STORE_H_
