// Audit entries: the canonical JSON record the node appends to its log for every query
// (allowed or denied), lead decision, enrolment, deletion, authentication failure,
// authorisation denial, policy or user change (docs/audit-entries.md, GOVERNANCE rows 1-2).
//
// Canonical form: one JSON object, keys sorted, no insignificant white space, ASCII with
// \u escapes, no trailing newline. The same event always serialises to the same bytes, so
// an auditor can re-derive an entry's leaf hash from its parsed content.
// An entry never holds a face image or template: a probe appears as its SHA-256.
//
// Thread-safety: plain values and pure functions.
#ifndef FACETRAIL_NODE_AUDIT_ENTRY_H_
#define FACETRAIL_NODE_AUDIT_ENTRY_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "facetrail/status.h"

namespace facetrail::node {

inline constexpr std::string_view kAuditSchema = "facetrail-audit/v1";

// Fields every entry of one node carries.
struct AuditContext {
  std::string node_id;
  std::string agency;
  uint64_t policy_serial = 0;  // 0: no valid policy loaded
};

struct AuditActor {
  std::string id;           // empty for unauthenticated requests
  std::string role;
  std::string training_id;  // empty when none is on record
};

// Event types (the "type" field).
namespace event {
inline constexpr std::string_view kVerify = "query.verify";
inline constexpr std::string_view kSearch = "query.search";
inline constexpr std::string_view kDecision = "lead.decision";
inline constexpr std::string_view kEnrol = "identity.enrol";
inline constexpr std::string_view kDelete = "identity.delete";
inline constexpr std::string_view kAuthFailure = "auth.failure";
inline constexpr std::string_view kAccessDenied = "access.denied";
inline constexpr std::string_view kAccess = "access.read";
inline constexpr std::string_view kPolicyInstall = "policy.install";
inline constexpr std::string_view kUserAdd = "user.add";
inline constexpr std::string_view kUserRevoke = "user.revoke";
inline constexpr std::string_view kUserTrain = "user.train";
inline constexpr std::string_view kNodeStart = "node.start";
inline constexpr std::string_view kFederationRevocations = "federation.revocations";
}  // namespace event

// Serialises one entry: {"schema", "type", "time" (RFC 3339 UTC, microseconds), "node",
// "agency", "policy_serial", "actor" (omitted when id is empty), "outcome" ("ok" |
// "denied" | "error"), "reason" (when not ok), "details" (event-specific object)}.
// kInvalidArgument if `details` is not an object or the entry exceeds 60 KiB.
StatusOr<std::string> SerializeAuditEntry(const AuditContext& ctx, std::string_view type,
                                          int64_t time_micros, const AuditActor& actor,
                                          std::string_view outcome, std::string_view reason,
                                          const nlohmann::json& details);

// RFC 3339 with microseconds: "2026-11-27T23:15:00.123456Z".
std::string FormatMicrosRfc3339(int64_t micros);
// The inverse, for exactly that form (26 characters, UTC, six fractional digits):
// microseconds since the Unix epoch; kInvalidArgument for anything else.
StatusOr<int64_t> ParseMicrosRfc3339(std::string_view text);

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_AUDIT_ENTRY_H_
