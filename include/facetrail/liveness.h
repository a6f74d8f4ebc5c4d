// Liveness (presentation-attack detection, ISO/IEC 30107-3 vocabulary): scores one detected
// face as a bona fide presentation (a live person in front of the camera) or an attack
// (printed photo, screen replay, ...), with the ONNX models of role "liveness" listed in
// models/manifest.json (docs/models.md; measured in docs/liveness.md).
//
// Every score is oriented the same way: higher = more likely bona fide. A face is accepted
// as bona fide when its score >= the operating threshold chosen by evaluation
// (`facetrail eval pad`); no model here is trusted by default (docs/liveness.md gives the
// measured error rates and the verdict), so callers keep the check off unless a policy
// turns it on with a measured threshold.
//
// Thread-safety: a LivenessChecker is safe to use from several threads at once (each call
// borrows its own network instances from a pool).
#ifndef FACETRAIL_LIVENESS_H_
#define FACETRAIL_LIVENESS_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/engine.h"
#include "facetrail/status.h"

namespace facetrail {

struct LivenessOptions {
  std::string models_dir;  // holds manifest.json and the .onnx files
  // Manifest names to load, in this order; empty = every model of role "liveness" except
  // "expo-antispoof" (about 0.3 s per face, so it runs only when named).
  std::vector<std::string> models;
  int64_t max_image_bytes = 32 << 20;  // same bounds as the engine's decoder
  int64_t max_pixels = 40'000'000;
  int max_dimension = 16384;
};

struct LivenessScore {
  std::string model;  // manifest name
  float score = 0;    // higher = more likely bona fide; see docs/liveness.md per model
};

class LivenessChecker {
 public:
  virtual ~LivenessChecker() = default;

  // Loads and SHA-256-verifies the named models. kNotFound for a name that is not a
  // liveness model of the manifest; kDataLoss for a file whose hash differs.
  static StatusOr<std::unique_ptr<LivenessChecker>> Create(const LivenessOptions& options);

  // Manifest ids ("<name>@<version>#<sha prefix>") of the loaded models, in order.
  virtual std::vector<std::string> model_ids() const = 0;

  // One score per loaded model for `face` (from Engine::Detect on the same bytes).
  // kInvalidArgument / kResourceExhausted as Engine::Detect for bad or oversized images;
  // kInvalidArgument when the face box lies outside the image.
  virtual StatusOr<std::vector<LivenessScore>> Score(std::string_view encoded_image,
                                                     const Face& face) const = 0;
};

}  // namespace facetrail

#endif  // FACETRAIL_LIVENESS_H_
