// Demographic differentials as NIST FRTE measures them: per-group FMR (impostor pairs
// whose two people are both in the group) and FNMR (genuine pairs of the group's people)
// at ONE global threshold, with identity-bootstrap confidence intervals, and the ratios
// max/min and max/geometric-mean of the group rates.
//
// Groups come from dataset metadata only (labels files); nothing here infers them. The
// impostor side uses one acquired image per identity (all cross pairs within the group);
// the genuine side every pair of acquired-or-not images of one identity (an FTA image makes
// the pair a false non-match, as in pairs_eval.h). A group is flagged "thin" when its
// numbers cannot support a statement (reasons listed); thin groups are left out of the
// ratios.
//
// Thread-safety: pure function (starts worker threads for the matrix products).
#ifndef FACETRAIL_EVAL_DEMOGRAPHICS_H_
#define FACETRAIL_EVAL_DEMOGRAPHICS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "eval/embed_runner.h"
#include "eval/intervals.h"
#include "facetrail/status.h"

namespace facetrail::eval {

struct GroupResult {
  std::string name;
  int64_t images = 0, identities = 0;
  int64_t impostor_pairs = 0, false_matches = 0;
  double fmr = 0;
  Interval fmr_ci;           // bootstrap over the group's identities
  Interval fmr_binomial;     // Clopper-Pearson on the counts
  bool has_genuine = false;  // identities with two or more images exist
  int64_t genuine_pairs = 0, false_non_matches = 0;
  double fnmr = 0;
  Interval fnmr_ci;
  std::vector<std::string> thin_reasons;  // empty = enough data
};

struct DemographicsInput {
  std::vector<ImageOutcome> outcomes;
  std::vector<std::string> identity;  // per outcome
  std::vector<std::string> group;     // per outcome; empty = unlabelled (left out)
  double threshold = 0;               // the one global threshold
  std::optional<double> target_fmr;   // what the threshold was derived from, if anything
  int threads = 2;
  BootstrapOptions bootstrap;
  // Thin-data rules: fewer identities than this, or fewer impostor pairs than
  // min_expected_false_matches / target_fmr, or fewer genuine pairs than min_genuine_pairs.
  int64_t min_identities = 30;
  double min_expected_false_matches = 5;
  int64_t min_genuine_pairs = 50;
};

struct DemographicsReport {
  double threshold = 0;
  std::optional<double> target_fmr;
  std::vector<GroupResult> groups;
  int64_t unlabelled_images = 0;
  std::optional<double> fmr_max_min, fmr_max_geomean;
  std::optional<double> fnmr_max_min, fnmr_max_geomean;
  std::string ratio_note;
};

StatusOr<DemographicsReport> ComputeDemographics(const DemographicsInput& in);

// Rate ratios over groups: max/min and max/geomean; nullopt when fewer than two rates or
// a zero rate (the ratio is unbounded: say so rather than print infinity).
std::optional<double> MaxMinRatio(const std::vector<double>& rates);
std::optional<double> MaxGeomeanRatio(const std::vector<double>& rates);

nlohmann::json ToJson(const DemographicsReport& r);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_DEMOGRAPHICS_H_
