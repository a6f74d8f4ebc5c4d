// Federation state: adopting releases, applying revocation lists, the query gate.
#include "node/federation.h"

#include <sys/stat.h>

#include "core/env.h"
#include "facetrail/encoding.h"

namespace facetrail::node {
namespace {

constexpr char kReleaseFile[] = "release.bundle";
constexpr char kRevocationsFile[] = "revocations.bundle";

std::string Seconds(int64_t micros) { return std::to_string(micros / 1000000) + " s"; }

}  // namespace

Federation::Federation(FederationOptions options)
    : options_(std::move(options)), clock_(options_.clock ? options_.clock : Clock::Real()) {}

Federation::~Federation() { Stop(); }

StatusOr<std::unique_ptr<Federation>> Federation::Open(const FederationOptions& options) {
  if (options.hub_url.empty()) return InvalidArgumentError("federation: hub_url is required");
  if (options.agency.empty()) return InvalidArgumentError("federation: agency is required");
  if (options.state_dir.empty()) return InvalidArgumentError("federation: state_dir is required");
  if (options.poll_interval_seconds < 1 || options.grace_period_seconds < 0 ||
      options.report_interval_seconds < 1) {
    return InvalidArgumentError("federation: poll and report intervals must be >= 1 s, grace >= 0");
  }
  std::unique_ptr<Federation> f(new Federation(options));
  FT_ASSIGN_OR_RETURN(f->authority_, note::Ed25519Verifier::FromKey(options.authority_vkey));
  HubConnectionOptions ho;
  ho.url = options.hub_url;
  ho.agency_token = options.agency_token;
  FT_ASSIGN_OR_RETURN(f->hub_, HubConnection::Create(ho));
  if (!options.hub_witness_vkey.empty()) {
    FT_ASSIGN_OR_RETURN(f->witness_, witness::WitnessClient::Create(
                                         {{options.hub_url + "/hub/v1/witness", options.hub_witness_vkey}}));
  }
  FT_RETURN_IF_ERROR(Env::Default()->CreateDir(options.state_dir));
  ::chmod(options.state_dir.c_str(), 0700);
  // The models were loaded by the engine at start; later edits on disk do not change what
  // runs, so they are hashed once (the disclosure, calibration and policy at every poll).
  FT_ASSIGN_OR_RETURN(release::LocalArtifacts models,
                      release::HashLocalArtifacts(options.models_dir, "", "", ""));
  f->model_files_ = std::move(models.model_files);
  FT_RETURN_IF_ERROR(f->LoadState());
  return f;
}

Status Federation::LoadState() {
  Env* env = Env::Default();
  const std::string rev_path = JoinPath(options_.state_dir, kRevocationsFile);
  MutexLock lock(&mu_);
  if (env->FileExists(rev_path)) {
    FT_ASSIGN_OR_RETURN(std::string bundle, env->ReadFileToString(rev_path, 32 << 20));
    // A stored list that no longer verifies was tampered with: refuse to start rather than
    // forget what was revoked.
    auto list = release::OpenRevocations(bundle, *authority_);
    if (!list.ok()) return list.status().WithContext("federation: stored " + rev_path);
    revocations_ = std::move(*list);
  }
  const std::string rel_path = JoinPath(options_.state_dir, kReleaseFile);
  if (env->FileExists(rel_path)) {
    FT_ASSIGN_OR_RETURN(std::string bundle, env->ReadFileToString(rel_path, 1 << 20));
    FT_ASSIGN_OR_RETURN(release::LocalArtifacts local, HashLocal());
    Status s = AdoptLocked(bundle, local);
    // The files changed while the node was stopped: it starts, but answers no query until
    // a release that pins what is on disk is adopted.
    if (!s.ok()) last_error_ = "stored release refused: " + s.message();
  }
  return Status::Ok();
}

StatusOr<release::LocalArtifacts> Federation::HashLocal() const {
  FT_ASSIGN_OR_RETURN(release::LocalArtifacts local,
                      release::HashLocalArtifacts(options_.models_dir, options_.disclosure_path,
                                                  options_.calibration_path, options_.policy_path));
  local.model_files = model_files_;
  return local;
}

Status Federation::AdoptLocked(std::string_view bundle, const release::LocalArtifacts& local) {
  auto r = release::VerifyRelease(bundle, *authority_, local);
  if (!r.ok()) return r.status();
  if (bundle != release_bundle_) {
    FT_RETURN_IF_ERROR(Env::Default()->WriteStringToFileSync(
        JoinPath(options_.state_dir, kReleaseFile), bundle));
    release_bundle_ = std::string(bundle);
    disclosure_due_ = true;
  }
  release_ = std::move(*r);
  release_policy_mismatch_.clear();
  return Status::Ok();
}

Status Federation::AdoptRelease(std::string_view bundle) {
  FT_ASSIGN_OR_RETURN(release::LocalArtifacts local, HashLocal());
  MutexLock lock(&mu_);
  return AdoptLocked(bundle, local);
}

Status Federation::ApplyRevocationBundle(std::string_view bundle) {
  MutexLock lock(&mu_);
  const release::RevocationList* current = revocations_ ? &*revocations_ : nullptr;
  FT_ASSIGN_OR_RETURN(release::RevocationList next,
                      release::ApplyRevocations(current, bundle, *authority_));
  if (current == nullptr || next.sequence != current->sequence) {
    // Durable before it takes effect, so a restart can never forget a revocation.
    FT_RETURN_IF_ERROR(Env::Default()->WriteStringToFileSync(
        JoinPath(options_.state_dir, kRevocationsFile), bundle));
  }
  revocations_ = std::move(next);
  return Status::Ok();
}

Status Federation::PushRevocations(std::string_view bundle) { return ApplyRevocationBundle(bundle); }

void Federation::PolicyInstalled(std::string_view bundle) {
  const std::string sha = Sha256Hex(bundle);
  {
    MutexLock lock(&mu_);
    if (release_ && release_->policy_bundle_sha256 != sha) {
      release_policy_mismatch_ = "the installed policy bundle " + sha + " is not the one release " +
                                 release_->release_id + " pins (" + release_->policy_bundle_sha256 + ")";
    }
  }
  {
    std::lock_guard<std::mutex> l(loop_mu_);
    poll_now_ = true;
  }
  loop_cv_.notify_all();
}

Status Federation::Poll() {
  Status release_status = Status::Ok();
  auto local = HashLocal();
  if (!local.ok()) {
    release_status = local.status().WithContext("hashing local artifacts");
  } else if (!local->policy_bundle_sha256) {
    release_status = FailedPreconditionError("no policy bundle installed: no release can pin it");
  } else {
    auto fetched = hub_->Get("/hub/v1/releases/latest?policy_sha256=" + *local->policy_bundle_sha256);
    if (!fetched.ok()) {
      release_status = fetched.status();
    } else {
      MutexLock lock(&mu_);
      if (fetched->has_value()) {
        Status s = AdoptLocked(**fetched, *local);
        if (!s.ok()) release_status = s.WithContext("release refused");
      }
      // Whatever the hub offered, the release in force must still match the disk.
      if (release_ && !release_bundle_.empty()) {
        auto still = release::VerifyRelease(release_bundle_, *authority_, *local);
        release_policy_mismatch_ = still.ok() ? "" : still.status().message();
      }
      if (!fetched->has_value() && (!release_ || !release_policy_mismatch_.empty())) {
        release_status = NotFoundError("the hub has no release pinning this node's policy bundle " +
                                       *local->policy_bundle_sha256);
      }
    }
  }

  Status rev_status = Status::Ok();
  auto rev = hub_->Get("/hub/v1/revocations");
  if (!rev.ok()) {
    rev_status = rev.status();
  } else if (rev->has_value()) {
    rev_status = ApplyRevocationBundle(**rev);
  } else {
    MutexLock lock(&mu_);
    if (revocations_) {
      rev_status = FailedPreconditionError("the hub has no revocation list, this node holds sequence " +
                                           std::to_string(revocations_->sequence));
    }
  }
  MutexLock lock(&mu_);
  // Contact with the hub counts only when the revocation list is current: a hub that
  // serves an old or forged list cannot keep the node open.
  if (rev_status.ok()) last_poll_micros_ = clock_->NowMicros();
  Status first = !rev_status.ok() ? rev_status.WithContext("revocations") : release_status;
  last_error_ = first.ok() ? "" : first.message();
  return first;
}

Status Federation::CheckQuery() {
  MutexLock lock(&mu_);
  return GateLocked();
}

Status Federation::GateLocked() const {
  if (!release_) {
    return UnavailableError("federated node has adopted no release from the hub" +
                            (last_error_.empty() ? std::string() : " (" + last_error_ + ")"));
  }
  if (revocations_) {
    Status revoked = release::CheckNotRevoked(*revocations_, *release_, options_.agency);
    if (!revoked.ok()) return revoked;
  }
  if (!release_policy_mismatch_.empty()) {
    return UnavailableError("the adopted release " + release_->release_id +
                            " no longer matches this node: " + release_policy_mismatch_);
  }
  const int64_t now = clock_->NowMicros();
  const int64_t allowed = (options_.poll_interval_seconds + options_.grace_period_seconds) * 1000000;
  if (last_poll_micros_ == 0) {
    return UnavailableError("fail closed: the node has not reached the hub " + options_.hub_url + " yet");
  }
  if (now - last_poll_micros_ > allowed) {
    return UnavailableError("fail closed: no successful poll of the hub " + options_.hub_url + " for " +
                            Seconds(now - last_poll_micros_) + " (poll interval " +
                            std::to_string(options_.poll_interval_seconds) + " s + grace period " +
                            std::to_string(options_.grace_period_seconds) + " s)" +
                            (last_error_.empty() ? std::string() : ": " + last_error_));
  }
  return Status::Ok();
}

FederationStatus Federation::Describe() const {
  MutexLock lock(&mu_);
  Status gate = GateLocked();
  FederationStatus s;
  s.hub_url = options_.hub_url;
  s.release_id = release_ ? release_->release_id : "";
  s.revocation_sequence = revocations_ ? revocations_->sequence : 0;
  s.last_poll_micros = last_poll_micros_;
  s.grace_period_seconds = options_.grace_period_seconds;
  s.witnessed_size = witnessed_size_;
  s.fail_closed_reason = gate.ok() ? "" : gate.message();
  s.last_error = last_error_;
  return s;
}

}  // namespace facetrail::node
