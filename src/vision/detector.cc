#include "vision/detector.h"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace facetrail::vision {
namespace {

// Overlap above which the lower-scoring box is suppressed (as MediaPipe uses for BlazeFace).
constexpr float kNmsIou = 0.3f;

}  // namespace

cv::Mat MakeInputBlob(const cv::Mat& rgb, const Preprocess& pre) {
  const int h = rgb.rows, w = rgb.cols;
  int sizes[] = {1, 3, h, w};
  cv::Mat blob(4, sizes, CV_32F);
  float* planes[3];
  for (int c = 0; c < 3; ++c) planes[c] = blob.ptr<float>(0, c);
  for (int y = 0; y < h; ++y) {
    const auto* row = rgb.ptr<cv::Vec3b>(y);
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) {
        int src = pre.rgb ? c : 2 - c;
        planes[c][y * w + x] = (static_cast<float>(row[x][src]) - pre.mean[c]) * pre.scale[c];
      }
    }
  }
  return blob;
}

BlazeFaceDetector::BlazeFaceDetector(ModelEntry entry, std::unique_ptr<NetPool> pool)
    : entry_(std::move(entry)),
      pool_(std::move(pool)),
      anchors_(BlazeFaceAnchors(entry_.preprocess.width)) {}

StatusOr<std::unique_ptr<BlazeFaceDetector>> BlazeFaceDetector::Create(
    const ModelEntry& entry, const std::string& models_dir) {
  if (entry.preprocess.width != entry.preprocess.height) {
    return InvalidArgumentError("detector " + entry.name + " input is not square");
  }
  FT_ASSIGN_OR_RETURN(auto pool, NetPool::Load(models_dir + "/" + entry.file, entry.sha256));
  return std::unique_ptr<BlazeFaceDetector>(new BlazeFaceDetector(entry, std::move(pool)));
}

StatusOr<std::vector<Face>> BlazeFaceDetector::DetectPadded(const cv::Mat& rgb, int pad,
                                                            float min_score) const {
  const int s = entry_.preprocess.width;
  const int cols = rgb.cols + 2 * pad, rows = rgb.rows + 2 * pad;
  // Letterbox: scale the longer side to s, pad the rest, so faces keep their shape.
  const float scale = static_cast<float>(s) / static_cast<float>(std::max(cols, rows));
  int w = std::clamp(static_cast<int>(std::lround(cols * scale)), 1, s);
  int h = std::clamp(static_cast<int>(std::lround(rows * scale)), 1, s);
  cv::Mat input(s, s, CV_8UC3, cv::Scalar::all(0));
  cv::Mat src = rgb;
  if (pad > 0) {
    cv::copyMakeBorder(rgb, src, pad, pad, pad, pad, cv::BORDER_CONSTANT, cv::Scalar::all(0));
  }
  // INTER_AREA averages over the source pixels on large downscales (bilinear would alias).
  cv::resize(src, input(cv::Rect(0, 0, w, h)), cv::Size(w, h), 0, 0,
             scale < 0.5f ? cv::INTER_AREA : cv::INTER_LINEAR);
  cv::Mat blob = MakeInputBlob(input, entry_.preprocess);

  FT_ASSIGN_OR_RETURN(NetPool::Lease lease, pool_->Borrow());
  cv::Mat out;
  try {
    lease.net().setInput(blob);
    out = lease.net().forward();
  } catch (const cv::Exception& e) {
    return InternalError(std::string("detector inference failed: ") + e.what());
  }
  if (out.total() != static_cast<size_t>(kBlazeFaceAnchors) * kBlazeFaceRowSize ||
      out.type() != CV_32F) {
    return InternalError("detector output has " + std::to_string(out.total()) +
                         " values, expected 896 x 17");
  }
  InputTransform t;
  t.scale_x = static_cast<float>(cols) / static_cast<float>(w);
  t.scale_y = static_cast<float>(rows) / static_cast<float>(h);
  t.offset_x = static_cast<float>(-pad);
  t.offset_y = static_cast<float>(-pad);
  std::vector<Face> faces = DecodeBlazeFace(out.ptr<float>(), anchors_, min_score, t);
  return NonMaxSuppression(std::move(faces), kNmsIou);
}

StatusOr<std::vector<Face>> BlazeFaceDetector::Detect(const cv::Mat& rgb, float min_score,
                                                      int max_faces) const {
  FT_ASSIGN_OR_RETURN(std::vector<Face> faces, DetectPadded(rgb, 0, min_score));
  const float longer = static_cast<float>(std::max(rgb.cols, rgb.rows));
  bool close_up = std::any_of(faces.begin(), faces.end(), [&](const Face& f) {
    return std::max(f.box.width, f.box.height) > kCloseUpFraction * longer;
  });
  if (close_up) {
    FT_ASSIGN_OR_RETURN(std::vector<Face> again,
                        DetectPadded(rgb, static_cast<int>(longer / 2), min_score));
    if (!again.empty()) faces = std::move(again);
  }
  SortByProminence(&faces, rgb.cols, rgb.rows, max_faces);
  return faces;
}

}  // namespace facetrail::vision
