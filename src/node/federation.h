// Federation: what makes a node part of an oversight federation (docs/hub.md, issue 6),
// fail closed.
//
//  - Releases: at start and on every poll the node asks the hub for the latest release
//    that pins its own policy bundle (GET /hub/v1/releases/latest?policy_sha256=...),
//    hashes what is on disk (models, disclosure, calibration, policy) and switches only if
//    release::VerifyRelease accepts it. Until a release is adopted, and whenever the
//    adopted one no longer matches the files on disk (an operator installed another
//    policy), face queries are refused: a node never runs a model without its disclosure.
//  - Revocations: polled (GET /hub/v1/revocations) or pushed; each list must carry the
//    authority's signature and may never roll back (release::ApplyRevocations). The last
//    applied list is kept in STATE/revocations.bundle and re-verified at start.
//  - Gate: CheckQuery refuses (kPermissionDenied) when the release, one of its models or
//    the agency is revoked, and (kUnavailable) when the last successful poll is older than
//    poll interval + grace period.
//  - Reporting: once Attach()ed to the NodeService, posts the node's /v1/report JSON and
//    its disclosure to the hub, and sends every new signed checkpoint of the audit log to
//    the hub's witness, keeping the latest cosigned note in STATE/witnessed.note.
//
// Time comes from the injected Clock; the background thread (Start) only decides *when*
// to call Poll/Report/Witness, so tests can drive every step directly with a ManualClock.
//
// Thread-safety: every public method is safe to call from any thread. Poll, pushes and
// the background loop serialise on one mutex for state changes; HTTP runs outside it.
#ifndef FACETRAIL_NODE_FEDERATION_H_
#define FACETRAIL_NODE_FEDERATION_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "core/thread_annotations.h"
#include "facetrail/clock.h"
#include "facetrail/note.h"
#include "facetrail/release.h"
#include "facetrail/status.h"
#include "facetrail/witness_client.h"
#include "node/federation_hub.h"
#include "node/node_config.h"
#include "node/node_service.h"

namespace facetrail::node {

struct FederationOptions {
  std::string hub_url;          // "http://host:port"
  std::string agency;           // this node's agency id at the hub
  std::string agency_token;     // posts reports and the disclosure
  std::string authority_vkey;   // verifies releases and revocation lists
  std::string hub_witness_vkey; // the hub witness's key; empty: checkpoints are not sent
  std::string state_dir;        // release.bundle, revocations.bundle, witnessed.note
  // The artifacts a release pins (hashed from disk, never from the manifest's claims).
  std::string models_dir;
  std::string disclosure_path;
  std::string calibration_path;
  std::string policy_path;      // the node's DATA/policy.bundle
  int64_t poll_interval_seconds = 60;
  // Queries are refused once the last successful poll is older than poll interval + this.
  // 0 (the default): fail closed as soon as one poll is missed.
  int64_t grace_period_seconds = 0;
  int64_t report_interval_seconds = 300;
  const Clock* clock = nullptr;  // not owned; Clock::Real() when null
};

class Federation final : public FederationGate {
 public:
  // Reads and re-verifies the durable state in state_dir (created 0700): a stored
  // revocation list or release that no longer verifies is an error, never ignored.
  // Hashes the model files once (the engine loaded them at start).
  static StatusOr<std::unique_ptr<Federation>> Open(const FederationOptions& options);
  ~Federation() override;

  // FederationGate.
  Status CheckQuery() override;
  FederationStatus Describe() const override;
  Status PushRevocations(std::string_view bundle) override;
  void PolicyInstalled(std::string_view bundle) override;

  // One poll of the hub: the release for the node's policy, then the revocation list.
  // Counts as successful (resets the grace period) only if both documents were fetched and
  // accepted (404 = nothing published yet is accepted). Returns the first failure.
  Status Poll();
  // Verifies `bundle` against the files on disk and switches to it (durably).
  Status AdoptRelease(std::string_view bundle);
  // Verifies `bundle` (signature, no rollback), stores it durably, then applies it.
  Status ApplyRevocationBundle(std::string_view bundle);

  // Reporting needs the node; `node` must outlive this object's Stop().
  void Attach(NodeService* node);
  // Posts GET /v1/report's JSON to /hub/v1/agencies/{id}/report.
  Status PostReport();
  // Posts the disclosure file to /hub/v1/agencies/{id}/disclosure.
  Status PostDisclosure();
  // Sends the node's latest checkpoint to the hub witness if it grew since the last one
  // cosigned; keeps the cosigned note. kUnavailable when the hub did not cosign.
  Status Witness();

  // Background loop: Poll every poll interval, PostReport every report interval (and the
  // disclosure after each newly adopted release), Witness whenever the log grew.
  void Start();
  void Stop();

 private:
  explicit Federation(FederationOptions options);
  Status LoadState();
  Status AdoptLocked(std::string_view bundle, const release::LocalArtifacts& local) REQUIRES(mu_);
  StatusOr<release::LocalArtifacts> HashLocal() const;
  Status GateLocked() const REQUIRES(mu_);
  void Loop();

  FederationOptions options_;
  const Clock* clock_;
  std::unique_ptr<note::Ed25519Verifier> authority_;
  std::unique_ptr<HubConnection> hub_;
  std::unique_ptr<witness::WitnessClient> witness_;  // null without a hub witness key
  // Model file digests, hashed once at Open.
  std::map<std::string, std::string> model_files_;

  mutable Mutex mu_;
  std::optional<release::Release> release_ GUARDED_BY(mu_);
  std::string release_bundle_ GUARDED_BY(mu_);
  std::string release_policy_mismatch_ GUARDED_BY(mu_);  // "" when the release matches disk
  std::optional<release::RevocationList> revocations_ GUARDED_BY(mu_);
  int64_t last_poll_micros_ GUARDED_BY(mu_) = 0;
  std::string last_error_ GUARDED_BY(mu_);
  bool disclosure_due_ GUARDED_BY(mu_) = true;
  uint64_t witnessed_size_ GUARDED_BY(mu_) = 0;
  NodeService* node_ GUARDED_BY(mu_) = nullptr;

  Mutex witness_mu_;  // one witness round at a time (the client's size cache is per round)

  std::mutex loop_mu_;
  std::condition_variable loop_cv_;
  bool stop_ = false;      // guarded by loop_mu_
  bool poll_now_ = false;  // guarded by loop_mu_: a new policy wants a release at once
  std::thread thread_;
};

// The federation of a node started by `facetrail serve` from its config: reads the agency
// token file, state in DATA/federation/, the policy at DATA/policy.bundle, the calibration
// file the engine uses. kInvalidArgument for an incomplete config, kIOError for the token.
StatusOr<std::unique_ptr<Federation>> OpenFederation(const NodeConfig& config, const std::string& data_dir,
                                                     const std::string& calibration_path,
                                                     const Clock* clock = nullptr);

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_FEDERATION_H_
