// The pairs evaluation behind `facetrail eval pairs`: a list of image pairs labelled same /
// different (optionally in folds, as LFW's pairs.txt) -> verification metrics.
//
// Failures to acquire: FTA is counted per distinct image (ISO/IEC 19795-1). A pair with an
// FTA image is still scored, as kFailureScore (a non-match at every threshold): a genuine
// pair then counts as a false non-match, an impostor pair as a correct rejection. Dropping
// such pairs instead would flatter the system.
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_EVAL_PAIRS_EVAL_H_
#define FACETRAIL_EVAL_PAIRS_EVAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eval/folds.h"
#include "eval/intervals.h"
#include "eval/metrics.h"
#include "facetrail/status.h"

namespace facetrail::eval {

struct PairSpec {
  std::string image_a, image_b;  // relative to the images directory
  bool same = false;
  int fold = 0;  // 0 when the file has no fold column
};

// CSV with header columns image_a, image_b, same (1/0, true/false, same/different) and an
// optional fold (positive integer). kInvalidArgument on a missing column or a bad value.
StatusOr<std::vector<PairSpec>> ParsePairsCsv(std::string_view text);

// Identity of an LFW-style file name "First_Last_0001.jpg" -> "First_Last": everything
// before the last '_'. Files without '_' are their own identity (the stem).
std::string IdentityFromFileName(std::string_view name);

struct PairsReport {
  std::string model_id;
  int64_t pairs = 0, genuine_pairs = 0, impostor_pairs = 0;
  int64_t images = 0;           // distinct images
  int64_t images_failed = 0;    // failures to acquire among them
  double fta = 0;               // images_failed / images
  int64_t pairs_with_fta = 0;   // scored as kFailureScore
  bool folds_used = false;
  CrossValidation cv;           // when folds_used
  double accuracy = 0;          // cv mean with folds; else at the default threshold
  std::optional<double> accuracy_std;
  double auc = 0;
  Interval auc_ci;              // bootstrap over identities
  EerResult eer;
  std::vector<TarAtFar> tar_at_far;
  std::optional<double> default_threshold;  // none when the model has no measured one
  std::optional<double> accuracy_at_default_threshold;
  std::optional<ErrorRates> at_default;
  std::vector<OperatingPoint> det;  // thinned curve for plots
};

// `scores[i]` belongs to `pairs[i]` (kFailureScore for pairs with an FTA image).
// images/images_failed/pairs_with_fta/model_id are filled by the caller.
PairsReport ComputePairsReport(const std::vector<PairSpec>& pairs, const std::vector<float>& scores,
                               std::optional<double> default_threshold,
                               const BootstrapOptions& bootstrap = {});

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_PAIRS_EVAL_H_
