// Helpers shared by the gallery commands (enroll, search, gallery): option resolution,
// bounded image reads, opening the engine and the gallery. No CLI11 or JSON here, so this
// header stays cheap to include.
//
// Thread-safety: plain functions; call from the command's thread.
#ifndef FACETRAIL_CLI_CLI_GALLERY_H_
#define FACETRAIL_CLI_CLI_GALLERY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "facetrail/engine.h"
#include "facetrail/gallery.h"
#include "facetrail/status.h"

namespace facetrail::cli {

// --models flag if given, else $FACETRAIL_MODELS_DIR, else the build's default.
std::string ResolveModelsDir(const std::string& flag);

// Reads a whole file, refusing files larger than max_bytes (kResourceExhausted) so an
// untrusted path cannot make us allocate without bound.
StatusOr<std::string> ReadFileBounded(const std::string& path, int64_t max_bytes);

StatusOr<std::unique_ptr<Engine>> OpenEngine(const std::string& models_dir);

// --key-file if given, else $FACETRAIL_GALLERY_KEY_FILE, else none (clear templates).
StatusOr<std::optional<GalleryKey>> ResolveGalleryKey(const std::string& flag);

// Maps a Status to the CLI exit code: 2 for I/O, usage and configuration problems, 1 when
// the operation failed on its input (no face, refused template, unknown identity).
int ExitCodeFor(const Status& status);

}  // namespace facetrail::cli

#endif  // FACETRAIL_CLI_CLI_GALLERY_H_
