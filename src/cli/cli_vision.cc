#include "cli/cli_vision.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

#include <nlohmann/json.hpp>

#include "cli/command.h"

namespace facetrail::cli::vision_cli {

std::string ModelsDir(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("FACETRAIL_MODELS_DIR");
  return env != nullptr && *env != '\0' ? env : FACETRAIL_MODELS_DEFAULT;
}

StatusOr<std::string> ReadImageFile(const std::string& path, int64_t max_bytes) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return IOError("cannot read " + path + ": " + ec.message());
  if (size > static_cast<uintmax_t>(max_bytes)) {
    return ResourceExhaustedError(path + " has " + std::to_string(size) +
                                  " bytes, over the limit of " + std::to_string(max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError("cannot open " + path);
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (in.gcount() != static_cast<std::streamsize>(size)) return IOError("short read of " + path);
  return bytes;
}

nlohmann::json FaceJson(const Face& f) {
  static constexpr const char* kNames[6] = {"right_eye", "left_eye",  "nose_tip",
                                            "mouth",     "right_ear", "left_ear"};
  nlohmann::json kp = nlohmann::json::object();
  for (int i = 0; i < 6; ++i) kp[kNames[i]] = {f.keypoints[i].x, f.keypoints[i].y};
  return {{"box", {{"x", f.box.x}, {"y", f.box.y}, {"width", f.box.width},
                   {"height", f.box.height}}},
          {"score", f.score},
          {"keypoints", kp},
          {"quality",
           {{"inter_eye_px", f.quality.inter_eye_px},
            {"sharpness", f.quality.sharpness},
            {"exposure", f.quality.exposure},
            {"contrast", f.quality.contrast},
            {"yaw_deg", f.quality.yaw_deg},
            {"roll_deg", f.quality.roll_deg}}}};
}

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kResourceExhausted:
      return kExitInvalid;
    default:
      return kExitUsage;
  }
}

}  // namespace facetrail::cli::vision_cli
