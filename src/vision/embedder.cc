#include "vision/embedder.h"

#include <algorithm>
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
  // With flip-averaging the crop and its mirror go through the network as one batch of 2
  // (the converted models take any batch; the outputs equal two separate runs exactly).
  const int batch = flip_average_ ? 2 : 1;
  cv::Mat blob = MakeInputBlob(crop, entry_.preprocess);
  if (flip_average_) {
    cv::Mat mirrored;
    cv::flip(crop, mirrored, 1);
    cv::Mat second = MakeInputBlob(mirrored, entry_.preprocess);
    int sizes[] = {2, 3, s, s};
    cv::Mat both(4, sizes, CV_32F);
    const size_t one = blob.total();
    std::copy_n(blob.ptr<float>(), one, both.ptr<float>());
    std::copy_n(second.ptr<float>(), one, both.ptr<float>() + one);
    blob = both;
  }
  FT_ASSIGN_OR_RETURN(NetPool::Lease lease, pool_->Borrow());
  cv::Mat out;
  try {
    lease.net().setInput(blob);
    out = lease.net().forward();
  } catch (const cv::Exception& e) {
    return InternalError(std::string("embedder inference failed: ") + e.what());
  }
  const size_t dim = out.total() / static_cast<size_t>(batch);
  if (out.type() != CV_32F || dim == 0 || out.total() != dim * batch ||
      (entry_.output_dim > 0 && dim != static_cast<size_t>(entry_.output_dim))) {
    return InternalError("embedder output has " + std::to_string(out.total()) +
                         " values for a batch of " + std::to_string(batch) + ", expected " +
                         std::to_string(entry_.output_dim) + " each");
  }
  const float* v = out.ptr<float>();
  std::vector<double> sum(dim, 0.0);
  for (int k = 0; k < batch; ++k) {
    for (size_t i = 0; i < dim; ++i) sum[i] += v[k * dim + i];
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
