// The hub's request logic without HTTP: each method takes the caller's bearer token (if
// the route needs one) and the request body, and returns the reply to send. hub_http.cc
// maps routes onto these; tests may call them directly.
//
// Authorisation: the admin token (printed once at first start) for registry changes,
// releases and revocations; a one-time enrolment token may register its own agency; the
// per-agency token returned at registration posts that agency's reports and disclosure.
// Releases and revocation lists must also carry the authority's signature.
//
// Thread-safety: every public method is safe to call from any thread. They serialise on one
// mutex (SQLite state and the witness decision are one critical section, so a split view is
// decided atomically), except the two documents every node polls: LatestRevocations and
// LatestRelease (latest, or latest per policy bundle) serve an immutable snapshot,
// replaced under the mutex after its commit, and never wait behind a witness write.
// Lock order: mu_ before snap_mu_.
#ifndef FACETRAIL_HUB_HUB_CORE_H_
#define FACETRAIL_HUB_HUB_CORE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/thread_annotations.h"
#include "facetrail/hub.h"
#include "facetrail/note.h"
#include "facetrail/release.h"
#include "facetrail/witness.h"
#include "hub/hub_store.h"

namespace facetrail::hub {

struct Reply {
  int status = 500;
  std::string content_type = "application/json";
  std::string body;
};

class HubCore {
 public:
  // Opens DATA/hub.db, DATA/witness.db and DATA/witness.key (created on first start).
  static StatusOr<std::unique_ptr<HubCore>> Open(const HubOptions& options);
  ~HubCore();

  const std::string& initial_admin_token() const { return initial_admin_token_; }
  std::string witness_vkey() const { return witness_key_->VerifierKeyString(); }

  Reply CreateEnrolment(std::string_view token, std::string_view body) EXCLUDES(mu_);
  Reply RegisterAgency(std::string_view token, std::string_view body) EXCLUDES(mu_);
  Reply SetSuspended(std::string_view token, const std::string& id, bool suspended,
                     std::string_view body) EXCLUDES(mu_);
  Reply ListAgencies() EXCLUDES(mu_);
  Reply PostRelease(std::string_view token, std::string_view bundle) EXCLUDES(mu_);
  // policy_sha256 empty: the latest release; otherwise the latest pinning that policy
  // bundle (404 when none does).
  Reply LatestRelease(const std::string& policy_sha256 = "") EXCLUDES(snap_mu_);
  Reply PostRevocations(std::string_view token, std::string_view bundle) EXCLUDES(mu_);
  Reply LatestRevocations() EXCLUDES(snap_mu_);
  // A node's accountability report. `content_type` text/plain: a signed report
  // (facetrail/signed_report.h), verified under the agency's node_key, whose generated_at
  // may not go back in time. application/json: an unsigned report, refused once the agency
  // has a node_key (fail closed), accepted and shown as unsigned otherwise.
  Reply PostReport(std::string_view token, const std::string& id, std::string_view body,
                   std::string_view content_type) EXCLUDES(mu_);
  // GET /hub/v1/agencies/{id}/report: the latest report as the node sent it (the signed
  // note, text/plain; or the JSON of an unsigned one), so anyone can check its signature.
  Reply LatestReport(const std::string& id) EXCLUDES(mu_);
  Reply PostDisclosure(std::string_view token, const std::string& id, std::string_view body) EXCLUDES(mu_);
  // POST /hub/v1/witness/add-checkpoint (C2SP tlog-witness wire format).
  Reply AddCheckpoint(std::string_view body) EXCLUDES(mu_);
  Reply Portal() EXCLUDES(mu_);
  // GET /hub/v1/agencies/{id}/checkpoints: the checkpoints the witness cosigned for the
  // agency's log, first cosigning per size, sizes > after_size ascending, at most `limit`
  // (docs/hub.md). An absent parameter takes its default (0, 1000); a present one must be
  // decimal in range (400). Holds mu_ only for the indexed read of one page.
  Reply CheckpointHistory(const std::string& id, const std::optional<std::string>& after_size,
                          const std::optional<std::string>& limit) EXCLUDES(mu_);

 private:
  HubCore() = default;
  bool IsAdmin(std::string_view token) REQUIRES(mu_);
  bool IsAgency(std::string_view token, const std::string& id) REQUIRES(mu_);
  // Reopens the witness trusting every registered agency's log key.
  Status ReloadWitness() REQUIRES(mu_);
  // Records the checkpoint and raises evidence alerts around one witness decision.
  void Examine(std::string_view body, const witness::Response& answer,
               const std::optional<witness::Witness::LogState>& before) REQUIRES(mu_);
  Status RaiseAlert(const std::string& agency, const std::string& kind, const std::string& message,
                    const std::string& a, const std::string& b) REQUIRES(mu_);
  int64_t NowSeconds() const { return clock_->NowMicros() / 1000000; }
  // Reloads the served snapshots from the writer's committed state.
  Status RefreshSnapshots() REQUIRES(mu_) EXCLUDES(snap_mu_);

  HubOptions options_;
  const Clock* clock_ = nullptr;
  std::unique_ptr<note::Ed25519Verifier> authority_;
  std::unique_ptr<note::Ed25519Signer> witness_key_;
  std::string initial_admin_token_;
  Mutex mu_;
  std::unique_ptr<HubStore> store_ GUARDED_BY(mu_);
  std::unique_ptr<witness::Witness> witness_ GUARDED_BY(mu_);  // null until an agency registers
  Mutex snap_mu_;  // held only to copy or swap a pointer
  std::shared_ptr<const std::string> release_bundle_ GUARDED_BY(snap_mu_);      // null: none yet
  std::shared_ptr<const std::string> revocations_bundle_ GUARDED_BY(snap_mu_);  // null: none yet
  // policy bundle SHA-256 -> the latest release bundle pinning it (nodes poll per policy).
  std::shared_ptr<const std::map<std::string, std::string>> release_by_policy_ GUARDED_BY(snap_mu_);
};

// JSON error body {"error":{"code":..., "message":...}} for a status.
Reply ErrorReply(const Status& status);

}  // namespace facetrail::hub

#endif  // FACETRAIL_HUB_HUB_CORE_H_
