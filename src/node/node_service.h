// NodeService: one agency's verification node, without the HTTP layer. Every request
// method authenticates the bearer token, authorises the role, checks the signed use policy,
// does the work, appends the audit entry and waits for it to be durable, then returns the
// result carrying the entry's log index (ARCHITECTURE "Data flow of one field query").
//
// Fail closed: no valid policy, an unwritable audit entry, or a missing model means no
// face is compared. Denials are audited too (auth failures, role denials, policy refusals).
//
// Files under NodeOptions::data_dir (docs/node.md):
//   node.key          the node's log-signing key (0600; created on first start)
//   report.key        the key that signs the node's accountability reports (0600; created
//                     on first start; the hub's `node_key`); report.vkey beside it
//   audit/            the audit log (LogStore)
//   policy.bundle     the current signed use policy
//   gallery.db users.db leads.db entries.db (derived case index) media.db (see media_store.h)
//
// Thread-safety: all public methods are safe to call concurrently.
#ifndef FACETRAIL_NODE_NODE_SERVICE_H_
#define FACETRAIL_NODE_NODE_SERVICE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/clock.h"
#include "facetrail/engine.h"
#include "facetrail/log_store.h"
#include "facetrail/policy.h"
#include "facetrail/status.h"
#include "node/lead_store.h"
#include "node/user_store.h"

namespace facetrail::node {

// Maps a score to the false-match rate it corresponds to, and back, for one model
// (built from the model's calibration table; see docs/evaluation.md).
class ScoreCalibration {
 public:
  virtual ~ScoreCalibration() = default;
  virtual const std::string& model_id() const = 0;
  // Estimated FMR of one comparison at this score (1:1).
  virtual double EstimatedFmr(float score) const = 0;
  // The lowest score whose estimated FMR is <= target.
  virtual StatusOr<float> ThresholdForFmr(double target_fmr) const = 0;
};

// A federated node's link to the oversight hub, as /healthz and /v1/report show it
// (federation.h, docs/hub.md).
struct FederationStatus {
  std::string hub_url;
  std::string release_id;              // "" until a release is adopted
  uint64_t revocation_sequence = 0;    // 0: no revocation list held
  int64_t last_poll_micros = 0;        // last successful poll of the hub (0: never)
  int64_t grace_period_seconds = 0;
  uint64_t witnessed_size = 0;         // largest checkpoint the hub cosigned
  std::string fail_closed_reason;      // "" while face queries may run
  std::string last_error;              // the latest failed poll, report or witness round
};

// Decides, before every face query, whether a federated node may answer at all: a release
// is adopted and verified, nothing it runs is revoked, its agency is not suspended, and the
// hub was reached within the grace period. Implemented by node::Federation.
// Thread-safety: implementations are safe to call from any thread.
class FederationGate {
 public:
  virtual ~FederationGate() = default;
  // OK, or kPermissionDenied (revoked release/model, suspended agency) or kUnavailable (no
  // release adopted, hub unreachable beyond the grace period) with a message saying why.
  virtual Status CheckQuery() = 0;
  virtual FederationStatus Describe() const = 0;
  // A pushed signed revocation list: verified and applied like a polled one.
  virtual Status PushRevocations(std::string_view bundle) = 0;
  // The node has just installed `bundle` as its policy (durably). Unless the adopted release
  // pins exactly these bytes, face queries stop at once (not at the next poll) until a
  // release pinning the new policy is adopted; the hub is asked for one straight away.
  virtual void PolicyInstalled(std::string_view bundle) = 0;
};

struct NodeOptions {
  std::string data_dir;
  std::string node_id = "node-1";
  std::string agency = "demo-pd";
  std::string authority_vkey;   // verifies policy bundles; required
  std::string log_origin;       // default "facetrail.local/<agency>/<node_id>"
  int64_t checkpoint_interval_seconds = 5;
  // Images larger than this are refused before decoding (HTTP 413 at the edge too).
  int64_t max_image_bytes = 10 << 20;
  Engine* engine = nullptr;                      // not owned; null: no face queries
  const ScoreCalibration* calibration = nullptr;  // not owned; required with an engine
  const Clock* clock = nullptr;                  // default Clock::Real()
  FederationGate* federation = nullptr;          // not owned; null: a standalone node
};

class RequestTrace;

// Who is asking, as the HTTP layer saw it.
struct RequestMeta {
  std::string token;   // bearer token ("" when absent)
  std::string remote;  // peer address, for the audit of auth failures
  // Optional: per-stage timings of this request are added here (request_trace.h). Not
  // owned; used only on the calling thread, during the call.
  RequestTrace* trace = nullptr;
};

struct ProbeQuery {
  std::string image;   // encoded JPEG/PNG bytes
  std::string purpose;
  std::string case_number;
  std::string legal_authority;
};

struct VerifyRequest {
  ProbeQuery probe;
  std::string identity_id;  // the claimed identity
};

struct VerifyResult {
  std::string result;        // "match" | "no_match" | "inconclusive"
  float score = 0;
  float threshold = 0;
  double target_fmr = 0;
  double estimated_fmr = 0;  // of a score this high between two different people
  FaceQuality quality;
  bool quality_flagged = false;  // below the quality gate but accepted (policy refuse=false)
  std::string model_id;
  uint64_t policy_serial = 0;
  uint64_t audit_index = 0;
};

struct SearchLead {
  std::string lead_id;
  std::string identity_id;
  int rank = 0;
  float score = 0;
  double estimated_fmr = 0;  // chance a gallery of this size yields a false lead this high
};

struct SearchResult {
  std::vector<SearchLead> candidates;  // empty: "no candidate"
  float threshold = 0;
  double target_fmr = 0;
  size_t gallery_size = 0;
  int64_t gallery_version = 0;
  FaceQuality quality;
  bool quality_flagged = false;
  std::string model_id;
  uint64_t policy_serial = 0;
  uint64_t audit_index = 0;
};

struct DecisionResult {
  Lead lead;             // with its new state
  uint64_t audit_index = 0;
};

struct EnrolRequest {
  std::string identity_id;
  std::string record_ref;
  std::vector<std::string> images;
};

struct EnrolOutcome {
  std::string identity_id;
  int templates_added = 0;
  int64_t gallery_version = 0;
  uint64_t audit_index = 0;
};

struct AuditEntryWithProof {
  uint64_t index = 0;
  std::string entry;
  SignedCheckpoint checkpoint;
  std::vector<merkle::Hash> proof;  // inclusion in checkpoint.size
};

struct CaseRecord {
  uint64_t index = 0;
  std::string entry;                // the audit entry (JSON)
  std::vector<merkle::Hash> proof;  // inclusion proof in the export's checkpoint
};

struct CaseExport {
  std::string case_number;
  SignedCheckpoint checkpoint;
  std::vector<CaseRecord> records;  // every audit entry that names the case, in log order
  std::vector<LeadView> leads;      // with all decisions
  uint64_t export_audit_index = 0;
};

struct UsageReport {
  int64_t generated_at_micros = 0;  // when the report was made (the node's clock)
  std::string node_id, agency, model_id, model_sha256, detector_id;
  std::optional<policy::Policy> policy;
  float threshold = 0;
  size_t gallery_identities = 0;
  int64_t gallery_version = 0;
  uint64_t log_size = 0;
  SignedCheckpoint checkpoint;
  // counts["verify"]["robbery"]["match"] etc. from the audit log: mode -> purpose -> outcome
  std::map<std::string, std::map<std::string, std::map<std::string, int64_t>>> counts;
  std::map<std::string, int64_t> leads_by_state;
  std::optional<FederationStatus> federation;  // absent on a standalone node
};

class NodeService {
 public:
  // Opens or initialises the node in options.data_dir. Loads policy.bundle if present
  // (an invalid one is an error: the operator must fix it, the node never runs with it).
  static StatusOr<std::unique_ptr<NodeService>> Open(const NodeOptions& options);
  virtual ~NodeService() = default;

  virtual StatusOr<VerifyResult> Verify(const RequestMeta& meta, const VerifyRequest& req) = 0;
  virtual StatusOr<SearchResult> Search(const RequestMeta& meta, const ProbeQuery& req) = 0;

  virtual StatusOr<std::vector<LeadView>> ListLeads(const RequestMeta& meta,
                                                    std::optional<LeadState> state) = 0;
  virtual StatusOr<DecisionResult> Decide(const RequestMeta& meta, std::string_view lead_id,
                                          bool confirm, std::string_view note) = 0;

  // The image a reviewer compares for a lead: the search's probe (probe=true; kept only
  // while the query has pending leads) or the identity's reference image.
  virtual StatusOr<std::string> LeadImage(const RequestMeta& meta, std::string_view lead_id,
                                          bool probe) = 0;

  virtual StatusOr<EnrolOutcome> Enrol(const RequestMeta& meta, const EnrolRequest& req) = 0;
  virtual StatusOr<uint64_t> DeleteIdentity(const RequestMeta& meta, std::string_view id) = 0;

  // Auditor/admin reads (each audited as access.read).
  virtual StatusOr<AuditEntryWithProof> AuditEntry(const RequestMeta& meta, uint64_t index) = 0;
  virtual StatusOr<CaseExport> ExportCase(const RequestMeta& meta, std::string_view case_number) = 0;
  virtual StatusOr<UsageReport> Report(const RequestMeta& meta) = 0;
  // The same report as a signed note by the node's report key (facetrail/signed_report.h):
  // what a federated node posts to the hub, and what anyone can check with ReportVerifierKey.
  virtual StatusOr<std::string> SignedReport(const RequestMeta& meta) = 0;
  // Entry bundles reveal entries: auditors and admins only. Checkpoint and hash tiles are
  // public (they reveal nothing but hashes).
  virtual StatusOr<std::string> ReadTiles(const RequestMeta& meta, std::string_view path) = 0;
  virtual SignedCheckpoint Checkpoint() = 0;

  // Verifies and installs a new policy bundle (admin). Refuses a lower or equal serial
  // unless identical, a bundle for another agency, or a bad signature.
  virtual StatusOr<uint64_t> InstallPolicy(const RequestMeta& meta, std::string_view bundle) = 0;
  // Same, for the operator's CLI on a stopped node: no token, audited as the local operator.
  virtual StatusOr<uint64_t> InstallPolicyAsOperator(std::string_view bundle) = 0;

  // Operator (CLI) user management, audited as the local operator.
  virtual StatusOr<std::string> AddUser(std::string_view id, std::string_view name, Role role) = 0;
  virtual Status RevokeUser(std::string_view id) = 0;
  virtual Status AttestTraining(std::string_view id, std::string_view training_id, int valid_days) = 0;
  virtual StatusOr<std::vector<UserInfo>> ListUsers() = 0;

  // A signed revocation list pushed by the hub (public: the authority's signature is what
  // counts). Audited; kFailedPrecondition on a standalone node or for an older list.
  virtual Status PushRevocations(const RequestMeta& meta, std::string_view bundle) = 0;
  virtual std::optional<FederationStatus> Federation() const = 0;

  virtual std::optional<policy::Policy> CurrentPolicy() const = 0;
  virtual std::string LogVerifierKey() const = 0;
  virtual std::string ReportVerifierKey() const = 0;
  virtual LogStore* log() = 0;
};

// True for errors about the probe or reference image itself (undecodable, too large, no
// face, below the quality gate): the HTTP layer answers 422 for these.
bool IsImageError(const Status& s);

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_NODE_SERVICE_H_
