// Face alignment: a least-squares similarity transform (Umeyama, no reflection) from the
// detector's keypoints 0-3 (right eye, left eye, nose tip, mouth centre) to a canonical
// template, then warpAffine (bilinear, border replicate) to the embedder's crop size.
//
// Thread-safety: free functions and constants; safe from any thread.
#ifndef FACETRAIL_VISION_ALIGN_H_
#define FACETRAIL_VISION_ALIGN_H_

#include <array>

#include <opencv2/core.hpp>

#include "facetrail/engine.h"

namespace facetrail::vision {

// Canonical positions of the 4 keypoints in an output crop of size x size pixels.
struct AlignmentTemplate {
  int size = 112;
  std::array<Point, 4> points{};
};

// ArcFace 112x112 (insightface): eyes, nose, and the midpoint of the two mouth corners.
AlignmentTemplate ArcFaceTemplate();

// dlib 150x150 face chip (get_face_chip_details, padding 0.25), from dlib's mean face
// shape: eye centres = mean of each eye's 6 points, nose tip = point 30, mouth = midpoint
// of corners 48 and 54; coordinate = (0.25 + v) / 1.5 * 150.
AlignmentTemplate DlibChipTemplate();

// 2x3 similarity matrix M (double) minimising sum |M*src_i - dst_i|^2. Degenerate input
// (all points equal) yields the pure translation.
cv::Matx23d EstimateSimilarity(const std::array<Point, 4>& src, const std::array<Point, 4>& dst);

// Warps `image` so the face's keypoints land on the template. Returns a size x size crop
// of the same type as `image`.
cv::Mat AlignFace(const cv::Mat& image, const Face& face, const AlignmentTemplate& tmpl);

}  // namespace facetrail::vision

#endif  // FACETRAIL_VISION_ALIGN_H_
