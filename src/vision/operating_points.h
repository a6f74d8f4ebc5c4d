// Measured per-embedder settings: whether to flip-average and the default operating
// threshold on cosine similarity, keyed by the exact model id (name, version and SHA-256
// prefix of the ONNX file), so a re-converted or different file never inherits a threshold
// measured on another. Each entry records how it was measured (docs/vision.md).
//
// Thread-safety: immutable table; safe from any thread.
#ifndef FACETRAIL_VISION_OPERATING_POINTS_H_
#define FACETRAIL_VISION_OPERATING_POINTS_H_

#include <optional>
#include <string_view>

namespace facetrail::vision {

struct OperatingPoint {
  std::string_view model_id;  // "<name>@<version>#<sha256 prefix 12>"
  bool flip_average;
  float threshold;            // cosine similarity; >= threshold means "same"
  std::string_view measured;  // data set, protocol and result behind the threshold
};

// The entry for model_id, or nullopt when that file was never measured.
std::optional<OperatingPoint> FindOperatingPoint(std::string_view model_id);

// The flip-averaging default for models without an entry (measured on MobileFaceNet).
inline constexpr bool kDefaultFlipAverage = true;

}  // namespace facetrail::vision

#endif  // FACETRAIL_VISION_OPERATING_POINTS_H_
