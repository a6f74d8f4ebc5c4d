// RunPairsEvaluation: `facetrail eval pairs` without the command line: reads the pairs CSV,
// embeds every distinct image once (threads + template cache), scores the pairs and
// computes the report (see pairs_eval.h for the metrics and the FTA convention).
//
// Thread-safety: reentrant; uses the Engine from options.embed.threads threads.
#ifndef FACETRAIL_EVAL_PAIRS_RUN_H_
#define FACETRAIL_EVAL_PAIRS_RUN_H_

#include <string>

#include "eval/embed_runner.h"
#include "eval/pairs_eval.h"
#include "facetrail/engine.h"
#include "facetrail/status.h"

namespace facetrail::eval {

struct PairsRunOptions {
  std::string pairs_csv;   // path
  std::string images_dir;  // image names in the CSV are relative to it
  EmbedOptions embed;
  BootstrapOptions bootstrap;
  uint64_t max_csv_bytes = 64 << 20;
};

// kIOError if the CSV cannot be read, kInvalidArgument if it is malformed. Images that
// cannot be read or hold no face are failures to acquire, not errors.
StatusOr<PairsReport> RunPairsEvaluation(const Engine& engine, const PairsRunOptions& options);

// Score of two outcomes: cosine of the templates, kFailureScore if either failed to
// acquire. kInvalidArgument if the templates come from different models.
StatusOr<float> ScoreOutcomes(const ImageOutcome& a, const ImageOutcome& b);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_PAIRS_RUN_H_
