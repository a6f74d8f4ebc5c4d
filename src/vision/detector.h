// BlazeFace face detector on OpenCV dnn: letterboxes the image to the model's square
// input (aspect ratio kept, padding right/bottom), runs the network, decodes all anchors,
// applies plain NMS and orders faces most prominent first (blazeface.h). BlazeFace-back is
// trained on faces that fill a modest part of the frame; when a face covers more than
// kCloseUpFraction of the image's longer side (tight crops, selfies) the detection is run
// again on the image centred in a canvas twice its size, which gives better keypoints.
//
// Thread-safety: Detect() is const and safe from any thread (networks come from a pool).
#ifndef FACETRAIL_VISION_DETECTOR_H_
#define FACETRAIL_VISION_DETECTOR_H_

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "facetrail/engine.h"
#include "vision/blazeface.h"
#include "vision/model_manifest.h"
#include "vision/net_pool.h"

namespace facetrail::vision {

inline constexpr float kCloseUpFraction = 0.6f;

// Converts an 8-bit RGB image already at the network's input size into an NCHW float blob:
// (pixel - mean) * scale per channel, channels in the order `pre` asks for.
cv::Mat MakeInputBlob(const cv::Mat& rgb, const Preprocess& pre);

class BlazeFaceDetector {
 public:
  // Loads and verifies entry.file under models_dir. kInvalidArgument if the model's input
  // is not square.
  static StatusOr<std::unique_ptr<BlazeFaceDetector>> Create(const ModelEntry& entry,
                                                             const std::string& models_dir);

  // Faces in an RGB image, most prominent first, at most max_faces. Keypoints and boxes in
  // image pixels; quality is left empty. kInternal if inference fails.
  StatusOr<std::vector<Face>> Detect(const cv::Mat& rgb, float min_score, int max_faces) const;

 private:
  BlazeFaceDetector(ModelEntry entry, std::unique_ptr<NetPool> pool);
  // One pass on `rgb` surrounded by `pad` black pixels on every side; coordinates are
  // returned in `rgb`'s frame. Not yet sorted by prominence.
  StatusOr<std::vector<Face>> DetectPadded(const cv::Mat& rgb, int pad, float min_score) const;

  const ModelEntry entry_;
  const std::unique_ptr<NetPool> pool_;
  const std::vector<Anchor> anchors_;
};

}  // namespace facetrail::vision

#endif  // FACETRAIL_VISION_DETECTOR_H_
