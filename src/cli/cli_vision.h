// Helpers shared by the vision commands (detect, compare): models directory resolution,
// bounded image reads, and the JSON shape of a detected face. Only nlohmann's forward
// declarations are included here, so the header stays cheap.
//
// Thread-safety: plain functions; call from the command's thread.
#ifndef FACETRAIL_CLI_CLI_VISION_H_
#define FACETRAIL_CLI_CLI_VISION_H_

#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "facetrail/engine.h"
#include "facetrail/status.h"

namespace facetrail::cli::vision_cli {

// --models if given, else $FACETRAIL_MODELS_DIR, else the build's models/ directory.
std::string ModelsDir(const std::string& flag);

// Whole file, refused (kResourceExhausted) beyond max_bytes before it is read; kIOError
// when it cannot be opened or read.
StatusOr<std::string> ReadImageFile(const std::string& path, int64_t max_bytes);

// {"box": {x, y, width, height}, "score", "keypoints": {"right_eye": [x, y], ...},
//  "quality": {...}} in image pixels.
nlohmann::json FaceJson(const Face& face);

// 1 when the input was refused (bad image, no face, over a limit), 2 for I/O and
// configuration problems.
int ExitCodeFor(const Status& status);

}  // namespace facetrail::cli::vision_cli

#endif  // FACETRAIL_CLI_CLI_VISION_H_
