#include "cli/cli_gallery.h"

#include <cstdlib>
#include <fstream>

#include "cli/command.h"

namespace facetrail::cli {

std::string ResolveModelsDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("FACETRAIL_MODELS_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return FACETRAIL_MODELS_DEFAULT;
}

StatusOr<std::string> ReadFileBounded(const std::string& path, int64_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError("cannot open " + path);
  std::string out;
  char buf[1 << 16];
  while (in) {
    in.read(buf, sizeof buf);
    out.append(buf, static_cast<size_t>(in.gcount()));
    if (static_cast<int64_t>(out.size()) > max_bytes) {
      return ResourceExhaustedError(path + " is larger than " + std::to_string(max_bytes) +
                                    " bytes");
    }
  }
  if (in.bad()) return IOError("error reading " + path);
  return out;
}

StatusOr<std::unique_ptr<Engine>> OpenEngine(const std::string& models_dir) {
  EngineOptions options;
  options.models_dir = models_dir;
  auto engine = Engine::Create(options);
  if (!engine.ok()) return engine.status().WithContext("models in " + models_dir);
  return engine;
}

StatusOr<std::optional<GalleryKey>> ResolveGalleryKey(const std::string& flag) {
  std::string path = flag;
  if (path.empty()) {
    if (const char* env = std::getenv("FACETRAIL_GALLERY_KEY_FILE"); env && *env) path = env;
  }
  if (path.empty()) return std::optional<GalleryKey>();
  FT_ASSIGN_OR_RETURN(GalleryKey key, ReadGalleryKeyFile(path));
  return std::optional<GalleryKey>(std::move(key));
}

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kResourceExhausted:
    case StatusCode::kFailedPrecondition:
      return kExitInvalid;
    default:
      return kExitUsage;
  }
}

}  // namespace facetrail::cli
