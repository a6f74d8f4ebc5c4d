#include "eval/embed_runner.h"

#include <algorithm>
#include <atomic>
#include <thread>

#include "core/thread_annotations.h"
#include "facetrail/encoding.h"

namespace facetrail::eval {
namespace {

ImageOutcome EmbedOne(const Engine& engine, const std::string& path, Env* env,
                      TemplateCache* cache, uint64_t max_bytes) {
  ImageOutcome out;
  out.path = path;
  auto bytes = env->ReadFileToString(path, max_bytes);
  if (!bytes.ok()) {
    out.status = bytes.status();
    return out;
  }
  out.sha256_hex = Sha256Hex(*bytes);
  if (cache != nullptr) {
    if (auto hit = cache->Get(out.sha256_hex)) {
      out.from_cache = true;
      if (hit->face_found) {
        out.face = std::move(hit->face);
      } else {
        out.status = NotFoundError("no face found (cached)");
      }
      return out;
    }
  }
  auto face = engine.EmbedProminent(*bytes);
  CachedResult to_cache;
  if (face.ok()) {
    out.face = *face;
    to_cache.face_found = true;
    to_cache.face = *face;
  } else {
    out.status = face.status();
  }
  // Only deterministic outcomes are cached: a template or "no face". Decode errors are
  // cheap to reproduce and may be fixed by a newer engine.
  if (cache != nullptr && (face.ok() || face.status().code() == StatusCode::kNotFound)) {
    cache->Put(out.sha256_hex, to_cache).IgnoreError();
  }
  return out;
}

}  // namespace

std::vector<ImageOutcome> EmbedImages(const Engine& engine, const std::vector<std::string>& paths,
                                      const EmbedOptions& options) {
  std::vector<ImageOutcome> results(paths.size());
  Env* env = options.env != nullptr ? options.env : Env::Default();
  std::atomic<size_t> next{0};
  Mutex mu;
  size_t done = 0;  // guarded by mu (a local, so not annotated)
  auto worker = [&]() {
    for (size_t i = next++; i < paths.size(); i = next++) {
      results[i] = EmbedOne(engine, paths[i], env, options.cache, options.max_image_bytes);
      MutexLock lock(&mu);
      ++done;
      if (options.progress) options.progress(done, paths.size());
    }
  };
  const int threads = std::clamp(options.threads, 1, 64);
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& th : pool) th.join();
  return results;
}

int64_t CountFailures(const std::vector<ImageOutcome>& outcomes) {
  return std::count_if(outcomes.begin(), outcomes.end(),
                       [](const ImageOutcome& o) { return !o.acquired(); });
}

}  // namespace facetrail::eval
