// Hashing a node's artifacts on disk: the model files its manifest lists and the
// disclosure, calibration and policy files. The only part of release checking that reads
// files; everything it produces is checked by the pure VerifyRelease.
#include <nlohmann/json.hpp>

#include "core/env.h"
#include "facetrail/encoding.h"
#include "facetrail/release.h"

namespace facetrail::release {
namespace {

using json = nlohmann::json;

// Model files can be large; 2 GiB bounds what one read may take.
constexpr uint64_t kMaxArtifactBytes = uint64_t{2} << 30;

struct ManifestModel {
  std::string name, file;
};

StatusOr<std::vector<ManifestModel>> ReadManifest(Env* env, const std::string& models_dir) {
  FT_ASSIGN_OR_RETURN(std::string text,
                      env->ReadFileToString(JoinPath(models_dir, "manifest.json"), 16 << 20));
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("models") || !j["models"].is_array()) {
    return InvalidArgumentError(models_dir + "/manifest.json has no \"models\" array");
  }
  std::vector<ManifestModel> out;
  for (const auto& m : j["models"]) {
    if (!m.is_object() || !m.contains("name") || !m.contains("file") || !m["name"].is_string() ||
        !m["file"].is_string()) {
      return InvalidArgumentError(models_dir + "/manifest.json: a model lacks \"name\" or \"file\"");
    }
    std::string file = m["file"].get<std::string>();
    if (file.empty() || file.find('/') != std::string::npos) {
      return InvalidArgumentError(models_dir + "/manifest.json: bad model file name \"" + file + "\"");
    }
    out.push_back({m["name"].get<std::string>(), std::move(file)});
  }
  if (out.empty()) return InvalidArgumentError(models_dir + "/manifest.json lists no models");
  return out;
}

StatusOr<std::optional<std::string>> HashIfPresent(Env* env, const std::string& path) {
  if (path.empty() || !env->FileExists(path)) return std::optional<std::string>();
  FT_ASSIGN_OR_RETURN(std::string bytes, env->ReadFileToString(path, kMaxArtifactBytes));
  return std::optional<std::string>(Sha256Hex(bytes));
}

}  // namespace

StatusOr<LocalArtifacts> HashLocalArtifacts(const std::string& models_dir,
                                            const std::string& disclosure_path,
                                            const std::string& calibration_path,
                                            const std::string& policy_bundle_path) {
  Env* env = Env::Default();
  FT_ASSIGN_OR_RETURN(auto models, ReadManifest(env, models_dir));
  LocalArtifacts out;
  for (const auto& m : models) {
    FT_ASSIGN_OR_RETURN(auto digest, HashIfPresent(env, JoinPath(models_dir, m.file)));
    // A listed file that is absent gets the empty digest: the node's manifest says it runs
    // it, so VerifyRelease must see it and refuse.
    out.model_files[m.file] = digest.value_or("");
  }
  FT_ASSIGN_OR_RETURN(out.disclosure_sha256, HashIfPresent(env, disclosure_path));
  FT_ASSIGN_OR_RETURN(out.calibration_sha256, HashIfPresent(env, calibration_path));
  FT_ASSIGN_OR_RETURN(out.policy_bundle_sha256, HashIfPresent(env, policy_bundle_path));
  return out;
}

StatusOr<Release> ReleaseFromFiles(std::string release_id, std::string issued_at,
                                   const std::string& models_dir, const std::string& disclosure_path,
                                   const std::string& calibration_path,
                                   const std::string& policy_bundle_path) {
  Env* env = Env::Default();
  FT_ASSIGN_OR_RETURN(auto models, ReadManifest(env, models_dir));
  Release r;
  r.release_id = std::move(release_id);
  r.issued_at = std::move(issued_at);
  for (const auto& m : models) {
    FT_ASSIGN_OR_RETURN(std::string bytes,
                        env->ReadFileToString(JoinPath(models_dir, m.file), kMaxArtifactBytes));
    r.models.push_back({m.name, m.file, Sha256Hex(bytes)});
  }
  const std::pair<const std::string*, std::string*> files[] = {
      {&disclosure_path, &r.disclosure_sha256},
      {&calibration_path, &r.calibration_sha256},
      {&policy_bundle_path, &r.policy_bundle_sha256}};
  for (const auto& [path, digest] : files) {
    if (path->empty()) return InvalidArgumentError("a release needs its disclosure, calibration and policy files");
    FT_ASSIGN_OR_RETURN(std::string bytes, env->ReadFileToString(*path, kMaxArtifactBytes));
    *digest = Sha256Hex(bytes);
  }
  // Validate through the parser, as SignRelease will.
  return ParseReleaseJson(CanonicalReleaseJson(r));
}

}  // namespace facetrail::release
