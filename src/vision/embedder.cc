#include "vision/embedder.h"

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "vision/detector.h"

namespace facetrail::vision {

AlignmentTemplate TemplateForInputSize(int size) {
  if (size == 150) return DlibChipTemplate();
  AlignmentTemplate t = ArcFaceTemplate();
  float k = static_cast<float>(size) / 112.0f;
  t.size = size;
  for (auto& p : t.points) p = {p.x * k, p.y * k};
  return t;
}

FaceEmbedder::FaceEmbedder(ModelEntry entry, std::unique_ptr<NetPool> pool, bool flip_average)
    : entry_(std::move(entry)),
      pool_(std::move(pool)),
      flip_average_(flip_average),
      alignment_(TemplateForInputSize(entry_.preprocess.width)) {}

StatusOr<std::unique_ptr<FaceEmbedder>> FaceEmbedder::Create(const ModelEntry& entry,
                                                             const std::string& models_dir,
                                                             bool flip_average) {
  if (entry.preprocess.width != entry.preprocess.height) {
    return InvalidArgumentError("embedder " + entry.name + " input is not square");
  }
  FT_ASSIGN_OR_RETURN(auto pool, NetPool::Load(models_dir + "/" + entry.file, entry.sha256));
  return std::unique_ptr<FaceEmbedder>(new FaceEmbedder(entry, std::move(pool), flip_average));
}

StatusOr<std::vector<float>> FaceEmbedder::Embed(const cv::Mat& aligned_rgb) const {
  const int s = entry_.preprocess.width;
  cv::Mat crop = aligned_rgb;
  if (crop.cols != s || crop.rows != s) cv::resize(aligned_rgb, crop, cv::Size(s, s));
  FT_ASSIGN_OR_RETURN(NetPool::Lease lease, pool_->Borrow());
  std::vector<double> sum;
  const int passes = flip_average_ ? 2 : 1;
  for (int pass = 0; pass < passes; ++pass) {
    cv::Mat input = crop;
    if (pass == 1) cv::flip(crop, input, 1);
    cv::Mat out;
    try {
      lease.net().setInput(MakeInputBlob(input, entry_.preprocess));
      out = lease.net().forward();
    } catch (const cv::Exception& e) {
      return InternalError(std::string("embedder inference failed: ") + e.what());
    }
    if (out.type() != CV_32F || out.total() == 0 ||
        (entry_.output_dim > 0 && out.total() != static_cast<size_t>(entry_.output_dim))) {
      return InternalError("embedder output has " + std::to_string(out.total()) +
                           " values, expected " + std::to_string(entry_.output_dim));
    }
    const float* v = out.ptr<float>();
    sum.resize(out.total(), 0.0);
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += v[i];
  }
  double norm = 0;
  for (double x : sum) norm += x * x;
  norm = std::sqrt(norm);
  if (!(norm > 1e-12) || !std::isfinite(norm)) {
    return InternalError("embedder produced a zero or non-finite vector");
  }
  std::vector<float> unit(sum.size());
  for (size_t i = 0; i < sum.size(); ++i) unit[i] = static_cast<float>(sum[i] / norm);
  return unit;
}

}  // namespace facetrail::vision
