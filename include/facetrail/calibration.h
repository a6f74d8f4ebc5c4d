// Score calibration: what a cosine score means as a false-match rate, for one model.
//
// Built from a large impostor set (comparisons of different people; docs/evaluation.md):
// for a score s, FMR(s) = (impostor comparisons scoring >= s) / (impostor comparisons),
// with a 95% Clopper-Pearson interval. A deployment sets its threshold as a target FMR
// (ThresholdForFmr), and every comparison reports EstimatedFmr of its score.
//
// The table is stored as JSON next to the model (calibration/<model>.json, format in
// docs/evaluation.md): the impostor count and, for the scores at which the count of
// impostors at or above changes in the low-FMR tail, that count. It carries the model id it
// was measured for; a different model never uses it.
//
// Thread-safety: immutable after construction.
#ifndef FACETRAIL_CALIBRATION_H_
#define FACETRAIL_CALIBRATION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/status.h"

namespace facetrail {

struct CalibrationPoint {
  float score = 0;            // threshold
  int64_t false_matches = 0;  // impostor comparisons scoring >= score
};

struct FmrEstimate {
  double fmr = 0;       // point estimate (false_matches / impostors)
  double lower = 0;     // 95% Clopper-Pearson bounds
  double upper = 0;
  int64_t false_matches = 0;
  int64_t impostors = 0;
};

class Calibration {
 public:
  // From raw impostor scores (any order). Keeps every distinct score of the highest
  // `max_points` distinct scores exactly, then a 1,000-step quantile ladder below them.
  static StatusOr<Calibration> FromImpostorScores(std::string model_id, std::string dataset,
                                                  std::vector<float> scores,
                                                  size_t max_points = 20000);
  static StatusOr<Calibration> FromJson(std::string_view json);
  static StatusOr<Calibration> FromFile(const std::string& path);
  std::string ToJson() const;

  const std::string& model_id() const { return model_id_; }
  const std::string& dataset() const { return dataset_; }
  int64_t impostors() const { return impostors_; }

  // FMR of one comparison scoring `score`. A score above every impostor reports the
  // count as 0 with the upper bound 1 - 0.025^(1/n) (it is never "zero risk").
  FmrEstimate EstimatedFmr(float score) const;
  // The lowest score whose estimated FMR is <= target. kOutOfRange when target is below
  // what the impostor set can resolve (target * impostors < 1): the caller fails closed.
  StatusOr<float> ThresholdForFmr(double target_fmr) const;
  // Smallest FMR the table can resolve (1 / impostors).
  double ResolutionLimit() const { return impostors_ > 0 ? 1.0 / static_cast<double>(impostors_) : 1.0; }

  const std::vector<CalibrationPoint>& points() const { return points_; }

 private:
  std::string model_id_;
  std::string dataset_;
  int64_t impostors_ = 0;
  std::vector<CalibrationPoint> points_;  // decreasing score, increasing false_matches
  // points_[0, exact_points_) hold every distinct impostor score of the high tail; the
  // rest are a coarse quantile ladder.
  size_t exact_points_ = 0;
};

// Two-sided 95% Clopper-Pearson interval for k successes in n trials.
void ClopperPearson95(int64_t k, int64_t n, double* lower, double* upper);

}  // namespace facetrail

#endif  // FACETRAIL_CALIBRATION_H_
