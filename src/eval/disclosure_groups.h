// Demographic differentials for the disclosure, as NIST FRVT/FRTE Part 8 measures them:
// per-group FMR over impostor pairs whose two people are in the same group, and per-group
// FNMR over genuine pairs, both at one global threshold; max/min and max/geomean ratios.
// Groups come only from dataset labels (never inferred).
//
// Intervals: FMR by a bootstrap over people (rows of a one-image-per-person matrix), FNMR
// by a bootstrap over identities; a group is "thin" when its pairs cannot resolve the
// rate being discussed (fewer than 3 / target_fmr impostor pairs, or fewer than 30 genuine
// pairs), and ratios are computed over the groups that are not thin.
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_EVAL_DISCLOSURE_GROUPS_H_
#define FACETRAIL_EVAL_DISCLOSURE_GROUPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eval/all_pairs.h"
#include "eval/intervals.h"

namespace facetrail::eval {

struct GroupRate {
  std::string name;
  int64_t people = 0;
  int64_t impostor_pairs = 0, false_matches = 0;
  Interval fmr;  // bootstrap over people
  bool fmr_thin = false;
  int64_t genuine_pairs = 0, false_non_matches = 0;
  std::optional<Interval> fnmr;  // only where identities with several images exist
  bool fnmr_thin = false;
};

struct GroupReport {
  double threshold = 0;
  double target_fmr = 0;
  std::vector<GroupRate> groups;
  std::optional<double> fmr_max_min, fmr_max_geomean;
  std::optional<double> fnmr_max_min, fnmr_max_geomean;
};

// `group_of_row[i]` indexes `group_names` (-1: no label, left out). Impostor pairs are the
// cross pairs of rows within one group.
GroupReport ImpostorRatesByGroup(const TemplateMatrix& m, const std::vector<int>& group_of_row,
                                 const std::vector<std::string>& group_names, double threshold,
                                 double target_fmr, const BootstrapOptions& bootstrap = {});

struct GenuineComparison {
  uint32_t identity = 0;  // dense index, for the bootstrap
  int group = -1;         // index into the report's groups
  float score = 0;
};

// Fills genuine_pairs / fnmr of report->groups and the FNMR ratios.
void AddGenuineRates(const std::vector<GenuineComparison>& genuine, size_t num_identities,
                     GroupReport* report, const BootstrapOptions& bootstrap = {});

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_DISCLOSURE_GROUPS_H_
