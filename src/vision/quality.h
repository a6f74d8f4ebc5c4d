// Per-face quality measures: capture properties (size, focus, exposure, pose), never
// attributes of the person. Used to gate probes and reported by `facetrail detect`.
//
// Thread-safety: free functions; safe from any thread.
#ifndef FACETRAIL_VISION_QUALITY_H_
#define FACETRAIL_VISION_QUALITY_H_

#include <opencv2/core.hpp>

#include "facetrail/engine.h"

namespace facetrail::vision {

// Geometry-only measures from the keypoints: inter_eye_px, roll_deg (angle of the line
// from the right to the left eye; positive = clockwise in the image) and yaw_deg (asin of
// the nose's offset along the eye line from the eyes' midpoint, relative to half the eye
// distance; positive = nose towards the image's right). Other fields stay 0.
FaceQuality GeometryQuality(const Face& face);

// Adds sharpness (variance of the Laplacian), exposure (mean luminance / 255) and contrast
// (standard deviation of luminance / 255) measured on the aligned RGB crop.
void MeasureCropQuality(const cv::Mat& aligned_rgb, FaceQuality* quality);

}  // namespace facetrail::vision

#endif  // FACETRAIL_VISION_QUALITY_H_
