// Use policy: the rules an agency's node enforces before any face is compared.
//
// A policy is a JSON document (schema "facetrail-policy/v1", docs/policy.md) signed by the
// oversight authority's Ed25519 key as a C2SP signed note (the bundle). A node verifies the
// bundle at start and on every change, records the policy's serial in every audit entry,
// and refuses every query without a valid policy (fail closed).
//
// The policy can only narrow what facetrail allows: modes are 1:1 verify and
// retrospective 1:N search (no streaming or crowd mode exists to enable); every query
// carries a purpose and a case number; a 1:N search always needs a legal authority;
// confirming a lead needs at least one reviewer beyond the querying officer.
//
// Thread-safety: Policy is a plain value. RateLimiter is thread-safe.
#ifndef FACETRAIL_POLICY_H_
#define FACETRAIL_POLICY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/clock.h"
#include "facetrail/note.h"
#include "facetrail/status.h"

namespace facetrail::policy {

inline constexpr std::string_view kSchema = "facetrail-policy/v1";

enum class Mode { kVerify, kSearch };
std::string_view ModeName(Mode mode);  // "verify", "search"

struct ModeRule {
  bool allowed = false;
  bool legal_authority_required = false;  // always true for search
};

struct QualityGate {
  float min_inter_eye_px = 0;  // probes below are refused (or flagged, see refuse)
  float min_sharpness = 0;
  bool refuse = true;          // false: accept but flag the result for reviewers
};

struct Policy {
  std::string agency;           // agency id the policy is issued to
  uint64_t serial = 0;          // monotonically increasing version; > 0
  std::string issued_at;        // RFC 3339 UTC
  std::vector<std::string> purposes;  // purpose codes allowed, e.g. "homicide"
  ModeRule verify;
  ModeRule search;
  double target_fmr = 1e-4;     // operating threshold as a false-match rate
  int max_candidates = 5;       // 1:N leads returned at most
  int rate_per_officer_hour = 20;
  int rate_per_officer_day = 100;
  int reviewers_required = 2;   // independent confirmations for a lead
  int training_validity_days = 365;
  int probe_retention_days = 0;  // 0: probe images are not stored
  int audit_retention_days = 3650;
  QualityGate quality;
  bool liveness_required = false;
};

// Parses and validates a policy JSON document. Unknown keys, missing keys, out-of-range
// values and anything that would widen the hard lines are kInvalidArgument naming the key.
StatusOr<Policy> ParsePolicyJson(std::string_view json);

// Canonical JSON (sorted keys, no insignificant whitespace, ASCII only): the signed form.
std::string CanonicalPolicyJson(const Policy& policy);

// The signed bundle is a C2SP signed note whose text is two lines: kSchema, then the
// canonical JSON. Signing refuses an invalid policy; opening verifies the authority's
// signature, then parses, then requires the JSON to be canonical (one policy, one text).
StatusOr<std::string> SignPolicyBundle(const Policy& policy, const note::Signer& authority);
// kUnauthenticated / kDataLoss for a missing or bad signature, kInvalidArgument for a
// malformed bundle or policy.
StatusOr<Policy> OpenPolicyBundle(std::string_view bundle, const note::Verifier& authority);

// A query as the officer submitted it.
struct QueryContext {
  Mode mode = Mode::kVerify;
  std::string purpose;
  std::string case_number;
  std::string legal_authority;
};

// Checks a query against the policy. kInvalidArgument for a missing/malformed field
// (message names it), kPermissionDenied for something the policy forbids.
Status CheckQuery(const Policy& policy, const QueryContext& query);

// Case numbers, purpose codes and legal-authority references: 1..128 printable ASCII
// characters without leading/trailing space.
bool IsValidReference(std::string_view s, size_t max_len = 128);

// Per-officer sliding-window rate limits (hour and day) from the policy. The windows live
// in memory; a node rebuilds them at start from its audit log (Restore), so a restart does
// not hand officers fresh quotas.
class RateLimiter {
 public:
  explicit RateLimiter(const Clock* clock);
  ~RateLimiter();
  // Records a query by `officer` if within both limits; kResourceExhausted otherwise,
  // with the seconds until the next query is allowed in the message.
  Status Acquire(std::string_view officer, int per_hour, int per_day);
  // Records a query `officer` made `age_micros` ago (wall-clock age, from the audit log)
  // without checking the limits. Ages of a day or more are ignored; negative ages (an
  // entry stamped ahead of this clock) count as now. Any order.
  void Restore(std::string_view officer, int64_t age_micros);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace facetrail::policy

#endif  // FACETRAIL_POLICY_H_
