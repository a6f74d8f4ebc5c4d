// Checks a log mirrored by LogMirror against the checkpoint an oversight hub witnessed for
// it (the hub's portal JSON, GET /hub/v1/portal, docs/hub.md): the hub's checkpoint must
// carry a valid signature by the log key and a valid tlog-cosignature/v1 by the hub's
// witness key, and the mirrored tree must contain it (same root at that size). A hub that
// witnessed more than the node now serves, or another root at the same size, means the
// node showed the hub and the auditor different histories.
//
// Thread-safety: pure apart from reads of the mirror (which is not thread-safe).
#ifndef FACETRAIL_AUDIT_HUB_CHECK_H_
#define FACETRAIL_AUDIT_HUB_CHECK_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "audit/log_mirror.h"
#include "facetrail/merkle.h"
#include "facetrail/note.h"
#include "facetrail/status.h"

namespace facetrail::auditor {

struct HubCheckLimits {
  size_t max_portal_bytes = 32 << 20;
  int max_depth = 32;
};

struct HubCheck {
  std::string agency;       // the agency whose log_origin is the mirror's origin
  std::string witness_key;  // the hub's witness vkey (from the portal, or as pinned)
  uint64_t size = 0;
  merkle::Hash root{};
  std::string note;
  std::string witnessed_at;
  uint64_t cosigned_at = 0;  // the cosignature's timestamp (unix seconds)
  // OK, or why the hub's view and the mirrored log disagree or do not verify
  // (kDataLoss, kUnauthenticated).
  Status verification;
};

// `portal` is the body of GET /hub/v1/portal. `pinned_witness_key`, when non-empty, must be
// the portal's hub.witness_key (otherwise the portal's own key is used: it then only shows
// that the hub cosigned, not which hub). The mirror must hold a verified checkpoint.
// Errors (the StatusOr) are limits and a mirror without a checkpoint.
StatusOr<HubCheck> CheckHubCheckpoint(std::string_view portal, const note::Verifier& log_key,
                                      std::string_view pinned_witness_key, LogMirror& mirror,
                                      const HubCheckLimits& limits = {});

}  // namespace facetrail::auditor

#endif  // FACETRAIL_AUDIT_HUB_CHECK_H_
