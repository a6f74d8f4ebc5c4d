// BuildDisclosure: the accuracy and demographic-differential disclosure behind
// `facetrail eval disclose` (docs/disclosure.md): over the shared data root (lfw-dev,
// utkface-dev, pad-dev) it computes, for the exact models the engine loaded and a
// threshold given as a target FMR, every metric with its confidence interval and sample
// size, and returns it as one JSON document (the thing that gets signed). The HTML page is
// rendered from that document (disclosure_html.h), so the page shows what is signed.
//
// Sections: model, threshold (target FMR -> score, from all cross-identity pairs of one
// image per person over lfw-dev + utkface-dev), calibration hold-out check, LFW protocol
// (accuracy, ROC/DET, EER, TAR@FAR), rates at the threshold, demographics (LFW gender; UTK
// race x gender, impostor side), error-versus-reject per quality measure, FTA, open-set
// 1:N, PAD, dataset provenance.
//
// Thread-safety: reentrant; runs the Engine (and LivenessChecker) on options.embed.threads
// threads; progress callbacks as in embed_runner.h.
#ifndef FACETRAIL_EVAL_DISCLOSURE_H_
#define FACETRAIL_EVAL_DISCLOSURE_H_

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "eval/embed_runner.h"
#include "eval/intervals.h"
#include "facetrail/clock.h"
#include "facetrail/engine.h"
#include "facetrail/liveness.h"
#include "facetrail/status.h"

namespace facetrail::eval {

struct DiscloseOptions {
  std::string data_dir;     // holds lfw-dev/, utkface-dev/, pad-dev/, README.md
  double target_fmr = 1e-4;
  size_t limit = 0;         // > 0: at most this many images per data set (quick runs)
  EmbedOptions embed;       // threads, cache, per-pass progress
  BootstrapOptions bootstrap;
  uint64_t seed = 20261127;
  const Clock* clock = nullptr;  // for generated_at; Clock::Real() when null
  // Called when a stage starts ("embedding lfw-dev", ...), for the progress display.
  std::function<void(const std::string& stage)> on_stage;
  // Progress of the PAD pass (it does not go through EmbedImages).
  std::function<void(size_t done, size_t total)> pad_progress;
};

// kIOError / kInvalidArgument when a data set is missing or malformed. `liveness` may be
// null: the PAD section then says the check was not evaluated.
StatusOr<nlohmann::json> BuildDisclosure(const Engine& engine, const LivenessChecker* liveness,
                                         const DiscloseOptions& options);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_DISCLOSURE_H_
