// TemplateCache: templates computed during evaluation, kept on disk so each distinct image
// is embedded once per model across runs. Keyed by the SHA-256 of the image bytes and the
// model id (a changed model file changes the id, so stale templates are never reused).
// Also records "no face found", which is as deterministic as a template.
//
// Layout: <dir>/<first 16 hex of SHA-256(model id)>/<image sha256 hex>.ftt, format in
// docs/evaluation.md ("template cache"). Entries are written to a temp file and renamed,
// not fsynced: the cache is disposable; an entry that fails validation (torn, truncated,
// another model) is treated as a miss and rewritten.
//
// Thread-safety: Get/Put may be called from many threads at once (distinct temp files
// per call; rename is atomic).
#ifndef FACETRAIL_EVAL_TEMPLATE_CACHE_H_
#define FACETRAIL_EVAL_TEMPLATE_CACHE_H_

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

#include "core/env.h"
#include "facetrail/engine.h"
#include "facetrail/status.h"

namespace facetrail::eval {

// What the engine made of one image.
struct CachedResult {
  bool face_found = false;
  FaceTemplate face;  // valid when face_found
};

class TemplateCache {
 public:
  // `env` is borrowed and must outlive the cache. Templates come back tagged `model_id`;
  // entries are valid only for the same model_id and pipeline.
  TemplateCache(Env* env, std::string dir, std::string model_id, std::string pipeline = "");

  // Creates the directories. kIOError if they cannot be made.
  Status Open();

  // The cached result for the image with this SHA-256 (hex), or nullopt on a miss.
  std::optional<CachedResult> Get(std::string_view image_sha256_hex) const;
  // Best effort: a failed write only costs a recomputation next time, so errors are
  // returned for logging, never fatal.
  Status Put(std::string_view image_sha256_hex, const CachedResult& result);

  // The default location: $FACETRAIL_CACHE, else $XDG_CACHE_HOME/facetrail, else
  // $HOME/.cache/facetrail, else ".cache/facetrail".
  static std::string DefaultDir();

  // Serialisation, exposed for tests.
  // `key` is model_id + "|" + pipeline.
  static std::string Encode(const std::string& key, const CachedResult& r);
  static std::optional<CachedResult> Decode(std::string_view bytes, const std::string& key,
                                            const std::string& model_id);

 private:
  std::string PathFor(std::string_view sha_hex) const;

  Env* env_;
  std::string dir_;
  std::string model_id_;
  std::string key_;
  std::string model_dir_;
  mutable std::atomic<uint64_t> temp_counter_{0};
};

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_TEMPLATE_CACHE_H_
