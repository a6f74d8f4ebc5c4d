// EmbedImages: runs the vision engine over a list of image files on a few threads, through
// the template cache, and reports each image's outcome (template, or why none: failure to
// acquire). The most prominent face of each image is used (Engine::EmbedProminent).
//
// Thread-safety: EmbedImages starts and joins its own worker threads; the Engine must be
// thread-safe (its contract says it is); the progress callback is called with an internal
// lock held, from worker threads, so it needs no locking of its own.
#ifndef FACETRAIL_EVAL_EMBED_RUNNER_H_
#define FACETRAIL_EVAL_EMBED_RUNNER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/env.h"
#include "eval/template_cache.h"
#include "facetrail/engine.h"
#include "facetrail/status.h"

namespace facetrail::eval {

struct ImageOutcome {
  std::string path;
  std::string sha256_hex;  // of the file bytes; empty if unreadable
  // OK: a face was found. kNotFound: no face. Anything else: unreadable or undecodable.
  // Every non-OK outcome is a failure to acquire.
  Status status;
  FaceTemplate face;
  bool from_cache = false;
  bool acquired() const { return status.ok(); }
};

struct EmbedOptions {
  int threads = 2;
  Env* env = nullptr;              // file reads; Env::Default() when null
  TemplateCache* cache = nullptr;  // optional
  uint64_t max_image_bytes = 32 << 20;
  std::function<void(size_t done, size_t total)> progress;
};

std::vector<ImageOutcome> EmbedImages(const Engine& engine, const std::vector<std::string>& paths,
                                      const EmbedOptions& options);

// Number of outcomes that are failures to acquire.
int64_t CountFailures(const std::vector<ImageOutcome>& outcomes);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_EMBED_RUNNER_H_
