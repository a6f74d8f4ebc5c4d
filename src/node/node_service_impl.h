// Private: the NodeService implementation shared by node_service.cc (lifecycle, auth,
// policy, users, audit plumbing) and node_queries.cc (face queries, leads, gallery, reads).
#ifndef FACETRAIL_NODE_NODE_SERVICE_IMPL_H_
#define FACETRAIL_NODE_NODE_SERVICE_IMPL_H_

#include <initializer_list>
#include <memory>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/thread_annotations.h"
#include "facetrail/gallery.h"
#include "facetrail/matcher.h"
#include "facetrail/note.h"
#include "node/audit_entry.h"
#include "node/entry_index.h"
#include "node/media_store.h"
#include "node/node_service.h"
#include "node/request_trace.h"

namespace facetrail::node {

// Wraps an image problem (undecodable, too large, no face, below the quality gate) so that
// IsImageError recognises it (HTTP 422). Defined in node_service.cc.
Status ImageError(const Status& s);

// The gallery as the node searches it: templates plus the matcher built from them.
struct GallerySnapshot {
  std::shared_ptr<const GalleryTemplates> templates;
  std::unordered_map<std::string, std::vector<size_t>> rows_by_identity;
  std::shared_ptr<Matcher> matcher;
  size_t identities = 0;
};

class NodeServiceImpl final : public NodeService {
 public:
  explicit NodeServiceImpl(const NodeOptions& options);
  Status Init();

  StatusOr<VerifyResult> Verify(const RequestMeta& meta, const VerifyRequest& req) override;
  StatusOr<SearchResult> Search(const RequestMeta& meta, const ProbeQuery& req) override;
  StatusOr<std::vector<LeadView>> ListLeads(const RequestMeta& meta,
                                            std::optional<LeadState> state) override;
  StatusOr<DecisionResult> Decide(const RequestMeta& meta, std::string_view lead_id, bool confirm,
                                  std::string_view note) override;
  StatusOr<std::string> LeadImage(const RequestMeta& meta, std::string_view lead_id,
                                  bool probe) override;
  StatusOr<EnrolOutcome> Enrol(const RequestMeta& meta, const EnrolRequest& req) override;
  StatusOr<uint64_t> DeleteIdentity(const RequestMeta& meta, std::string_view id) override;
  StatusOr<AuditEntryWithProof> AuditEntry(const RequestMeta& meta, uint64_t index) override;
  StatusOr<CaseExport> ExportCase(const RequestMeta& meta, std::string_view case_number) override;
  StatusOr<UsageReport> Report(const RequestMeta& meta) override;
  StatusOr<std::string> SignedReport(const RequestMeta& meta) override;
  StatusOr<std::string> ReadTiles(const RequestMeta& meta, std::string_view path) override;
  SignedCheckpoint Checkpoint() override;
  StatusOr<uint64_t> InstallPolicy(const RequestMeta& meta, std::string_view bundle) override;
  StatusOr<uint64_t> InstallPolicyAsOperator(std::string_view bundle) override;
  StatusOr<std::string> AddUser(std::string_view id, std::string_view name, Role role) override;
  Status RevokeUser(std::string_view id) override;
  Status AttestTraining(std::string_view id, std::string_view training_id, int valid_days) override;
  StatusOr<std::vector<UserInfo>> ListUsers() override { return users_->ListUsers(); }
  Status PushRevocations(const RequestMeta& meta, std::string_view bundle) override;
  std::optional<FederationStatus> Federation() const override;
  std::optional<policy::Policy> CurrentPolicy() const override;
  std::string LogVerifierKey() const override;
  std::string ReportVerifierKey() const override;
  LogStore* log() override { return log_.get(); }

 private:
  // Appends an audit entry and indexes it; returns its log index once durable. `trace`
  // (optional) gets the build, append and index times.
  StatusOr<uint64_t> Audit(std::string_view type, const AuditActor& actor,
                           std::string_view outcome, std::string_view reason,
                           const nlohmann::json& details, RequestTrace* trace = nullptr);
  // Audits a refusal and returns `why` (with the entry's index in the message).
  Status Deny(std::string_view type, const AuditActor& actor, const Status& why,
              const nlohmann::json& details);

  // Authenticates and checks the role; audits failures (auth.failure / access.denied).
  StatusOr<Principal> Authorize(const RequestMeta& meta, std::initializer_list<Role> roles,
                                std::string_view action);
  static AuditActor ActorOf(const Principal& p);
  static AuditActor Operator();

  // Policy gate of a face query: policy present, trained officer, query fields, rate.
  // Once the query has counted against the officer's rate limits, sets
  // `rate_counted: true` in *details, so that every later entry of this query says so
  // (RestoreRateWindows reads it back at the next start).
  StatusOr<policy::Policy> GateQuery(const Principal& p, const policy::QueryContext& q,
                                     std::string_view type, nlohmann::json* details);
  // Rebuilds the rate limiter's windows from the last 24 hours of the audit log.
  Status RestoreRateWindows();
  StatusOr<uint64_t> InstallPolicyFrom(const AuditActor& actor, std::string_view bundle);
  Status ReloadGallery();
  std::shared_ptr<const GallerySnapshot> Snapshot() const;
  Status IndexFrom(uint64_t start);

  NodeOptions options_;
  const Clock* clock_;
  AuditContext ContextNow() const;

  std::unique_ptr<note::Ed25519Signer> log_signer_;
  std::unique_ptr<note::Ed25519Signer> report_signer_;  // signs reports only, never checkpoints
  std::unique_ptr<note::Ed25519Verifier> log_verifier_;
  std::unique_ptr<note::Ed25519Verifier> authority_;
  std::unique_ptr<LogStore> log_;
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<LeadStore> leads_;
  std::unique_ptr<EntryIndex> index_;
  std::unique_ptr<MediaStore> media_;
  std::unique_ptr<Gallery> gallery_;
  std::unique_ptr<policy::RateLimiter> rate_;

  mutable Mutex mu_;
  std::optional<policy::Policy> policy_ GUARDED_BY(mu_);
  std::shared_ptr<const GallerySnapshot> snapshot_ GUARDED_BY(mu_);
  Mutex gallery_write_mu_;  // serialises enrol/delete + reload
};

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_NODE_SERVICE_IMPL_H_
