// BlazeFace post-processing, independent of the inference runtime: anchor generation,
// decoding the raw network outputs into faces (box + 6 keypoints + score), weighted
// non-maximum suppression, and the "most prominent face" ordering. See docs/vision.md and
// ../shared/docs/MODELS.md for the measured anchor layout.
//
// Thread-safety: free functions without shared state; safe from any thread.
#ifndef FACETRAIL_VISION_BLAZEFACE_H_
#define FACETRAIL_VISION_BLAZEFACE_H_

#include <vector>

#include "facetrail/engine.h"

namespace facetrail::vision {

inline constexpr int kBlazeFaceAnchors = 896;
inline constexpr int kBlazeFaceRegressors = 16;  // box (4) + 6 keypoints (12)

struct Anchor {
  float x = 0, y = 0;  // centre, in network-input pixels
};

// 896 anchors for an SxS input: stride S/16 with 2 anchors per cell (512), then stride S/8
// with 6 per cell (384); ordered row, column, anchor.
std::vector<Anchor> BlazeFaceAnchors(int input_size);

// Maps network-input pixels back to image pixels: image = input * scale + offset.
struct InputTransform {
  float scale_x = 1, scale_y = 1;
  float offset_x = 0, offset_y = 0;
};

inline constexpr int kBlazeFaceRowSize = 1 + kBlazeFaceRegressors;

// Decodes the converted model's single output [1, 896, 17] (per anchor: logit, then box
// centre offset, size, and 6 keypoint offsets, in input pixels) into faces whose sigmoid
// score is at least min_score, in image coordinates. No suppression is applied here.
std::vector<Face> DecodeBlazeFace(const float* rows, const std::vector<Anchor>& anchors,
                                  float min_score,
                                  const InputTransform& transform);

float IntersectionOverUnion(const Box& a, const Box& b);

// Plain NMS: keeps the highest-scoring face of each overlapping group unchanged (its own
// box and keypoints); the others are dropped. Output sorted by score, highest first.
// Measured better than MediaPipe's weighted NMS (score-weighted mean of the group's boxes
// and keypoints) for alignment: LFW 99.07% vs 98.90% (docs/vision.md).
std::vector<Face> NonMaxSuppression(std::vector<Face> faces, float iou_threshold);

// Prominence of a face in a width x height image: box area x (1 - 0.5 d), where d is the
// distance from the box centre to the image centre divided by half the image diagonal
// (clamped to 1). A centred face counts fully, one in a corner at half its area.
float Prominence(const Face& face, int width, int height);

// Sorts most prominent first (ties by score) and keeps at most max_faces.
void SortByProminence(std::vector<Face>* faces, int width, int height, int max_faces);

}  // namespace facetrail::vision

#endif  // FACETRAIL_VISION_BLAZEFACE_H_
