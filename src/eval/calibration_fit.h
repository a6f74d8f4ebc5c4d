// Fitting a score -> FMR calibration from an all-pairs impostor set (one image per
// identity), and the hold-out check that the fitted FMRs predict FMR on people the fit
// never saw.
//
// Table rows (see docs/evaluation.md): the exact thresholds for target FMRs on a grid of
// 8 per decade, down to 1 / impostor_pairs, plus a score grid every 0.02, plus the first
// score above every impostor (0 false matches). Each row: score, false matches, FMR, and
// its 95% Clopper-Pearson interval on the counts; decade rows also carry a 95% bootstrap
// interval over identities, which is the honest one (pairs that share a person are not
// independent).
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_EVAL_CALIBRATION_FIT_H_
#define FACETRAIL_EVAL_CALIBRATION_FIT_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "eval/all_pairs.h"
#include "eval/intervals.h"
#include "eval/score_distribution.h"
#include "facetrail/status.h"

namespace facetrail::eval {

// FMR at threshold t with a bootstrap interval over the identities (rows) behind `d`
// (TailEntry a/b are row indices of a one-image-per-identity matrix with `rows` rows).
// Exact only when t is above d.floor(); callers use thresholds in the tail.
Interval BootstrapFmr(const ScoreDistribution& d, size_t rows, double t,
                      const BootstrapOptions& options = {});

// The calibration document (model, impostor_pairs, identities, table, provenance).
nlohmann::json BuildCalibrationJson(const ScoreDistribution& d, size_t identities,
                                    const std::string& model_id, const nlohmann::json& provenance,
                                    const BootstrapOptions& options = {});

struct HoldoutCheck {
  double target_fmr = 0;
  double threshold = 0;             // fitted on the fit identities
  Interval predicted;               // bootstrap over fit identities
  Interval predicted_binomial;      // Clopper-Pearson on the fit counts
  int64_t fit_pairs = 0;
  int64_t heldout_pairs = 0;
  int64_t heldout_false_matches = 0;
  double measured_fmr = 0;          // on held-out identities' pairs only
  Interval measured_binomial;
  bool within_ci = false;           // measured_fmr inside `predicted`
};

// Splits the rows (identities) in two halves by a seeded shuffle, fits thresholds for each
// target on one half and measures FMR on the other half's pairs.
StatusOr<std::vector<HoldoutCheck>> CheckCalibrationOnHeldOut(const TemplateMatrix& m,
                                                              const std::vector<double>& targets,
                                                              uint64_t seed, int threads);

nlohmann::json ToJson(const HoldoutCheck& h);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_CALIBRATION_FIT_H_
