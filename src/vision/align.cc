#include "vision/align.h"

#include <opencv2/imgproc.hpp>

namespace facetrail::vision {

AlignmentTemplate ArcFaceTemplate() {
  return {112, {{{38.2946f, 51.6963f}, {73.5318f, 51.5014f}, {56.0252f, 71.7366f},
                 {56.1396f, 92.2848f}}}};
}

AlignmentTemplate DlibChipTemplate() {
  // dlib mean face: right-eye centre (0.22541, 0.21599), left-eye centre (0.75476,
  // 0.21599), nose tip (0.490127, 0.515625), mouth-corner midpoint (0.490127, 0.780233).
  auto px = [](float v) { return (0.25f + v) / 1.5f * 150.0f; };
  return {150, {{{px(0.22541f), px(0.21599f)}, {px(0.75476f), px(0.21599f)},
                 {px(0.490127f), px(0.515625f)}, {px(0.490127f), px(0.780233f)}}}};
}

cv::Matx23d EstimateSimilarity(const std::array<Point, 4>& src,
                               const std::array<Point, 4>& dst) {
  // Closed-form 2-D Umeyama: with centred points, the optimal [a -b; b a] is
  // a = sum(s.d)/sum|s|^2, b = sum(s x d)/sum|s|^2 (rotation and scale in one).
  double msx = 0, msy = 0, mdx = 0, mdy = 0;
  for (int i = 0; i < 4; ++i) {
    msx += src[i].x;
    msy += src[i].y;
    mdx += dst[i].x;
    mdy += dst[i].y;
  }
  msx /= 4;
  msy /= 4;
  mdx /= 4;
  mdy /= 4;
  double dot = 0, cross = 0, norm = 0;
  for (int i = 0; i < 4; ++i) {
    double sx = src[i].x - msx, sy = src[i].y - msy;
    double dx = dst[i].x - mdx, dy = dst[i].y - mdy;
    dot += sx * dx + sy * dy;
    cross += sx * dy - sy * dx;
    norm += sx * sx + sy * sy;
  }
  double a = norm > 1e-12 ? dot / norm : 1.0;
  double b = norm > 1e-12 ? cross / norm : 0.0;
  return cv::Matx23d(a, -b, mdx - (a * msx - b * msy),  //
                     b, a, mdy - (b * msx + a * msy));
}

cv::Mat AlignFace(const cv::Mat& image, const Face& face, const AlignmentTemplate& tmpl) {
  std::array<Point, 4> src{face.keypoints[0], face.keypoints[1], face.keypoints[2],
                           face.keypoints[3]};
  cv::Matx23d m = EstimateSimilarity(src, tmpl.points);
  cv::Mat out;
  cv::warpAffine(image, out, cv::Mat(m), cv::Size(tmpl.size, tmpl.size), cv::INTER_LINEAR,
                 cv::BORDER_REPLICATE);
  return out;
}

}  // namespace facetrail::vision
