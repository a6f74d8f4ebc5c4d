// RunPad: the presentation-attack detection evaluation behind `facetrail eval pad` and the
// PAD section of the disclosure. Reads a labels CSV (image,label[,attack_type][,subject]),
// finds the most prominent face of every image with the engine, scores it with every
// loaded liveness model, then per model: picks the operating point on half of the
// subjects and reports APCER per attack type and BPCER on the other half (docs/liveness.md).
//
// Thread-safety: reentrant; uses the Engine and LivenessChecker from `threads` threads
// (both are thread-safe by contract). The progress callback is called under an internal
// lock.
#ifndef FACETRAIL_EVAL_PAD_RUN_H_
#define FACETRAIL_EVAL_PAD_RUN_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.h"
#include "eval/pad_metrics.h"
#include "facetrail/engine.h"
#include "facetrail/liveness.h"
#include "facetrail/status.h"

namespace facetrail::eval {

struct PadLabel {
  std::string image;  // relative to the images directory
  bool attack = false;
  std::string attack_type;
  std::string subject;
};

// Columns: image, label (live / bona_fide / bonafide / real -> bona fide; attack / spoof ->
// attack), optional attack_type, optional subject. Attacks without an attack_type get
// `default_attack_type`. kInvalidArgument on a missing column or unknown label.
StatusOr<std::vector<PadLabel>> ParsePadLabels(std::string_view csv_text,
                                               const std::string& default_attack_type);

struct PadRunOptions {
  std::string labels_csv;
  std::string images_dir;
  std::string default_attack_type = "unspecified";
  size_t every = 1;          // use every k-th row (subsample for slow models)
  double target_apcer = 0.05;  // operating point chosen on the tuning subjects
  int threads = 2;
  Env* env = nullptr;        // Env::Default() when null
  uint64_t max_image_bytes = 32 << 20;
  uint64_t max_csv_bytes = 16 << 20;
  std::function<void(size_t done, size_t total)> progress;
};

struct PadModelReport {
  std::string model_id;
  double target_apcer = 0;
  double threshold = 0;     // chosen on the tuning subjects
  PadRates tune;            // at that threshold, on the tuning subjects
  PadRates test;            // at that threshold, on the held-out subjects (the result)
  PadEer test_eer;          // threshold-free summaries on the held-out subjects
  double test_auc = 0;
  std::vector<std::pair<double, double>> test_det;  // (APCER_max, BPCER) points for plots
};

struct PadReport {
  int64_t samples = 0;               // rows used
  int64_t bona_fide = 0, attacks = 0;
  int64_t fta_bona_fide = 0, fta_attacks = 0;  // no face found: not scored
  int64_t unreadable = 0;            // could not read or decode
  bool subject_disjoint = true;
  std::vector<std::string> tune_subjects, test_subjects;
  std::vector<PadModelReport> models;  // in the checker's order
};

// kIOError if the CSV cannot be read, kInvalidArgument if it is malformed or leaves no
// bona fide or no attack presentation to score.
StatusOr<PadReport> RunPad(const Engine& engine, const LivenessChecker& checker,
                           const PadRunOptions& options);

// The per-model report from scored samples (exposed for tests).
PadModelReport ComputePadModelReport(const std::string& model_id,
                                     const std::vector<PadSample>& samples, double target_apcer);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_PAD_RUN_H_
