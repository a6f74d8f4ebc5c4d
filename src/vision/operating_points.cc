#include "vision/operating_points.h"

namespace facetrail::vision {
namespace {

// Filled from `facetrail eval pairs` / bench runs on ../shared/data/lfw-dev; see
// docs/vision.md ("Embedder choice and threshold") for the commands and numbers.
constexpr OperatingPoint kOperatingPoints[] = {
    {"", false, 0.0f, ""},  // sentinel; real entries are added above it
};

}  // namespace

std::optional<OperatingPoint> FindOperatingPoint(std::string_view model_id) {
  for (const auto& op : kOperatingPoints) {
    if (!op.model_id.empty() && op.model_id == model_id) return op;
  }
  return std::nullopt;
}

}  // namespace facetrail::vision
