// Alignment math: a known similarity is recovered exactly, and warping puts keypoints on
// the template.
#include "vision/align.h"

#include <gtest/gtest.h>

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "vision/quality.h"

namespace facetrail::vision {
namespace {

Point Apply(const cv::Matx23d& m, Point p) {
  return {static_cast<float>(m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2)),
          static_cast<float>(m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2))};
}

TEST(AlignTest, RecoversAKnownSimilarity) {
  const double scale = 2.7, angle = 0.4, tx = -31.5, ty = 12.25;
  cv::Matx23d truth(scale * std::cos(angle), -scale * std::sin(angle), tx,
                    scale * std::sin(angle), scale * std::cos(angle), ty);
  std::array<Point, 4> src{{{10, 20}, {50, 22}, {31, 45}, {30, 70}}};
  std::array<Point, 4> dst;
  for (int i = 0; i < 4; ++i) dst[i] = Apply(truth, src[i]);
  cv::Matx23d m = EstimateSimilarity(src, dst);
  for (int r = 0; r < 2; ++r) {
    for (int c = 0; c < 3; ++c) EXPECT_NEAR(m(r, c), truth(r, c), 1e-4) << r << "," << c;
  }
}

TEST(AlignTest, LeastSquaresWithNoise) {
  // Points perturbed symmetrically: the fit still maps them close to the template.
  auto tmpl = ArcFaceTemplate();
  std::array<Point, 4> src;
  for (int i = 0; i < 4; ++i) {
    src[i] = {tmpl.points[i].x * 0.5f + 100 + (i % 2 ? 0.3f : -0.3f), tmpl.points[i].y * 0.5f + 7};
  }
  cv::Matx23d m = EstimateSimilarity(src, tmpl.points);
  for (int i = 0; i < 4; ++i) {
    Point p = Apply(m, src[i]);
    EXPECT_NEAR(p.x, tmpl.points[i].x, 1.5);
    EXPECT_NEAR(p.y, tmpl.points[i].y, 1.5);
  }
  EXPECT_NEAR(m(0, 0), 2.0, 0.05);
}

TEST(AlignTest, WarpPutsAMarkedKeypointOnTheTemplate) {
  // Image with a bright dot at the right-eye keypoint; after alignment it is at the
  // template's right-eye position.
  cv::Mat image(300, 400, CV_8UC3, cv::Scalar(0, 0, 0));
  Face face;
  auto tmpl = ArcFaceTemplate();
  for (int i = 0; i < 4; ++i) {
    face.keypoints[i] = {tmpl.points[i].x * 1.8f + 120, tmpl.points[i].y * 1.8f + 40};
  }
  cv::circle(image, cv::Point(cvRound(face.keypoints[0].x), cvRound(face.keypoints[0].y)), 3,
             cv::Scalar(255, 255, 255), cv::FILLED);
  cv::Mat crop = AlignFace(image, face, tmpl);
  ASSERT_EQ(crop.size(), cv::Size(112, 112));
  cv::Point max_loc;
  cv::Mat grey;
  cv::cvtColor(crop, grey, cv::COLOR_RGB2GRAY);
  cv::minMaxLoc(grey, nullptr, nullptr, nullptr, &max_loc);
  EXPECT_NEAR(max_loc.x, tmpl.points[0].x, 1.5);
  EXPECT_NEAR(max_loc.y, tmpl.points[0].y, 1.5);
}

TEST(AlignTest, DlibTemplateIsSymmetricAndInside) {
  auto t = DlibChipTemplate();
  EXPECT_EQ(t.size, 150);
  EXPECT_NEAR(t.points[0].y, t.points[1].y, 1e-4);
  EXPECT_NEAR((t.points[0].x + t.points[1].x) / 2, 75.0f, 1.0f);
  for (const auto& p : t.points) {
    EXPECT_GT(p.x, 0);
    EXPECT_LT(p.y, 150);
  }
}

TEST(QualityTest, GeometryFromKeypoints) {
  Face f;
  f.keypoints[0] = {100, 100};
  f.keypoints[1] = {140, 100};
  f.keypoints[2] = {120, 120};
  FaceQuality q = GeometryQuality(f);
  EXPECT_FLOAT_EQ(q.inter_eye_px, 40);
  EXPECT_NEAR(q.roll_deg, 0, 1e-5);
  EXPECT_NEAR(q.yaw_deg, 0, 1e-5);
  f.keypoints[2] = {130, 120};  // nose halfway to the left eye: asin(0.5) = 30 degrees
  EXPECT_NEAR(GeometryQuality(f).yaw_deg, 30, 1e-3);
  f.keypoints[1] = {140, 140};  // eye line at 45 degrees
  EXPECT_NEAR(GeometryQuality(f).roll_deg, 45, 1e-3);
}

TEST(QualityTest, BlurLowersSharpnessAndExposureTracksBrightness) {
  cv::Mat img(112, 112, CV_8UC3);
  cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(255));
  FaceQuality sharp, blurred, dark;
  MeasureCropQuality(img, &sharp);
  cv::Mat blur;
  cv::GaussianBlur(img, blur, cv::Size(9, 9), 3);
  MeasureCropQuality(blur, &blurred);
  EXPECT_GT(sharp.sharpness, 10 * blurred.sharpness);
  EXPECT_NEAR(sharp.exposure, 0.5, 0.05);
  EXPECT_GT(sharp.contrast, blurred.contrast);
  MeasureCropQuality(cv::Mat(112, 112, CV_8UC3, cv::Scalar::all(25)), &dark);
  EXPECT_NEAR(dark.exposure, 25 / 255.0, 1e-3);
  EXPECT_NEAR(dark.contrast, 0, 1e-6);
  EXPECT_NEAR(dark.sharpness, 0, 1e-6);
}

}  // namespace
}  // namespace facetrail::vision
