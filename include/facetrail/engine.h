// Vision engine: untrusted image bytes -> faces (box, keypoints, score, quality) ->
// aligned crops -> templates (L2-normalised embeddings tagged with the model that made
// them) -> cosine comparison.
//
// Models are ONNX files converted at setup time and listed in a manifest
// (models/manifest.json, see docs/models.md); nothing is downloaded at run time. The engine
// refuses to start if a model file's SHA-256 differs from the manifest.
//
// Thread-safety: an Engine is safe to use from several threads at once (each call borrows
// its own network instances from an internal pool); create one per process.
#ifndef FACETRAIL_ENGINE_H_
#define FACETRAIL_ENGINE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/status.h"

namespace facetrail {

struct Point {
  float x = 0, y = 0;
};

struct Box {
  float x = 0, y = 0, width = 0, height = 0;  // top-left corner and size, in image pixels
};

// Per-face quality measures (ISO/IEC 29794-5 spirit). All computed, never inferred
// attributes of the person.
struct FaceQuality {
  float inter_eye_px = 0;   // distance between the eye keypoints in the original image
  float sharpness = 0;      // variance of the Laplacian on the aligned grey crop
  float exposure = 0;       // mean luminance of the aligned crop, 0..1
  float contrast = 0;       // standard deviation of luminance of the aligned crop, 0..1
  float yaw_deg = 0;        // estimate from nose offset relative to the eyes
  float roll_deg = 0;       // angle of the eye line
};

// Keypoints in BlazeFace order: subject's right eye, left eye, nose tip, mouth centre,
// right ear, left ear.
struct Face {
  Box box;
  std::array<Point, 6> keypoints{};
  float score = 0;  // detector confidence, 0..1
  FaceQuality quality;
};

// An embedding produced by one model. Templates of different models never compare.
struct Template {
  std::string model_id;     // "<name>@<version>#<sha256 prefix>" from the manifest
  std::vector<float> values;  // unit L2 norm
};

struct FaceTemplate {
  Face face;
  Template tmpl;
};

struct EngineOptions {
  std::string models_dir;            // holds manifest.json and the .onnx files
  int64_t max_image_bytes = 32 << 20;  // larger inputs are refused before decoding
  int64_t max_pixels = 40'000'000;   // width*height limit, checked from the header
  int max_dimension = 16384;         // per side
  float min_detection_score = 0.6f;
  int max_faces = 64;                // detect() reports at most this many
  int threads = 1;                   // OpenCV threads per inference call
  // Manifest names of the models to use; empty = the measured defaults (docs/vision.md):
  // detector "blazeface-back", embedder "mobilefacenet".
  std::string detector_name;
  std::string embedder_name;
  // Close-range detector tried first for the prominent face (EmbedProminent: compare,
  // enroll, verify, eval); when it finds no face the full-range `detector_name` runs.
  // BlazeFace-front is four times cheaper than -back and as accurate on portrait-style
  // photos (docs/vision.md, "Detector cascade"). Empty = the default "blazeface-front"
  // unless detector_name is set (then that detector alone is used, to reproduce a
  // single-detector measurement); "none" = the full-range detector only.
  std::string close_range_detector_name;
};

struct ModelInfo {
  std::string id;       // as in Template::model_id
  std::string name;
  std::string version;
  std::string sha256;   // of the ONNX file
  int dim = 0;          // output dimension
};

class Engine {
 public:
  virtual ~Engine() = default;

  // Loads and verifies the models listed in options.models_dir/manifest.json.
  static StatusOr<std::unique_ptr<Engine>> Create(const EngineOptions& options);

  // All faces in the image, most prominent first. Empty when there is no face.
  // Errors: kInvalidArgument for undecodable/unsupported input, kResourceExhausted when
  // the image exceeds the byte or pixel limits.
  virtual StatusOr<std::vector<Face>> Detect(std::string_view encoded_image) const = 0;

  // Template of the most prominent face: the close-range detector's most prominent face
  // when it finds one, else the full-range detector's. kNotFound when there is no face.
  virtual StatusOr<FaceTemplate> EmbedProminent(std::string_view encoded_image) const = 0;

  // Templates of every detected face, most prominent first.
  virtual StatusOr<std::vector<FaceTemplate>> EmbedAll(std::string_view encoded_image) const = 0;

  virtual const ModelInfo& embedder() const = 0;
  // The full-range detector (Detect, EmbedAll, and EmbedProminent's fallback).
  virtual const ModelInfo& detector() const = 0;
  // The close-range detector EmbedProminent tries first; nullptr when there is none.
  virtual const ModelInfo* close_range_detector() const = 0;
  // Names EmbedProminent's detection path: "<close-range id>><full-range id>" for the
  // cascade, else the full-range detector's id. Recorded with every template's provenance
  // (audit entries, calibration, disclosure, eval caches).
  virtual std::string prominent_path_id() const = 0;

  // The engine's default operating threshold on cosine similarity, measured for this exact
  // embedder file (see docs/vision.md for how it was chosen). NaN when the embedder has no
  // measured threshold: then no comparison reaches it and callers must refuse to decide.
  // Deployments set thresholds as a target FMR instead.
  virtual float default_threshold() const = 0;
};

// Cosine similarity of two templates. kInvalidArgument if they come from different
// models or have different dimensions.
StatusOr<float> CompareTemplates(const Template& a, const Template& b);

}  // namespace facetrail

#endif  // FACETRAIL_ENGINE_H_
