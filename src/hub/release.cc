// Signing and opening release / revocation-list notes, and the node-side checks.
#include <algorithm>
#include <array>

#include "facetrail/release.h"

namespace facetrail::release {
namespace {

// The policy bundle's framing: schema line, one canonical JSON line.
StatusOr<std::string> SignDocument(std::string_view schema, const std::string& json,
                                   const note::Signer& authority) {
  std::string text = std::string(schema) + "\n" + json + "\n";
  std::array<const note::Signer*, 1> signers{&authority};
  return note::Sign(text, signers);
}

StatusOr<std::string> OpenDocument(std::string_view bundle, std::string_view schema,
                                   const note::Verifier& authority) {
  std::array<const note::Verifier*, 1> verifiers{&authority};
  auto opened = note::Open(bundle, verifiers);
  if (!opened.ok()) return opened.status().WithContext(std::string(schema) + " signature");
  std::string_view text = opened->text;
  size_t first = text.find('\n');
  if (first == std::string_view::npos || text.substr(0, first) != schema) {
    return InvalidArgumentError("signed document does not start with " + std::string(schema));
  }
  std::string_view json = text.substr(first + 1);
  if (json.empty() || json.back() != '\n' || json.find('\n') != json.size() - 1) {
    return InvalidArgumentError(std::string(schema) + " must hold exactly one JSON line");
  }
  json.remove_suffix(1);
  return std::string(json);
}

bool Contains(const std::vector<std::string>& v, std::string_view s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

StatusOr<std::string> SignRelease(const Release& release, const note::Signer& authority) {
  std::string json = CanonicalReleaseJson(release);
  FT_ASSIGN_OR_RETURN(Release checked, ParseReleaseJson(json));  // never sign an invalid one
  (void)checked;
  return SignDocument(kReleaseSchema, json, authority);
}

StatusOr<Release> OpenRelease(std::string_view bundle, const note::Verifier& authority) {
  FT_ASSIGN_OR_RETURN(std::string json, OpenDocument(bundle, kReleaseSchema, authority));
  FT_ASSIGN_OR_RETURN(Release r, ParseReleaseJson(json));
  // One release, one text: otherwise two byte-different bundles could claim one release.
  if (CanonicalReleaseJson(r) != json) return InvalidArgumentError("release JSON is not in canonical form");
  return r;
}

StatusOr<std::string> SignRevocations(const RevocationList& list, const note::Signer& authority) {
  std::string json = CanonicalRevocationJson(list);
  FT_ASSIGN_OR_RETURN(RevocationList checked, ParseRevocationJson(json));
  (void)checked;
  return SignDocument(kRevocationSchema, json, authority);
}

StatusOr<RevocationList> OpenRevocations(std::string_view bundle, const note::Verifier& authority) {
  FT_ASSIGN_OR_RETURN(std::string json, OpenDocument(bundle, kRevocationSchema, authority));
  FT_ASSIGN_OR_RETURN(RevocationList l, ParseRevocationJson(json));
  if (CanonicalRevocationJson(l) != json) {
    return InvalidArgumentError("revocation list JSON is not in canonical form");
  }
  return l;
}

StatusOr<Release> VerifyRelease(std::string_view bundle, const note::Verifier& authority,
                                const LocalArtifacts& local) {
  FT_ASSIGN_OR_RETURN(Release r, OpenRelease(bundle, authority));
  struct Artifact {
    const char* what;
    const std::optional<std::string>& have;
    const std::string& want;
  };
  const Artifact artifacts[] = {{"accuracy disclosure", local.disclosure_sha256, r.disclosure_sha256},
                                {"calibration table", local.calibration_sha256, r.calibration_sha256},
                                {"policy bundle", local.policy_bundle_sha256, r.policy_bundle_sha256}};
  for (const auto& a : artifacts) {
    if (!a.have) {
      return FailedPreconditionError(std::string("release ") + r.release_id + ": the " + a.what +
                                     " is missing on this node");
    }
    if (*a.have != a.want) {
      return DataLossError(std::string("release ") + r.release_id + ": the local " + a.what +
                           " has SHA-256 " + *a.have + ", the release pins " + a.want);
    }
  }
  for (const auto& m : r.models) {
    auto it = local.model_files.find(m.file);
    if (it == local.model_files.end() || it->second.empty()) {
      return FailedPreconditionError("release " + r.release_id + ": model file " + m.file +
                                     " is missing on this node");
    }
    if (it->second != m.sha256) {
      return DataLossError("release " + r.release_id + ": model file " + m.file + " has SHA-256 " +
                           it->second + ", the release pins " + m.sha256);
    }
  }
  for (const auto& entry : local.model_files) {
    const std::string& file = entry.first;  // clang 14 cannot capture structured bindings
    bool pinned = std::any_of(r.models.begin(), r.models.end(),
                              [&](const ModelPin& m) { return m.file == file; });
    if (!pinned) {
      return FailedPreconditionError("release " + r.release_id + " does not pin model file " + file +
                                     " listed in the local manifest");
    }
  }
  return r;
}

StatusOr<RevocationList> ApplyRevocations(const RevocationList* current, std::string_view bundle,
                                          const note::Verifier& authority) {
  FT_ASSIGN_OR_RETURN(RevocationList next, OpenRevocations(bundle, authority));
  if (current != nullptr) {
    if (next.sequence < current->sequence) {
      return FailedPreconditionError("revocation list " + std::to_string(next.sequence) +
                                     " is older than the one held (" +
                                     std::to_string(current->sequence) + ")");
    }
    if (next.sequence == current->sequence &&
        CanonicalRevocationJson(next) != CanonicalRevocationJson(*current)) {
      return FailedPreconditionError("two different revocation lists carry sequence " +
                                     std::to_string(next.sequence));
    }
  }
  return next;
}

bool IsReleaseRevoked(const RevocationList& l, std::string_view id) { return Contains(l.revoked_releases, id); }
bool IsModelRevoked(const RevocationList& l, std::string_view sha) { return Contains(l.revoked_models, sha); }
bool IsAgencySuspended(const RevocationList& l, std::string_view a) { return Contains(l.suspended_agencies, a); }

Status CheckNotRevoked(const RevocationList& list, const Release& release, std::string_view agency) {
  std::string seq = " (revocation list " + std::to_string(list.sequence) + ")";
  if (IsAgencySuspended(list, agency)) {
    return PermissionDeniedError("agency " + std::string(agency) + " is suspended by the oversight authority" + seq);
  }
  if (IsReleaseRevoked(list, release.release_id)) {
    return PermissionDeniedError("release " + release.release_id + " is revoked" + seq);
  }
  for (const auto& m : release.models) {
    if (IsModelRevoked(list, m.sha256)) {
      return PermissionDeniedError("model " + m.name + " (" + m.file + ", SHA-256 " + m.sha256 +
                                   ") is revoked" + seq);
    }
  }
  return Status::Ok();
}

}  // namespace facetrail::release
