// Checks a log mirrored by LogMirror against the checkpoint an oversight hub witnessed for
// it (the hub's portal JSON, GET /hub/v1/portal, docs/hub.md): the hub's checkpoint must
// carry a valid signature by the log key and a valid tlog-cosignature/v1 by the hub's
// witness key, and the mirrored tree must contain it (same root at that size). A hub that
// witnessed more than the node now serves, or another root at the same size, means the
// node showed the hub and the auditor different histories. CheckHubHistory does the same
// for every checkpoint the hub's witness ever cosigned (GET /hub/v1/agencies/{id}/checkpoints).
//
// Thread-safety: pure apart from reads of the mirror and, in CheckHubHistory, requests
// through the fetcher (neither is thread-safe).
#ifndef FACETRAIL_AUDIT_HUB_CHECK_H_
#define FACETRAIL_AUDIT_HUB_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/http_fetcher.h"
#include "audit/log_mirror.h"
#include "facetrail/merkle.h"
#include "facetrail/note.h"
#include "facetrail/status.h"

namespace facetrail::auditor {

struct HubCheckLimits {
  size_t max_portal_bytes = 32 << 20;
  int max_depth = 32;
  // GET agencies/{id}/checkpoints: bytes of one page, checkpoints asked for per page (the
  // hub's maximum) and checkpoints in all (beyond it: kResourceExhausted).
  size_t max_history_page_bytes = 32 << 20;
  uint64_t history_page_size = 1000;
  uint64_t max_history_checkpoints = 1000000;
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

// One page of the hub's checkpoint history (GET /hub/v1/agencies/{id}/checkpoints,
// docs/hub.md), parsed, nothing verified.
struct HubHistoryEntry {
  uint64_t size = 0;
  std::string root;  // as the hub shows it (hex)
  std::string note;
  std::string witnessed_at;
  bool cosigned = false;  // false: recorded before the hub kept cosignatures
};
struct HubHistoryPage {
  std::string agency, log_origin;
  std::vector<HubHistoryEntry> checkpoints;
  std::optional<uint64_t> next_after_size;  // nullopt: the last page
};

// Parses a page: kResourceExhausted over limits.max_history_page_bytes; kDataLoss for
// anything but that shape (nesting over limits.max_depth, more than
// limits.history_page_size checkpoints, a field of the wrong type). Unknown keys are
// ignored. Pure; the fuzz target fuzz/hub_history_page_fuzzer.cc.
StatusOr<HubHistoryPage> ParseHubHistoryPage(std::string_view body, const HubCheckLimits& limits = {});

struct HubHistoryCheck {
  uint64_t checkpoints = 0;        // listed by the hub (and checked, up to a failure)
  uint64_t verified = 0;           // cosigned: log signature, hub cosignature, mirror root
  uint64_t legacy_uncosigned = 0;  // recorded without cosignature: log signature and root
  std::optional<uint64_t> first_size, last_size;
  std::optional<uint64_t> failed_size;  // the checkpoint that failed, if one did
  // OK, or why the history and the mirrored log disagree or do not verify (kDataLoss,
  // kUnauthenticated).
  Status verification;
};

// Pages through the hub's history of `latest.agency`'s log (`hub` is rooted at
// HUB/hub/v1) and checks every checkpoint against the mirror, as CheckHubCheckpoint checks
// the latest: signed by `log_key`, cosigned by the witness key (`pinned_witness_key`, or
// `latest.witness_key` when empty), of the mirror's origin, at most the mirrored size, and
// the mirror's root at its size. A checkpoint without cosignature (`"cosigned": false`,
// recorded before the hub kept them) is still checked for the log's signature and root and
// counted in legacy_uncosigned, but fails if it is the latest; so does a history that
// omits the portal's verified latest checkpoint. Errors (the StatusOr): fetch errors,
// limits, `latest` naming no agency.
StatusOr<HubHistoryCheck> CheckHubHistory(Fetcher& hub, const HubCheck& latest, std::string_view pinned_witness_key,
                                          const note::Verifier& log_key, LogMirror& mirror,
                                          const HubCheckLimits& limits = {});

}  // namespace facetrail::auditor

#endif  // FACETRAIL_AUDIT_HUB_CHECK_H_
