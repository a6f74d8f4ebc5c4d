// Release and revocation-list JSON: strict parsing (every key required, none unknown,
// bounded lists) and the canonical form that is signed. nlohmann-json stays in this file.
#include <nlohmann/json.hpp>

#include <set>

#include "facetrail/policy.h"
#include "facetrail/release.h"

namespace facetrail::release {
namespace {

using json = nlohmann::json;

StatusOr<json> ParseObject(std::string_view text, std::string_view what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return InvalidArgumentError(std::string(what) + " is not a JSON object");
  }
  return j;
}

Status CheckKeys(const json& j, const std::set<std::string>& keys, std::string_view what) {
  for (const auto& [k, v] : j.items()) {
    (void)v;
    if (keys.count(k) == 0) return InvalidArgumentError(std::string(what) + ": unknown key \"" + k + "\"");
  }
  for (const auto& k : keys) {
    if (!j.contains(k)) return InvalidArgumentError(std::string(what) + ": missing key \"" + k + "\"");
  }
  return Status::Ok();
}

StatusOr<std::string> String(const json& j, const std::string& key) {
  const json& v = j.at(key);
  if (!v.is_string()) return InvalidArgumentError("\"" + key + "\" must be a string");
  return v.get<std::string>();
}

StatusOr<std::string> Reference(const json& j, const std::string& key) {
  FT_ASSIGN_OR_RETURN(std::string s, String(j, key));
  if (!policy::IsValidReference(s)) {
    return InvalidArgumentError("\"" + key + "\" must be 1..128 printable ASCII characters");
  }
  return s;
}

StatusOr<std::string> Digest(const json& j, const std::string& key) {
  FT_ASSIGN_OR_RETURN(std::string s, String(j, key));
  if (!IsSha256Hex(s)) return InvalidArgumentError("\"" + key + "\" must be 64 lowercase hex digits");
  return s;
}

// RFC 3339 UTC as FormatRfc3339 writes it: YYYY-MM-DDTHH:MM:SSZ.
StatusOr<std::string> Timestamp(const json& j, const std::string& key) {
  FT_ASSIGN_OR_RETURN(std::string s, String(j, key));
  static constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:ddZ";
  bool ok = s.size() == kPattern.size();
  for (size_t i = 0; ok && i < s.size(); ++i) {
    ok = kPattern[i] == 'd' ? (s[i] >= '0' && s[i] <= '9') : s[i] == kPattern[i];
  }
  if (!ok) return InvalidArgumentError("\"" + key + "\" must be RFC 3339 UTC (YYYY-MM-DDTHH:MM:SSZ)");
  return s;
}

StatusOr<std::vector<std::string>> StringList(const json& j, const std::string& key, bool digests) {
  const json& v = j.at(key);
  if (!v.is_array()) return InvalidArgumentError("\"" + key + "\" must be an array");
  if (v.size() > kMaxRevocationEntries) return ResourceExhaustedError("\"" + key + "\" is too long");
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& e : v) {
    if (!e.is_string()) return InvalidArgumentError("\"" + key + "\" entries must be strings");
    std::string s = e.get<std::string>();
    bool valid = digests ? IsSha256Hex(s) : policy::IsValidReference(s);
    if (!valid) return InvalidArgumentError("\"" + key + "\" has an invalid entry");
    if (!seen.insert(s).second) return InvalidArgumentError("\"" + key + "\" lists \"" + s + "\" twice");
    out.push_back(std::move(s));
  }
  return out;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', /*ensure_ascii=*/true); }

}  // namespace

bool IsSha256Hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

StatusOr<Release> ParseReleaseJson(std::string_view text) {
  FT_ASSIGN_OR_RETURN(json j, ParseObject(text, "release"));
  FT_RETURN_IF_ERROR(CheckKeys(j, {"schema", "release_id", "issued_at", "models", "disclosure_sha256",
                                   "calibration_sha256", "policy_bundle_sha256"}, "release"));
  FT_ASSIGN_OR_RETURN(std::string schema, String(j, "schema"));
  if (schema != kReleaseSchema) return InvalidArgumentError("release: \"schema\" must be " + std::string(kReleaseSchema));
  Release r;
  FT_ASSIGN_OR_RETURN(r.release_id, Reference(j, "release_id"));
  FT_ASSIGN_OR_RETURN(r.issued_at, Timestamp(j, "issued_at"));
  // A release without its disclosure would let a node run a model nobody measured.
  FT_ASSIGN_OR_RETURN(r.disclosure_sha256, Digest(j, "disclosure_sha256"));
  FT_ASSIGN_OR_RETURN(r.calibration_sha256, Digest(j, "calibration_sha256"));
  FT_ASSIGN_OR_RETURN(r.policy_bundle_sha256, Digest(j, "policy_bundle_sha256"));
  const json& models = j.at("models");
  if (!models.is_array() || models.empty()) return InvalidArgumentError("release: \"models\" must be a non-empty array");
  if (models.size() > kMaxModels) return ResourceExhaustedError("release: too many models");
  std::set<std::string> names, files;
  for (const auto& m : models) {
    if (!m.is_object()) return InvalidArgumentError("release: \"models\" entries must be objects");
    FT_RETURN_IF_ERROR(CheckKeys(m, {"name", "file", "sha256"}, "release model"));
    ModelPin p;
    FT_ASSIGN_OR_RETURN(p.name, Reference(m, "name"));
    FT_ASSIGN_OR_RETURN(p.file, Reference(m, "file"));
    FT_ASSIGN_OR_RETURN(p.sha256, Digest(m, "sha256"));
    if (p.file.find('/') != std::string::npos || p.file == "." || p.file == "..") {
      return InvalidArgumentError("release: model \"file\" must be a plain file name");
    }
    if (!names.insert(p.name).second || !files.insert(p.file).second) {
      return InvalidArgumentError("release: model \"" + p.name + "\" is listed twice");
    }
    r.models.push_back(std::move(p));
  }
  return r;
}

std::string CanonicalReleaseJson(const Release& r) {
  json models = json::array();
  for (const auto& m : r.models) models.push_back({{"name", m.name}, {"file", m.file}, {"sha256", m.sha256}});
  return Dump({{"schema", kReleaseSchema}, {"release_id", r.release_id}, {"issued_at", r.issued_at},
               {"models", models}, {"disclosure_sha256", r.disclosure_sha256},
               {"calibration_sha256", r.calibration_sha256},
               {"policy_bundle_sha256", r.policy_bundle_sha256}});
}

StatusOr<RevocationList> ParseRevocationJson(std::string_view text) {
  FT_ASSIGN_OR_RETURN(json j, ParseObject(text, "revocation list"));
  FT_RETURN_IF_ERROR(CheckKeys(j, {"schema", "sequence", "issued_at", "revoked_releases",
                                   "revoked_models", "suspended_agencies"}, "revocation list"));
  FT_ASSIGN_OR_RETURN(std::string schema, String(j, "schema"));
  if (schema != kRevocationSchema) {
    return InvalidArgumentError("revocation list: \"schema\" must be " + std::string(kRevocationSchema));
  }
  RevocationList l;
  const json& seq = j.at("sequence");
  if (!seq.is_number_unsigned() || seq.get<uint64_t>() == 0) {
    return InvalidArgumentError("revocation list: \"sequence\" must be a positive integer");
  }
  l.sequence = seq.get<uint64_t>();
  FT_ASSIGN_OR_RETURN(l.issued_at, Timestamp(j, "issued_at"));
  FT_ASSIGN_OR_RETURN(l.revoked_releases, StringList(j, "revoked_releases", false));
  FT_ASSIGN_OR_RETURN(l.revoked_models, StringList(j, "revoked_models", true));
  FT_ASSIGN_OR_RETURN(l.suspended_agencies, StringList(j, "suspended_agencies", false));
  return l;
}

std::string CanonicalRevocationJson(const RevocationList& l) {
  return Dump({{"schema", kRevocationSchema}, {"sequence", l.sequence}, {"issued_at", l.issued_at},
               {"revoked_releases", l.revoked_releases}, {"revoked_models", l.revoked_models},
               {"suspended_agencies", l.suspended_agencies}});
}

}  // namespace facetrail::release
