#include "vision/quality.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace facetrail::vision {

FaceQuality GeometryQuality(const Face& face) {
  constexpr float kDeg = 180.0f / static_cast<float>(M_PI);
  FaceQuality q;
  const Point& re = face.keypoints[0];
  const Point& le = face.keypoints[1];
  const Point& nose = face.keypoints[2];
  float ex = le.x - re.x, ey = le.y - re.y;
  q.inter_eye_px = std::hypot(ex, ey);
  q.roll_deg = std::atan2(ey, ex) * kDeg;
  if (q.inter_eye_px > 0) {
    float ux = ex / q.inter_eye_px, uy = ey / q.inter_eye_px;
    float mx = (re.x + le.x) / 2, my = (re.y + le.y) / 2;
    float along = (nose.x - mx) * ux + (nose.y - my) * uy;
    float ratio = std::clamp(along / (q.inter_eye_px / 2), -1.0f, 1.0f);
    q.yaw_deg = std::asin(ratio) * kDeg;
  }
  return q;
}

void MeasureCropQuality(const cv::Mat& aligned_rgb, FaceQuality* quality) {
  cv::Mat grey;
  cv::cvtColor(aligned_rgb, grey, cv::COLOR_RGB2GRAY);
  cv::Mat lap;
  cv::Laplacian(grey, lap, CV_32F);
  cv::Scalar lap_mean, lap_std, mean, std;
  cv::meanStdDev(lap, lap_mean, lap_std);
  cv::meanStdDev(grey, mean, std);
  quality->sharpness = static_cast<float>(lap_std[0] * lap_std[0]);
  quality->exposure = static_cast<float>(mean[0] / 255.0);
  quality->contrast = static_cast<float>(std[0] / 255.0);
}

}  // namespace facetrail::vision
