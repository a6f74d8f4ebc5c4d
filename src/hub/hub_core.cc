// Hub request logic: registry, releases, revocations, reports (hub_core.h). The witness
// path is in hub_witnessing.cc, the portal JSON in hub_portal.cc.
#include "hub/hub_core.h"

#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/env.h"
#include "facetrail/encoding.h"
#include "facetrail/note.h"
#include "facetrail/policy.h"
#include "facetrail/signed_report.h"

namespace facetrail::hub {
namespace {

using json = nlohmann::json;

Reply JsonReply(int status, const json& j) { return {status, "application/json", j.dump() + "\n"}; }

// A bad authority signature on a posted document is a property of the document (422), not
// of the caller's credentials (401).
Status AsDocumentError(const Status& s) {
  if (s.code() == StatusCode::kUnauthenticated || s.code() == StatusCode::kDataLoss) {
    return DataLossError(s.message());
  }
  return s;
}

std::string NewToken() {
  std::array<uint8_t, 32> b{};
  randombytes_buf(b.data(), b.size());
  return HexEncode(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

std::string TokenHash(std::string_view token) { return Sha256Hex(token); }

StatusOr<json> ParseObject(std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("body must be a JSON object");
  return j;
}

StatusOr<std::string> Field(const json& j, const char* key, bool required, size_t max_len = 256) {
  if (!j.contains(key)) {
    if (required) return InvalidArgumentError(std::string("missing \"") + key + "\"");
    return std::string();
  }
  if (!j[key].is_string()) return InvalidArgumentError(std::string("\"") + key + "\" must be a string");
  std::string s = j[key].get<std::string>();
  if (s.size() > max_len || (required && s.empty())) {
    return InvalidArgumentError(std::string("\"") + key + "\" must be 1.." + std::to_string(max_len) + " bytes");
  }
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return InvalidArgumentError(std::string("\"") + key + "\" has a control character");
  }
  return s;
}

StatusOr<std::string> LoadOrCreateWitnessKey(const std::string& path, const std::string& name) {
  if (::access(path.c_str(), F_OK) != 0) {
    FT_ASSIGN_OR_RETURN(note::GeneratedKey k, note::GenerateKey(name));
    FT_RETURN_IF_ERROR(note::WritePrivateKeyFile(path, k.private_key));
  }
  return note::ReadPrivateKeyFile(path);
}

}  // namespace

Reply ErrorReply(const Status& s) {
  int status = 500;
  std::string code = "internal";
  switch (s.code()) {
    case StatusCode::kInvalidArgument: status = 400; code = "invalid_argument"; break;
    case StatusCode::kUnauthenticated: status = 401; code = "unauthenticated"; break;
    case StatusCode::kPermissionDenied: status = 403; code = "permission_denied"; break;
    case StatusCode::kNotFound: status = 404; code = "not_found"; break;
    case StatusCode::kAlreadyExists: status = 409; code = "already_exists"; break;
    case StatusCode::kFailedPrecondition: status = 409; code = "failed_precondition"; break;
    case StatusCode::kDataLoss: status = 422; code = "bad_signature"; break;
    case StatusCode::kResourceExhausted: status = 413; code = "too_large"; break;
    default: break;
  }
  return JsonReply(status, {{"error", {{"code", code}, {"message", s.ToString()}}}});
}

HubCore::~HubCore() = default;

StatusOr<std::unique_ptr<HubCore>> HubCore::Open(const HubOptions& options) {
  if (sodium_init() < 0) return InternalError("libsodium did not initialise");
  std::unique_ptr<HubCore> h(new HubCore());
  h->options_ = options;
  h->clock_ = options.clock != nullptr ? options.clock : Clock::Real();
  auto authority = note::Ed25519Verifier::FromKey(options.authority_vkey);
  if (!authority.ok()) return authority.status().WithContext("authority verifier key");
  h->authority_ = std::move(*authority);
  if (options.data_dir.empty()) return InvalidArgumentError("hub: no data directory");
  FT_RETURN_IF_ERROR(Env::Default()->CreateDir(options.data_dir));
  FT_ASSIGN_OR_RETURN(std::string skey, LoadOrCreateWitnessKey(JoinPath(options.data_dir, "witness.key"),
                                                               options.witness_key_name));
  FT_ASSIGN_OR_RETURN(h->witness_key_, note::Ed25519Signer::FromKey(skey));
  MutexLock lock(&h->mu_);
  FT_ASSIGN_OR_RETURN(h->store_, HubStore::Open(JoinPath(options.data_dir, "hub.db")));
  FT_ASSIGN_OR_RETURN(auto admin, h->store_->AdminTokenHash());
  if (!admin) {
    h->initial_admin_token_ = NewToken();
    FT_RETURN_IF_ERROR(h->store_->SetAdminTokenHash(TokenHash(h->initial_admin_token_)));
  }
  FT_RETURN_IF_ERROR(h->ReloadWitness());
  FT_RETURN_IF_ERROR(h->RefreshSnapshots());
  return h;
}

Status HubCore::RefreshSnapshots() {
  FT_ASSIGN_OR_RETURN(auto rel, store_->LatestRelease());
  FT_ASSIGN_OR_RETURN(auto revs, store_->LatestRevocations());
  FT_ASSIGN_OR_RETURN(auto all, store_->Releases());
  auto by_policy = std::make_shared<std::map<std::string, std::string>>();
  for (auto& [b, j] : all) {  // oldest first: a later release for a policy replaces the earlier
    auto parsed = release::ParseReleaseJson(j);
    if (parsed.ok()) (*by_policy)[parsed->policy_bundle_sha256] = std::move(b);
  }
  auto rel_bundle = rel ? std::make_shared<const std::string>(std::move(rel->first)) : nullptr;
  auto revs_bundle = revs ? std::make_shared<const std::string>(std::move(revs->first)) : nullptr;
  MutexLock lock(&snap_mu_);
  release_bundle_ = std::move(rel_bundle);
  revocations_bundle_ = std::move(revs_bundle);
  release_by_policy_ = std::move(by_policy);
  return Status::Ok();
}

bool HubCore::IsAdmin(std::string_view token) {
  auto h = store_->AdminTokenHash();
  return !token.empty() && h.ok() && h->has_value() && ConstantTimeEquals(TokenHash(token), **h);
}

bool HubCore::IsAgency(std::string_view token, const std::string& id) {
  auto h = store_->AgencyTokenHash(id);
  return !token.empty() && h.ok() && ConstantTimeEquals(TokenHash(token), *h);
}

Status HubCore::ReloadWitness() {
  FT_ASSIGN_OR_RETURN(auto agencies, store_->Agencies());
  witness::WitnessOptions o;
  o.db_path = JoinPath(options_.data_dir, "witness.db");
  o.key = witness_key_.get();
  o.clock = clock_;
  for (const auto& a : agencies) o.log_keys.push_back(a.log_key);
  if (o.log_keys.empty()) return Status::Ok();  // nothing to witness yet
  witness_.reset();  // one open state database at a time
  FT_ASSIGN_OR_RETURN(witness_, witness::Witness::Open(o));
  return Status::Ok();
}

Reply HubCore::CreateEnrolment(std::string_view token, std::string_view body) {
  MutexLock lock(&mu_);
  if (!IsAdmin(token)) return ErrorReply(UnauthenticatedError("the admin token is required"));
  auto j = ParseObject(body);
  if (!j.ok()) return ErrorReply(j.status());
  auto id = Field(*j, "agency_id", true, 128);
  if (!id.ok()) return ErrorReply(id.status());
  if (!policy::IsValidReference(*id)) return ErrorReply(InvalidArgumentError("bad \"agency_id\""));
  std::string t = NewToken();
  Status s = store_->AddEnrolment(TokenHash(t), *id, NowSeconds());
  if (!s.ok()) return ErrorReply(s);
  return JsonReply(201, {{"agency_id", *id}, {"enrolment_token", t}});
}

Reply HubCore::RegisterAgency(std::string_view token, std::string_view body) {
  auto j = ParseObject(body);
  if (!j.ok()) return ErrorReply(j.status());
  Agency a;
  for (auto [key, out, required] : {std::tuple{"id", &a.id, true}, {"name", &a.name, true},
                                    {"jurisdiction", &a.jurisdiction, true}, {"log_key", &a.log_key, true},
                                    {"node_key", &a.node_key, false}, {"contact", &a.contact, true}}) {
    auto v = Field(*j, key, required);
    if (!v.ok()) return ErrorReply(v.status());
    *out = std::move(*v);
  }
  if (!policy::IsValidReference(a.id)) return ErrorReply(InvalidArgumentError("bad agency \"id\""));
  auto lk = note::ParseVerifierKey(a.log_key);
  if (!lk.ok()) return ErrorReply(lk.status().WithContext("log_key"));
  if (!a.node_key.empty()) {
    auto nk = note::ParseVerifierKey(a.node_key);
    if (!nk.ok()) return ErrorReply(nk.status().WithContext("node_key"));
  }
  a.log_origin = lk->name;  // a log key's name is its checkpoint origin
  MutexLock lock(&mu_);
  a.registered_at = NowSeconds();
  if (!IsAdmin(token)) {
    auto used = store_->ConsumeEnrolment(TokenHash(token), a.id, a.registered_at);
    if (!used.ok()) return ErrorReply(used.status());
    if (!*used) return ErrorReply(UnauthenticatedError("the admin token or an unused enrolment token for this agency is required"));
  }
  std::string agency_token = NewToken();
  Status s = store_->AddAgency(a, TokenHash(agency_token));
  if (!s.ok()) return ErrorReply(s);
  Status w = ReloadWitness();
  if (!w.ok()) return ErrorReply(w);
  return JsonReply(201, {{"id", a.id}, {"log_origin", a.log_origin}, {"agency_token", agency_token},
                         {"witness_key", witness_vkey()}});
}

Reply HubCore::SetSuspended(std::string_view token, const std::string& id, bool suspended, std::string_view body) {
  std::string reason;
  if (suspended) {
    auto j = ParseObject(body);
    if (!j.ok()) return ErrorReply(j.status());
    auto r = Field(*j, "reason", true, 1024);
    if (!r.ok()) return ErrorReply(r.status());
    reason = *r;
  }
  MutexLock lock(&mu_);
  if (!IsAdmin(token)) return ErrorReply(UnauthenticatedError("the admin token is required"));
  Status s = store_->SetSuspended(id, suspended, reason);
  if (!s.ok()) return ErrorReply(s);
  return JsonReply(200, {{"id", id}, {"suspended", suspended}, {"reason", reason}});
}

Reply HubCore::ListAgencies() {
  MutexLock lock(&mu_);
  auto agencies = store_->Agencies();
  if (!agencies.ok()) return ErrorReply(agencies.status());
  json out = json::array();
  for (const auto& a : *agencies) {
    out.push_back({{"id", a.id}, {"name", a.name}, {"jurisdiction", a.jurisdiction}, {"log_key", a.log_key},
                   {"node_key", a.node_key}, {"contact", a.contact}, {"suspended", a.suspended},
                   {"suspended_reason", a.suspended_reason}, {"registered_at", FormatRfc3339(a.registered_at)}});
  }
  return JsonReply(200, {{"agencies", out}});
}

Reply HubCore::PostRelease(std::string_view token, std::string_view bundle) {
  auto r = release::OpenRelease(bundle, *authority_);
  MutexLock lock(&mu_);
  if (!IsAdmin(token)) return ErrorReply(UnauthenticatedError("the admin token is required"));
  if (!r.ok()) return ErrorReply(AsDocumentError(r.status()));
  Status s = store_->AddRelease(r->release_id, std::string(bundle), release::CanonicalReleaseJson(*r), NowSeconds());
  if (!s.ok()) return ErrorReply(s);
  s = RefreshSnapshots();
  if (!s.ok()) return ErrorReply(s);
  return JsonReply(201, {{"release_id", r->release_id}});
}

Reply HubCore::LatestRelease(const std::string& policy_sha256) {
  if (policy_sha256.empty()) {
    std::shared_ptr<const std::string> bundle;
    {
      MutexLock lock(&snap_mu_);
      bundle = release_bundle_;
    }
    if (bundle == nullptr) return ErrorReply(NotFoundError("no release published yet"));
    return {200, "text/plain; charset=utf-8", *bundle};
  }
  // Per-agency releases (each pins that agency's policy bundle): every node polls this.
  std::shared_ptr<const std::map<std::string, std::string>> by_policy;
  {
    MutexLock lock(&snap_mu_);
    by_policy = release_by_policy_;
  }
  if (by_policy != nullptr) {
    auto it = by_policy->find(policy_sha256);
    if (it != by_policy->end()) return {200, "text/plain; charset=utf-8", it->second};
  }
  return ErrorReply(NotFoundError("no release pins policy bundle " + policy_sha256));
}

Reply HubCore::PostRevocations(std::string_view token, std::string_view bundle) {
  MutexLock lock(&mu_);
  if (!IsAdmin(token)) return ErrorReply(UnauthenticatedError("the admin token is required"));
  auto held = store_->LatestRevocations();
  if (!held.ok()) return ErrorReply(held.status());
  std::optional<release::RevocationList> current;
  if (*held) {
    auto c = release::ParseRevocationJson((*held)->second);
    if (!c.ok()) return ErrorReply(c.status().WithContext("stored revocation list"));
    current = std::move(*c);
  }
  // The hub applies the same monotonicity rule as every node, so it never serves a list a
  // node would refuse.
  auto next = release::ApplyRevocations(current ? &*current : nullptr, bundle, *authority_);
  if (!next.ok()) return ErrorReply(AsDocumentError(next.status()));
  Status s = store_->AddRevocations(next->sequence, std::string(bundle),
                                    release::CanonicalRevocationJson(*next), NowSeconds());
  if (!s.ok()) return ErrorReply(s);
  s = RefreshSnapshots();
  if (!s.ok()) return ErrorReply(s);
  return JsonReply(201, {{"sequence", next->sequence}});
}

Reply HubCore::LatestRevocations() {
  // Every node polls this; it never waits behind a witness write (fsync-bound).
  std::shared_ptr<const std::string> bundle;
  {
    MutexLock lock(&snap_mu_);
    bundle = revocations_bundle_;
  }
  if (bundle == nullptr) return ErrorReply(NotFoundError("no revocation list published yet"));
  return {200, "text/plain; charset=utf-8", *bundle};
}

Reply HubCore::PostReport(std::string_view token, const std::string& id, std::string_view body,
                          std::string_view content_type) {
  const bool is_signed = content_type.rfind("text/plain", 0) == 0;
  if (!is_signed && content_type.rfind("application/json", 0) != 0) {
    return ErrorReply(InvalidArgumentError("a report is a signed note (text/plain) or JSON (application/json)"));
  }
  MutexLock lock(&mu_);
  if (!IsAgency(token, id)) return ErrorReply(UnauthenticatedError("the agency token is required"));
  auto agency = store_->AgencyById(id);
  if (!agency.ok()) return ErrorReply(agency.status());
  if (!*agency) return ErrorReply(NotFoundError("no agency " + id));
  const std::string& node_key = (*agency)->node_key;
  StoredReport stored;
  std::string json_text(body);
  if (is_signed) {
    if (node_key.empty()) {
      return ErrorReply(FailedPreconditionError("agency " + id + " registered no node_key to check a signed report"));
    }
    auto verifier = note::Ed25519Verifier::FromKey(node_key);
    if (!verifier.ok()) return ErrorReply(verifier.status().WithContext("node_key"));
    auto opened = report::OpenSignedReport(body, **verifier);
    if (!opened.ok()) {
      // A valid note by another key is as unauthenticated as a bad signature by this one.
      Status s = opened.status();
      if (s.code() == StatusCode::kUnauthenticated) s = DataLossError(s.message());
      return ErrorReply(s.WithContext("signed report"));
    }
    json_text = std::move(*opened);
    stored.signed_by_node = true;
    stored.note = std::string(body);
  } else if (!node_key.empty()) {
    return ErrorReply(FailedPreconditionError("agency " + id + " has a node_key: its reports must be signed "
                                              "(POST the node's GET /v1/report/signed as text/plain)"));
  }
  auto j = ParseObject(json_text);
  if (!j.ok()) return ErrorReply(j.status());
  // The node's /v1/report names its agency; a report filed under another agency is refused.
  if (!j->contains("agency") || !(*j)["agency"].is_string() || (*j)["agency"].get<std::string>() != id) {
    return ErrorReply(InvalidArgumentError("the report's \"agency\" must be " + id));
  }
  if (j->contains("usage") && !(*j)["usage"].is_object()) {
    return ErrorReply(InvalidArgumentError("\"usage\" must be an object"));
  }
  stored.generated_at = j->contains("generated_at") && (*j)["generated_at"].is_string()
                            ? (*j)["generated_at"].get<std::string>()
                            : "";
  if (stored.signed_by_node) {
    // A signed report must say when it was made, and a node never goes back in time: an
    // old signed report replayed (even with the agency token) cannot hide newer counts.
    // RFC 3339 UTC with fixed-width fields compares as text.
    if (stored.generated_at.size() < 20 || stored.generated_at.back() != 'Z') {
      return ErrorReply(InvalidArgumentError("a signed report needs \"generated_at\" (RFC 3339 UTC)"));
    }
    auto latest = store_->LatestReport(id);
    if (!latest.ok()) return ErrorReply(latest.status());
    if (*latest && (*latest)->signed_by_node && stored.generated_at < (*latest)->generated_at) {
      return ErrorReply(FailedPreconditionError("signed report generated at " + stored.generated_at +
                                                " is older than the one held (" + (*latest)->generated_at + ")"));
    }
  }
  stored.received_at = NowSeconds();
  stored.json = j->dump();
  Status s = store_->AddReport(id, stored);
  if (!s.ok()) return ErrorReply(s);
  return JsonReply(201, {{"stored", true}, {"signed", stored.signed_by_node}});
}

Reply HubCore::LatestReport(const std::string& id) {
  MutexLock lock(&mu_);
  auto r = store_->LatestReport(id);
  if (!r.ok()) return ErrorReply(r.status());
  if (!*r) return ErrorReply(NotFoundError("no report from agency " + id));
  if ((*r)->signed_by_node) return {200, "text/plain; charset=utf-8", (*r)->note};
  return {200, "application/json", (*r)->json};
}

Reply HubCore::PostDisclosure(std::string_view token, const std::string& id, std::string_view body) {
  if (body.empty()) return ErrorReply(InvalidArgumentError("empty disclosure"));
  MutexLock lock(&mu_);
  if (!IsAgency(token, id)) return ErrorReply(UnauthenticatedError("the agency token is required"));
  std::string sha = Sha256Hex(body);
  Status s = store_->SetDisclosure(id, sha, std::string(body));
  if (!s.ok()) return ErrorReply(s);
  return JsonReply(201, {{"sha256", sha}});
}

}  // namespace facetrail::hub
