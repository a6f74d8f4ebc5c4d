// Engine implementation: manifest -> verified models -> decode, detect, align, quality,
// embed. See include/facetrail/engine.h for the contract and docs/vision.md for choices.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>

#include <opencv2/core.hpp>

#include "facetrail/engine.h"
#include "vision/align.h"
#include "vision/decode.h"
#include "vision/detector.h"
#include "vision/embedder.h"
#include "vision/model_manifest.h"
#include "vision/operating_points.h"
#include "vision/quality.h"

namespace facetrail {
namespace {

using vision::BlazeFaceDetector;
using vision::FaceEmbedder;

constexpr char kDefaultDetector[] = "blazeface-back";
constexpr char kDefaultCloseRangeDetector[] = "blazeface-front";
constexpr char kDefaultEmbedder[] = "mobilefacenet";

ModelInfo InfoOf(const vision::ModelEntry& e) {
  return ModelInfo{e.Id(), e.name, e.version, e.sha256, e.output_dim};
}

StatusOr<vision::ModelManifest> LoadManifest(const std::string& models_dir) {
  std::string path = models_dir + "/manifest.json";
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError("cannot open model manifest " + path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto manifest = vision::ParseModelManifest(text);
  if (!manifest.ok()) return manifest.status().WithContext(path);
  return manifest;
}

class EngineImpl final : public Engine {
 public:
  struct CloseRange {
    vision::ModelEntry entry;
    std::unique_ptr<BlazeFaceDetector> detector;
  };

  EngineImpl(const EngineOptions& options, vision::ModelEntry detector_entry,
             std::unique_ptr<BlazeFaceDetector> detector, std::optional<CloseRange> close_range,
             vision::ModelEntry embedder_entry, std::unique_ptr<FaceEmbedder> embedder,
             float threshold)
      : options_(options),
        limits_{options.max_image_bytes, options.max_pixels, options.max_dimension},
        detector_info_(InfoOf(detector_entry)),
        embedder_info_(InfoOf(embedder_entry)),
        detector_(std::move(detector)),
        embedder_(std::move(embedder)),
        threshold_(threshold) {
    if (embedder_info_.dim == 0) embedder_info_.dim = embedder_entry.output_dim;
    if (close_range) {
      close_info_ = InfoOf(close_range->entry);
      close_detector_ = std::move(close_range->detector);
    }
  }

  StatusOr<std::vector<Face>> Detect(std::string_view encoded_image) const override {
    FT_ASSIGN_OR_RETURN(cv::Mat rgb, vision::DecodeImage(encoded_image, limits_));
    FT_ASSIGN_OR_RETURN(std::vector<Face> faces, DetectIn(rgb));
    for (Face& f : faces) AddQuality(rgb, &f, nullptr);
    return faces;
  }

  StatusOr<FaceTemplate> EmbedProminent(std::string_view encoded_image) const override {
    FT_ASSIGN_OR_RETURN(cv::Mat rgb, vision::DecodeImage(encoded_image, limits_));
    if (close_detector_ != nullptr) {
      FT_ASSIGN_OR_RETURN(std::vector<Face> close,
                          close_detector_->Detect(rgb, options_.min_detection_score,
                                                  options_.max_faces));
      if (!close.empty()) return EmbedFace(rgb, close.front());
    }
    FT_ASSIGN_OR_RETURN(std::vector<Face> faces, DetectIn(rgb));
    if (faces.empty()) return NotFoundError("no face found in the image");
    return EmbedFace(rgb, faces.front());
  }

  StatusOr<std::vector<FaceTemplate>> EmbedAll(std::string_view encoded_image) const override {
    FT_ASSIGN_OR_RETURN(cv::Mat rgb, vision::DecodeImage(encoded_image, limits_));
    FT_ASSIGN_OR_RETURN(std::vector<Face> faces, DetectIn(rgb));
    std::vector<FaceTemplate> out;
    out.reserve(faces.size());
    for (const Face& f : faces) {
      FT_ASSIGN_OR_RETURN(FaceTemplate t, EmbedFace(rgb, f));
      out.push_back(std::move(t));
    }
    return out;
  }

  const ModelInfo& embedder() const override { return embedder_info_; }
  const ModelInfo& detector() const override { return detector_info_; }
  const ModelInfo* close_range_detector() const override {
    return close_detector_ != nullptr ? &close_info_ : nullptr;
  }
  std::string prominent_path_id() const override {
    return close_detector_ != nullptr ? close_info_.id + ">" + detector_info_.id
                                      : detector_info_.id;
  }
  float default_threshold() const override { return threshold_; }

 private:
  StatusOr<std::vector<Face>> DetectIn(const cv::Mat& rgb) const {
    return detector_->Detect(rgb, options_.min_detection_score, options_.max_faces);
  }

  // Fills face->quality from the keypoints and the aligned crop; returns the crop.
  void AddQuality(const cv::Mat& rgb, Face* face, cv::Mat* aligned_out) const {
    cv::Mat aligned = vision::AlignFace(rgb, *face, embedder_->alignment());
    face->quality = vision::GeometryQuality(*face);
    vision::MeasureCropQuality(aligned, &face->quality);
    if (aligned_out != nullptr) *aligned_out = std::move(aligned);
  }

  StatusOr<FaceTemplate> EmbedFace(const cv::Mat& rgb, const Face& face) const {
    FaceTemplate ft;
    ft.face = face;
    cv::Mat aligned;
    AddQuality(rgb, &ft.face, &aligned);
    FT_ASSIGN_OR_RETURN(ft.tmpl.values, embedder_->Embed(aligned));
    ft.tmpl.model_id = embedder_info_.id;
    return ft;
  }

  const EngineOptions options_;
  const vision::DecodeLimits limits_;
  const ModelInfo detector_info_;
  ModelInfo embedder_info_;
  const std::unique_ptr<BlazeFaceDetector> detector_;
  ModelInfo close_info_;
  std::unique_ptr<BlazeFaceDetector> close_detector_;  // null: full-range detector only
  const std::unique_ptr<FaceEmbedder> embedder_;
  const float threshold_;
};

}  // namespace

StatusOr<std::unique_ptr<Engine>> Engine::Create(const EngineOptions& options) {
  if (options.models_dir.empty()) return InvalidArgumentError("models_dir is not set");
  if (options.max_image_bytes <= 0 || options.max_pixels <= 0 || options.max_dimension <= 0 ||
      options.max_faces < 0 || options.threads < 1) {
    return InvalidArgumentError("engine limits must be positive");
  }
  FT_ASSIGN_OR_RETURN(vision::ModelManifest manifest, LoadManifest(options.models_dir));
  std::string det_name = options.detector_name.empty() ? kDefaultDetector : options.detector_name;
  std::string emb_name = options.embedder_name.empty() ? kDefaultEmbedder : options.embedder_name;
  const vision::ModelEntry* det = manifest.FindByName(det_name);
  if (det == nullptr || (det->role != "detector" && det->role != "detector-front")) {
    return NotFoundError("no detector model '" + det_name + "' in the manifest");
  }
  std::string close_name = options.close_range_detector_name;
  if (close_name.empty()) close_name = options.detector_name.empty() ? kDefaultCloseRangeDetector : "none";
  std::optional<EngineImpl::CloseRange> close_range;
  if (close_name != "none" && close_name != det_name) {
    const vision::ModelEntry* close = manifest.FindByName(close_name);
    if (close == nullptr || (close->role != "detector" && close->role != "detector-front")) {
      return NotFoundError("no detector model '" + close_name + "' in the manifest");
    }
    auto close_detector = BlazeFaceDetector::Create(*close, options.models_dir);
    if (!close_detector.ok()) return close_detector.status().WithContext("detector " + close->name);
    close_range = EngineImpl::CloseRange{*close, std::move(close_detector).value()};
  }
  const vision::ModelEntry* emb = manifest.FindByName(emb_name);
  if (emb == nullptr || emb->role != "embedder") {
    return NotFoundError("no embedder model '" + emb_name + "' in the manifest");
  }
  cv::setNumThreads(options.threads);
  auto point = vision::FindOperatingPoint(emb->Id());
  bool flip = point ? point->flip_average : vision::kDefaultFlipAverage;
  float threshold = point ? point->threshold : std::numeric_limits<float>::quiet_NaN();
  auto detector = BlazeFaceDetector::Create(*det, options.models_dir);
  if (!detector.ok()) return detector.status().WithContext("detector " + det->name);
  auto embedder = FaceEmbedder::Create(*emb, options.models_dir, flip);
  if (!embedder.ok()) return embedder.status().WithContext("embedder " + emb->name);
  return std::unique_ptr<Engine>(new EngineImpl(options, *det, std::move(detector).value(),
                                                std::move(close_range), *emb,
                                                std::move(embedder).value(), threshold));
}

StatusOr<float> CompareTemplates(const Template& a, const Template& b) {
  if (a.model_id != b.model_id) {
    return InvalidArgumentError("templates come from different models: '" + a.model_id +
                                "' vs '" + b.model_id + "'");
  }
  if (a.values.size() != b.values.size() || a.values.empty()) {
    return InvalidArgumentError("templates have different or zero dimensions");
  }
  double dot = 0;
  for (size_t i = 0; i < a.values.size(); ++i) dot += double{a.values[i]} * b.values[i];
  if (!std::isfinite(dot)) return InvalidArgumentError("template holds non-finite values");
  return static_cast<float>(dot);
}

}  // namespace facetrail
