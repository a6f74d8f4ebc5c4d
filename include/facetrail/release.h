// Signed releases and revocation lists: what the oversight authority lets a node run, and
// what it has withdrawn.
//
// A release pins every model file of a node's models/manifest.json by SHA-256, plus the
// signed accuracy disclosure, the calibration table and the use-policy bundle that go with
// them. A revocation list withdraws releases, models (by file SHA-256) and agencies; it
// carries a sequence number so a node can never be rolled back to an older list.
//
// Both are C2SP signed notes by the authority key, framed like the policy bundle
// (policy.h): text = schema line "\n" canonical JSON line "\n". Canonical JSON: sorted
// keys, no insignificant white space, ASCII only (docs/hub.md).
//
// Node-side checks (VerifyRelease, ApplyRevocations, CheckNotRevoked) are pure and fail
// closed: anything missing, malformed or unsigned is an error, never a default.
//
// Thread-safety: every function is pure; the structs are plain values.
#ifndef FACETRAIL_RELEASE_H_
#define FACETRAIL_RELEASE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/note.h"
#include "facetrail/status.h"

namespace facetrail::release {

inline constexpr std::string_view kReleaseSchema = "facetrail-release/v1";
inline constexpr std::string_view kRevocationSchema = "facetrail-revocations/v1";
// Bounds on untrusted documents (a release lists a handful of models; a revocation list
// may grow over years but stays far below this).
inline constexpr size_t kMaxModels = 64;
inline constexpr size_t kMaxRevocationEntries = 100000;

struct ModelPin {
  std::string name;    // manifest model name, e.g. "mobilefacenet"
  std::string file;    // file name inside the models directory (no '/')
  std::string sha256;  // lowercase hex of the file's SHA-256
};

struct Release {
  std::string release_id;  // 1..128 printable ASCII
  std::string issued_at;   // RFC 3339 UTC
  std::vector<ModelPin> models;  // non-empty, unique names and files
  std::string disclosure_sha256;
  std::string calibration_sha256;
  std::string policy_bundle_sha256;
};

// Parses and validates release JSON (every key required, no unknown keys, digests are 64
// lowercase hex). kInvalidArgument naming the offending key.
StatusOr<Release> ParseReleaseJson(std::string_view json);
std::string CanonicalReleaseJson(const Release& release);
// Refuses an invalid release; then signs schema line + canonical JSON.
StatusOr<std::string> SignRelease(const Release& release, const note::Signer& authority);
// Verifies the authority signature (kUnauthenticated / kDataLoss), then parses and requires
// canonical JSON (kInvalidArgument).
StatusOr<Release> OpenRelease(std::string_view bundle, const note::Verifier& authority);

// What a node has on disk, as digests (hashing is done by the caller or by
// HashLocalArtifacts, so VerifyRelease itself touches no files).
struct LocalArtifacts {
  // Every model file the node's manifest lists: file name -> lowercase hex SHA-256 of the
  // bytes actually on disk (not the manifest's claim); "" when the file is missing.
  std::map<std::string, std::string> model_files;
  // SHA-256 hex of the files, nullopt when the node does not have the file.
  std::optional<std::string> disclosure_sha256;
  std::optional<std::string> calibration_sha256;
  std::optional<std::string> policy_bundle_sha256;
};

// Reads models_dir/manifest.json, hashes every listed model file and the three artifact
// files (an empty path or a missing file leaves the digest unset). kIOError / kInvalidArgument
// when the manifest cannot be read or parsed; a listed model file that is missing on disk
// gets an empty digest, which VerifyRelease refuses as missing.
StatusOr<LocalArtifacts> HashLocalArtifacts(const std::string& models_dir,
                                            const std::string& disclosure_path,
                                            const std::string& calibration_path,
                                            const std::string& policy_bundle_path);

// Builds a release for the artifacts on disk (the authority's side of the same hashing):
// every model of models_dir/manifest.json, and the three artifact files, which must exist.
StatusOr<Release> ReleaseFromFiles(std::string release_id, std::string issued_at,
                                   const std::string& models_dir, const std::string& disclosure_path,
                                   const std::string& calibration_path,
                                   const std::string& policy_bundle_path);

// The node's check before switching to a release. Fails closed, in this order:
//  kUnauthenticated / kDataLoss  bad or missing authority signature;
//  kInvalidArgument              malformed bundle;
//  kFailedPrecondition           missing disclosure / calibration / policy bundle, a pinned
//                                model file missing locally, or a local manifest model the
//                                release does not pin (the node would run an unpinned model);
//  kDataLoss                     a local file whose SHA-256 differs from the pinned one.
StatusOr<Release> VerifyRelease(std::string_view bundle, const note::Verifier& authority,
                                const LocalArtifacts& local);

struct RevocationList {
  uint64_t sequence = 0;  // > 0, strictly increasing between different lists
  std::string issued_at;  // RFC 3339 UTC
  std::vector<std::string> revoked_releases;    // release ids
  std::vector<std::string> revoked_models;      // model file SHA-256 (lowercase hex)
  std::vector<std::string> suspended_agencies;  // agency ids
};

StatusOr<RevocationList> ParseRevocationJson(std::string_view json);
std::string CanonicalRevocationJson(const RevocationList& list);
StatusOr<std::string> SignRevocations(const RevocationList& list, const note::Signer& authority);
StatusOr<RevocationList> OpenRevocations(std::string_view bundle, const note::Verifier& authority);

// Decides whether a node holding `current` (nullptr: none yet) may replace it with the
// signed list `bundle`. Returns the list to hold. kFailedPrecondition for a list older than
// the one held, or with the same sequence but different content (the authority never signs
// two lists with one sequence; seeing both is evidence, not an update). The same list again
// is accepted (idempotent polling).
StatusOr<RevocationList> ApplyRevocations(const RevocationList* current, std::string_view bundle,
                                          const note::Verifier& authority);

bool IsReleaseRevoked(const RevocationList& list, std::string_view release_id);
bool IsModelRevoked(const RevocationList& list, std::string_view model_sha256);
bool IsAgencySuspended(const RevocationList& list, std::string_view agency);

// OK iff the node may answer queries: the agency is not suspended, the release is not
// revoked and none of its model files is. kPermissionDenied saying which and why.
Status CheckNotRevoked(const RevocationList& list, const Release& release,
                       std::string_view agency);

// 64 lowercase hex characters.
bool IsSha256Hex(std::string_view s);

}  // namespace facetrail::release

#endif  // FACETRAIL_RELEASE_H_
