#include "vision/blazeface.h"

#include <algorithm>
#include <cmath>

namespace facetrail::vision {

std::vector<Anchor> BlazeFaceAnchors(int input_size) {
  std::vector<Anchor> anchors;
  anchors.reserve(kBlazeFaceAnchors);
  struct Layer {
    int grid, per_cell;
  };
  for (Layer layer : {Layer{16, 2}, Layer{8, 6}}) {
    float stride = static_cast<float>(input_size) / static_cast<float>(layer.grid);
    for (int y = 0; y < layer.grid; ++y) {
      for (int x = 0; x < layer.grid; ++x) {
        for (int a = 0; a < layer.per_cell; ++a) {
          anchors.push_back({stride * (static_cast<float>(x) + 0.5f),
                             stride * (static_cast<float>(y) + 0.5f)});
        }
      }
    }
  }
  return anchors;
}

std::vector<Face> DecodeBlazeFace(const float* rows, const std::vector<Anchor>& anchors,
                                  float min_score, const InputTransform& t) {
  std::vector<Face> faces;
  for (size_t i = 0; i < anchors.size(); ++i) {
    // Clamp like MediaPipe so exp() cannot overflow on hostile activations.
    const float* row = rows + i * kBlazeFaceRowSize;
    float logit = std::clamp(row[0], -100.0f, 100.0f);
    float score = 1.0f / (1.0f + std::exp(-logit));
    if (!(score >= min_score)) continue;  // also drops NaN
    const float* r = row + 1;
    const Anchor& a = anchors[i];
    float cx = r[0] + a.x, cy = r[1] + a.y, w = r[2], h = r[3];
    if (!(w > 0 && h > 0)) continue;
    Face f;
    f.score = score;
    f.box.x = (cx - w / 2) * t.scale_x + t.offset_x;
    f.box.y = (cy - h / 2) * t.scale_y + t.offset_y;
    f.box.width = w * t.scale_x;
    f.box.height = h * t.scale_y;
    for (int k = 0; k < 6; ++k) {
      f.keypoints[k].x = (r[4 + 2 * k] + a.x) * t.scale_x + t.offset_x;
      f.keypoints[k].y = (r[5 + 2 * k] + a.y) * t.scale_y + t.offset_y;
    }
    faces.push_back(f);
  }
  return faces;
}

float IntersectionOverUnion(const Box& a, const Box& b) {
  float x0 = std::max(a.x, b.x), y0 = std::max(a.y, b.y);
  float x1 = std::min(a.x + a.width, b.x + b.width);
  float y1 = std::min(a.y + a.height, b.y + b.height);
  float inter = std::max(0.0f, x1 - x0) * std::max(0.0f, y1 - y0);
  float uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

std::vector<Face> NonMaxSuppression(std::vector<Face> faces, float iou_threshold) {
  std::sort(faces.begin(), faces.end(),
            [](const Face& a, const Face& b) { return a.score > b.score; });
  std::vector<Face> kept;
  for (const Face& f : faces) {
    bool overlaps = false;
    for (const Face& k : kept) {
      if (IntersectionOverUnion(f.box, k.box) > iou_threshold) {
        overlaps = true;
        break;
      }
    }
    if (!overlaps) kept.push_back(f);
  }
  return kept;
}

float Prominence(const Face& face, int width, int height) {
  float cx = face.box.x + face.box.width / 2, cy = face.box.y + face.box.height / 2;
  float dx = cx - static_cast<float>(width) / 2, dy = cy - static_cast<float>(height) / 2;
  float half_diag = 0.5f * std::hypot(static_cast<float>(width), static_cast<float>(height));
  float d = half_diag > 0 ? std::min(1.0f, std::hypot(dx, dy) / half_diag) : 0.0f;
  return face.box.width * face.box.height * (1.0f - 0.5f * d);
}

void SortByProminence(std::vector<Face>* faces, int width, int height, int max_faces) {
  std::stable_sort(faces->begin(), faces->end(), [&](const Face& a, const Face& b) {
    float pa = Prominence(a, width, height), pb = Prominence(b, width, height);
    if (pa != pb) return pa > pb;
    return a.score > b.score;
  });
  if (max_faces >= 0 && faces->size() > static_cast<size_t>(max_faces)) {
    faces->resize(static_cast<size_t>(max_faces));
  }
}

}  // namespace facetrail::vision
