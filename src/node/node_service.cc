// NodeService lifecycle, authentication and authorisation, policy installation, operator
// user management, and the audit plumbing every request goes through.
#include <sys/stat.h>

#include <filesystem>

#include "core/env.h"
#include "facetrail/encoding.h"
#include "node/node_service_impl.h"

namespace facetrail::node {
namespace {

constexpr char kImageErrorPrefix[] = "image rejected: ";

}  // namespace

bool IsImageError(const Status& s) {
  return s.code() == StatusCode::kInvalidArgument &&
         s.message().rfind(kImageErrorPrefix, 0) == 0;
}

Status ImageError(const Status& s) {
  return InvalidArgumentError(kImageErrorPrefix + s.message());
}

NodeServiceImpl::NodeServiceImpl(const NodeOptions& options)
    : options_(options), clock_(options.clock ? options.clock : Clock::Real()) {}

StatusOr<std::unique_ptr<NodeService>> NodeService::Open(const NodeOptions& options) {
  if (options.data_dir.empty()) return InvalidArgumentError("node: data_dir is required");
  if (options.authority_vkey.empty()) {
    return InvalidArgumentError("node: the authority's verifier key is required (policy bundles)");
  }
  if (options.engine != nullptr && options.calibration == nullptr) {
    return InvalidArgumentError("node: a score calibration is required with an engine");
  }
  auto impl = std::make_unique<NodeServiceImpl>(options);
  FT_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<NodeService>(std::move(impl));
}

Status NodeServiceImpl::Init() {
  Env* env = Env::Default();
  const std::string& dir = options_.data_dir;
  FT_RETURN_IF_ERROR(env->CreateDir(dir));
  ::chmod(dir.c_str(), 0700);

  FT_ASSIGN_OR_RETURN(authority_, note::Ed25519Verifier::FromKey(options_.authority_vkey));
  if (options_.log_origin.empty()) {
    options_.log_origin = "facetrail.local/" + options_.agency + "/" + options_.node_id;
  }

  // The node's log key: created once, kept 0600 beside the data.
  const std::string key_path = JoinPath(dir, "node.key");
  if (!env->FileExists(key_path)) {
    FT_ASSIGN_OR_RETURN(note::GeneratedKey key, note::GenerateKey(options_.log_origin));
    FT_RETURN_IF_ERROR(note::WritePrivateKeyFile(key_path, key.private_key));
  }
  FT_ASSIGN_OR_RETURN(std::string skey, note::ReadPrivateKeyFile(key_path));
  FT_ASSIGN_OR_RETURN(log_signer_, note::Ed25519Signer::FromKey(skey));
  FT_ASSIGN_OR_RETURN(log_verifier_,
                      note::Ed25519Verifier::FromKey(log_signer_->VerifierKeyString()));
  FT_RETURN_IF_ERROR(env->WriteStringToFileSync(JoinPath(dir, "node.vkey"),
                                                log_signer_->VerifierKeyString() + "\n"));

  // The report key: kept apart from the log key, so a key that signs checkpoints signs
  // nothing else (facetrail/signed_report.h).
  const std::string report_key_path = JoinPath(dir, "report.key");
  if (!env->FileExists(report_key_path)) {
    FT_ASSIGN_OR_RETURN(note::GeneratedKey key, note::GenerateKey(log_signer_->name() + "/report"));
    FT_RETURN_IF_ERROR(note::WritePrivateKeyFile(report_key_path, key.private_key));
  }
  FT_ASSIGN_OR_RETURN(std::string rkey, note::ReadPrivateKeyFile(report_key_path));
  FT_ASSIGN_OR_RETURN(report_signer_, note::Ed25519Signer::FromKey(rkey));
  FT_RETURN_IF_ERROR(env->WriteStringToFileSync(JoinPath(dir, "report.vkey"),
                                                report_signer_->VerifierKeyString() + "\n"));

  LogStoreOptions lo;
  lo.clock = clock_;
  lo.origin = log_signer_->name();
  lo.signer = log_signer_.get();
  lo.verifier = log_verifier_.get();
  lo.create_if_missing = true;
  lo.checkpoint_interval_micros = options_.checkpoint_interval_seconds * 1000000;
  auto log = LogStore::Open(JoinPath(dir, "audit"), lo);
  if (!log.ok()) return log.status().WithContext("node: audit log");
  log_ = std::move(*log);

  FT_ASSIGN_OR_RETURN(users_, UserStore::Open(JoinPath(dir, "users.db"), clock_));
  FT_ASSIGN_OR_RETURN(leads_, LeadStore::Open(JoinPath(dir, "leads.db"), clock_));
  FT_ASSIGN_OR_RETURN(index_, EntryIndex::Open(JoinPath(dir, "entries.db")));
  FT_ASSIGN_OR_RETURN(media_, MediaStore::Open(JoinPath(dir, "media.db")));
  FT_ASSIGN_OR_RETURN(int64_t purged, media_->Purge(clock_->NowSeconds()));
  (void)purged;
  FT_ASSIGN_OR_RETURN(uint64_t indexed, index_->IndexedCount());
  FT_RETURN_IF_ERROR(IndexFrom(indexed));

  GalleryOptions go;
  go.path = JoinPath(dir, "gallery.db");
  if (options_.engine != nullptr) go.model_id = options_.engine->embedder().id;
  FT_ASSIGN_OR_RETURN(gallery_, Gallery::OpenSqlite(go));
  rate_ = std::make_unique<policy::RateLimiter>(clock_);
  FT_RETURN_IF_ERROR(RestoreRateWindows());
  if (options_.engine != nullptr) FT_RETURN_IF_ERROR(ReloadGallery());

  // A stored policy must still verify: an operator who edits it gets a node that refuses
  // to start, never one that runs on an unsigned policy.
  const std::string policy_path = JoinPath(dir, "policy.bundle");
  if (env->FileExists(policy_path)) {
    FT_ASSIGN_OR_RETURN(std::string bundle, env->ReadFileToString(policy_path, 1 << 20));
    auto p = policy::OpenPolicyBundle(bundle, *authority_);
    if (!p.ok()) return p.status().WithContext("node: stored policy.bundle");
    if (p->agency != options_.agency) {
      return FailedPreconditionError("node: stored policy is for agency '" + p->agency + "'");
    }
    MutexLock lock(&mu_);
    policy_ = *p;
  }

  nlohmann::json details = {{"log_origin", log_signer_->name()},
                            {"log_key", log_signer_->VerifierKeyString()},
                            {"report_key", report_signer_->VerifierKeyString()}};
  if (options_.engine != nullptr) {
    details["model"] = {{"id", options_.engine->embedder().id},
                        {"sha256", options_.engine->embedder().sha256}};
    details["detector"] = options_.engine->prominent_path_id();
  }
  FT_ASSIGN_OR_RETURN(uint64_t start_index, Audit(event::kNodeStart, Operator(), "ok", "", details));
  (void)start_index;
  return Status::Ok();
}

// The queries that counted against a rate limit are in the log: every query entry that
// passed the gate carries `rate_counted: true` (entries written before that field existed:
// the ones with outcome "ok"). Read backwards from the newest entry until one is a day
// old; an entry that is not ours or has no readable time is skipped, not trusted.
Status NodeServiceImpl::RestoreRateWindows() {
  constexpr int64_t kDay = 24 * 3600LL * 1000000;
  const int64_t now = clock_->NowMicros();
  // Reads a string member without throwing on entries of another shape.
  auto str = [](const nlohmann::json& j, const char* key) -> std::string {
    if (!j.is_object()) return "";
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : "";
  };
  for (uint64_t i = log_->Size(); i-- > 0;) {
    FT_ASSIGN_OR_RETURN(std::string entry, log_->Entry(i));
    const nlohmann::json e = nlohmann::json::parse(entry, nullptr, false);
    StatusOr<int64_t> t = ParseMicrosRfc3339(str(e, "time"));
    if (!t.ok()) continue;
    if (now - *t >= kDay) break;
    const std::string type = str(e, "type");
    if (type != event::kVerify && type != event::kSearch) continue;
    const std::string officer = str(e.value("actor", nlohmann::json()), "id");
    if (officer.empty()) continue;
    bool counted = str(e, "outcome") == "ok";
    if (auto d = e.find("details"); d != e.end() && d->is_object()) {
      auto flag = d->find("rate_counted");
      if (flag != d->end() && flag->is_boolean() && flag->get<bool>()) counted = true;
    }
    if (counted) rate_->Restore(officer, now - *t);
  }
  return Status::Ok();
}

Status NodeServiceImpl::IndexFrom(uint64_t start) {
  for (uint64_t i = start; i < log_->Size(); ++i) {
    FT_ASSIGN_OR_RETURN(std::string entry, log_->Entry(i));
    auto e = ParseIndexedEntry(i, entry);
    if (!e.ok()) continue;  // not ours (e.g. an entry appended by `facetrail log append`)
    FT_RETURN_IF_ERROR(index_->Add(*e));
  }
  return Status::Ok();
}

AuditContext NodeServiceImpl::ContextNow() const {
  MutexLock lock(&mu_);
  return AuditContext{options_.node_id, options_.agency, policy_ ? policy_->serial : 0};
}

StatusOr<uint64_t> NodeServiceImpl::Audit(std::string_view type, const AuditActor& actor,
                                          std::string_view outcome, std::string_view reason,
                                          const nlohmann::json& details,
                                          RequestTrace* trace) {
  std::string entry;
  {
    StageTimer t(trace, Stage::kAuditBuild);
    FT_ASSIGN_OR_RETURN(entry, SerializeAuditEntry(ContextNow(), type, clock_->NowMicros(),
                                                   actor, outcome, reason, details));
  }
  StatusOr<uint64_t> index = [&] {
    StageTimer t(trace, Stage::kAuditAppend);
    return log_->Append(entry);
  }();
  if (!index.ok()) {
    // Fail closed: the caller gets no result for a request whose record is not durable.
    return UnavailableError("audit log append failed: " + index.status().ToString());
  }
  // Index failures only cost a re-index at the next start; the log has the record.
  StageTimer t(trace, Stage::kAuditIndex);
  index_->Add(IndexedEntryOf(*index, type, outcome, details)).IgnoreError();
  return *index;
}

Status NodeServiceImpl::Deny(std::string_view type, const AuditActor& actor, const Status& why,
                             const nlohmann::json& details) {
  auto index = Audit(type, actor, "denied", why.message(), details);
  if (!index.ok()) return index.status();
  return Status(why.code(), why.message() + " (audit index " + std::to_string(*index) + ")");
}

AuditActor NodeServiceImpl::ActorOf(const Principal& p) {
  return AuditActor{p.user_id, std::string(RoleName(p.role)),
                    p.training ? p.training->training_id : std::string()};
}

AuditActor NodeServiceImpl::Operator() { return AuditActor{"operator@local", "admin", ""}; }

StatusOr<Principal> NodeServiceImpl::Authorize(const RequestMeta& meta,
                                               std::initializer_list<Role> roles,
                                               std::string_view action) {
  StageTimer timer(meta.trace, Stage::kAuth);
  auto p = users_->Authenticate(meta.token);
  if (!p.ok()) {
    // Record the attempt, never the token: its hash prefix lets an admin correlate
    // repeated attempts without storing a usable secret.
    nlohmann::json d = {{"action", action}, {"remote", meta.remote},
                        {"token_present", !meta.token.empty()}};
    if (!meta.token.empty()) d["token_sha256_prefix"] = Sha256Hex(meta.token).substr(0, 12);
    return Deny(event::kAuthFailure, AuditActor{}, p.status(), d);
  }
  for (Role r : roles) {
    if (p->role == r) return p;
  }
  return Deny(event::kAccessDenied, ActorOf(*p),
              PermissionDeniedError("role '" + std::string(RoleName(p->role)) +
                                    "' may not " + std::string(action)),
              {{"action", action}});
}

StatusOr<policy::Policy> NodeServiceImpl::GateQuery(const Principal& p,
                                                    const policy::QueryContext& q,
                                                    std::string_view type,
                                                    nlohmann::json* details_out) {
  const nlohmann::json& details = *details_out;
  std::optional<policy::Policy> current = CurrentPolicy();
  const AuditActor actor = ActorOf(p);
  // A federated node answers nothing the oversight authority has withdrawn (docs/hub.md).
  if (options_.federation != nullptr) {
    Status fed = options_.federation->CheckQuery();
    if (!fed.ok()) return Deny(type, actor, fed, details);
  }
  if (!current) {
    return Deny(type, actor, FailedPreconditionError("no valid use policy is installed"), details);
  }
  if (!TrainingValid(p, clock_->NowSeconds())) {
    return Deny(type, actor,
                PermissionDeniedError(p.training ? "training attestation expired"
                                                 : "no training attestation on record"),
                details);
  }
  Status check = policy::CheckQuery(*current, q);
  if (!check.ok()) return Deny(type, actor, check, details);
  Status rate = rate_->Acquire(p.user_id, current->rate_per_officer_hour,
                               current->rate_per_officer_day);
  if (!rate.ok()) return Deny(type, actor, rate, details);
  (*details_out)["rate_counted"] = true;
  if (options_.engine == nullptr || options_.calibration == nullptr) {
    return Deny(type, actor, UnavailableError("no face engine loaded"), details);
  }
  if (options_.calibration->model_id() != options_.engine->embedder().id) {
    return Deny(type, actor, FailedPreconditionError("calibration is for another model"), details);
  }
  return *current;
}

std::optional<policy::Policy> NodeServiceImpl::CurrentPolicy() const {
  MutexLock lock(&mu_);
  return policy_;
}

std::string NodeServiceImpl::LogVerifierKey() const { return log_signer_->VerifierKeyString(); }
std::string NodeServiceImpl::ReportVerifierKey() const { return report_signer_->VerifierKeyString(); }

StatusOr<uint64_t> NodeServiceImpl::InstallPolicy(const RequestMeta& meta, std::string_view bundle) {
  FT_ASSIGN_OR_RETURN(Principal p, Authorize(meta, {Role::kAdmin}, "install a policy"));
  return InstallPolicyFrom(ActorOf(p), bundle);
}

StatusOr<uint64_t> NodeServiceImpl::InstallPolicyAsOperator(std::string_view bundle) {
  return InstallPolicyFrom(Operator(), bundle);
}

StatusOr<uint64_t> NodeServiceImpl::InstallPolicyFrom(const AuditActor& actor,
                                                      std::string_view bundle) {
  nlohmann::json d = {{"bundle_sha256", Sha256Hex(bundle)}};
  auto p = policy::OpenPolicyBundle(bundle, *authority_);
  if (!p.ok()) {
    // A bad signature is the caller's bad input (HTTP 400), not data loss on this node.
    return Deny(event::kPolicyInstall, actor,
                InvalidArgumentError("policy bundle refused: " + p.status().message()), d);
  }
  d["serial"] = p->serial;
  if (p->agency != options_.agency) {
    return Deny(event::kPolicyInstall, actor,
                PermissionDeniedError("policy is for agency '" + p->agency + "', this node serves '" +
                                      options_.agency + "'"),
                d);
  }
  std::optional<policy::Policy> current = CurrentPolicy();
  if (current && p->serial < current->serial) {
    return Deny(event::kPolicyInstall, actor,
                FailedPreconditionError("policy serial " + std::to_string(p->serial) +
                                        " is older than the installed " +
                                        std::to_string(current->serial)),
                d);
  }
  if (current && p->serial == current->serial &&
      policy::CanonicalPolicyJson(*p) != policy::CanonicalPolicyJson(*current)) {
    return Deny(event::kPolicyInstall, actor,
                FailedPreconditionError("a different policy with the same serial is installed"), d);
  }
  Status w = Env::Default()->WriteStringToFileSync(JoinPath(options_.data_dir, "policy.bundle"),
                                                   bundle);
  if (!w.ok()) return w.WithContext("storing policy.bundle");
  {
    MutexLock lock(&mu_);
    policy_ = *p;
  }
  // A federated node runs only a policy its adopted release pins: a new one closes face
  // queries now, until the hub has a release for it (docs/node.md "Federation").
  if (options_.federation != nullptr) options_.federation->PolicyInstalled(bundle);
  return Audit(event::kPolicyInstall, actor, "ok", "", d);
}

StatusOr<std::string> NodeServiceImpl::AddUser(std::string_view id, std::string_view name, Role role) {
  FT_ASSIGN_OR_RETURN(std::string token, users_->AddUser(id, name, role));
  FT_ASSIGN_OR_RETURN(uint64_t index, Audit(event::kUserAdd, Operator(), "ok", "",
                                            {{"user", id}, {"role", RoleName(role)}}));
  (void)index;
  return token;
}

Status NodeServiceImpl::RevokeUser(std::string_view id) {
  FT_RETURN_IF_ERROR(users_->RevokeUser(id));
  return Audit(event::kUserRevoke, Operator(), "ok", "", {{"user", id}}).status();
}

Status NodeServiceImpl::AttestTraining(std::string_view id, std::string_view training_id,
                                       int valid_days) {
  FT_RETURN_IF_ERROR(users_->AttestTraining(id, training_id, "operator@local", valid_days));
  return Audit(event::kUserTrain, Operator(), "ok", "",
               {{"user", id}, {"training_id", training_id}, {"valid_days", valid_days}})
      .status();
}

SignedCheckpoint NodeServiceImpl::Checkpoint() { return log_->LatestCheckpoint(); }

}  // namespace facetrail::node
