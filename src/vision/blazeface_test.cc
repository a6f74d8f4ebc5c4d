// BlazeFace post-processing: anchor layout, decoding, weighted NMS and prominence.
#include "vision/blazeface.h"

#include <gtest/gtest.h>

#include <cmath>

namespace facetrail::vision {
namespace {

TEST(BlazeFaceAnchorsTest, LayoutMatchesTheModel) {
  auto a = BlazeFaceAnchors(256);
  ASSERT_EQ(a.size(), 896u);
  // First layer: stride 16, two anchors per cell, row-major.
  EXPECT_FLOAT_EQ(a[0].x, 8);
  EXPECT_FLOAT_EQ(a[0].y, 8);
  EXPECT_FLOAT_EQ(a[1].x, 8);
  EXPECT_FLOAT_EQ(a[2].x, 24);
  EXPECT_FLOAT_EQ(a[32].y, 24);  // second row starts after 16 cells x 2
  EXPECT_FLOAT_EQ(a[511].x, 248);
  // Second layer: stride 32, six per cell.
  EXPECT_FLOAT_EQ(a[512].x, 16);
  EXPECT_FLOAT_EQ(a[512].y, 16);
  EXPECT_FLOAT_EQ(a[518].x, 48);
  EXPECT_FLOAT_EQ(a[895].x, 240);
  EXPECT_FLOAT_EQ(a[895].y, 240);
  EXPECT_FLOAT_EQ(BlazeFaceAnchors(128)[895].x, 120);
}

TEST(BlazeFaceDecodeTest, DecodesOneAnchorToImageCoordinates) {
  auto anchors = BlazeFaceAnchors(256);
  std::vector<float> rows(896 * 17, 0.0f);
  for (int j = 0; j < 896; ++j) rows[j * 17] = -10.0f;
  const int i = 600;  // some anchor of the second layer
  rows[i * 17] = 2.0f;
  float* r = &rows[i * 17 + 1];
  r[0] = 4;  // centre offset
  r[1] = -2;
  r[2] = 40;  // width, height in input pixels
  r[3] = 50;
  for (int k = 0; k < 6; ++k) {
    r[4 + 2 * k] = static_cast<float>(k);
    r[5 + 2 * k] = static_cast<float>(-k);
  }
  InputTransform t{2.0f, 2.0f, 10.0f, 0.0f};
  auto faces = DecodeBlazeFace(rows.data(), anchors, 0.5f, t);
  ASSERT_EQ(faces.size(), 1u);
  const Face& f = faces[0];
  EXPECT_NEAR(f.score, 1 / (1 + std::exp(-2.0f)), 1e-6);
  float cx = anchors[i].x + 4, cy = anchors[i].y - 2;
  EXPECT_FLOAT_EQ(f.box.x, (cx - 20) * 2 + 10);
  EXPECT_FLOAT_EQ(f.box.y, (cy - 25) * 2);
  EXPECT_FLOAT_EQ(f.box.width, 80);
  EXPECT_FLOAT_EQ(f.box.height, 100);
  EXPECT_FLOAT_EQ(f.keypoints[3].x, (anchors[i].x + 3) * 2 + 10);
  EXPECT_FLOAT_EQ(f.keypoints[3].y, (anchors[i].y - 3) * 2);
  // Below the minimum score, nothing.
  EXPECT_TRUE(DecodeBlazeFace(rows.data(), anchors, 0.9f, t).empty());
}

TEST(BlazeFaceDecodeTest, NonFiniteOutputsAreDropped) {
  auto anchors = BlazeFaceAnchors(256);
  std::vector<float> rows(896 * 17, NAN);
  EXPECT_TRUE(DecodeBlazeFace(rows.data(), anchors, 0.5f, {}).empty());
}

Face MakeFace(float x, float y, float size, float score) {
  Face f;
  f.box = {x, y, size, size};
  f.score = score;
  for (auto& k : f.keypoints) k = {x + size / 2, y + size / 2};
  return f;
}

TEST(NmsTest, KeepsTheBestOfOverlapsAndSeparateFaces) {
  std::vector<Face> faces = {MakeFace(1, 0, 10, 0.6f), MakeFace(50, 50, 10, 0.7f),
                             MakeFace(0, 0, 10, 0.9f), MakeFace(4, 0, 10, 0.8f)};
  auto kept = NonMaxSuppression(faces, 0.3f);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_FLOAT_EQ(kept[0].score, 0.9f);
  EXPECT_FLOAT_EQ(kept[0].box.x, 0);  // its own box, unchanged
  EXPECT_FLOAT_EQ(kept[1].box.x, 50);
  // IoU of the 0.9 and 0.8 boxes is 60/140 > 0.3: suppressed; below the threshold, kept.
  EXPECT_EQ(NonMaxSuppression(faces, 0.9f).size(), 4u);
  EXPECT_NEAR(IntersectionOverUnion(faces[0].box, faces[2].box), 90.0f / 110.0f, 1e-6);
}

TEST(ProminenceTest, LargeCentredFaceFirst) {
  std::vector<Face> faces = {MakeFace(0, 0, 30, 0.99f), MakeFace(35, 35, 30, 0.8f),
                             MakeFace(80, 80, 10, 0.95f)};
  SortByProminence(&faces, 100, 100, 2);
  ASSERT_EQ(faces.size(), 2u);
  EXPECT_FLOAT_EQ(faces[0].box.x, 35);  // centred beats the same size in a corner
  EXPECT_FLOAT_EQ(faces[1].box.x, 0);
  EXPECT_FLOAT_EQ(Prominence(MakeFace(35, 35, 30, 1), 100, 100), 900);
}

}  // namespace
}  // namespace facetrail::vision
