// The LFW "unrestricted" verification protocol as a metric: k-fold cross-validation in
// which each fold's threshold is chosen on the other folds (to maximise their accuracy)
// and accuracy is measured on the held-out fold. Reported as the mean and the population
// standard deviation (ddof = 0, as the LFW results tables and facenet's evaluation use)
// of the per-fold accuracies.
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_EVAL_FOLDS_H_
#define FACETRAIL_EVAL_FOLDS_H_

#include <vector>

#include "facetrail/status.h"

namespace facetrail::eval {

struct ScoredPair {
  float score = 0;  // kFailureScore when either image failed to acquire
  bool same = false;
  int fold = 0;
};

// The threshold that maximises accuracy (score >= t means "same") over `pairs`. Candidate
// thresholds are the midpoints between consecutive distinct scores (plus one above the
// highest and one below the lowest), since every threshold strictly between two
// neighbouring scores gives the same decisions; among equally accurate candidates the
// highest threshold wins (fewer false matches). Also returns that accuracy.
struct ThresholdChoice {
  double threshold = 0;
  double accuracy = 0;
};
ThresholdChoice BestAccuracyThreshold(const std::vector<ScoredPair>& pairs);

// Accuracy of the decisions score >= threshold.
double AccuracyAt(const std::vector<ScoredPair>& pairs, double threshold);

struct FoldResult {
  int fold = 0;
  double threshold = 0;  // chosen on the other folds
  double accuracy = 0;   // on this fold
  int pairs = 0;
};

struct CrossValidation {
  std::vector<FoldResult> folds;
  double mean_accuracy = 0;
  double std_accuracy = 0;  // population standard deviation over folds
  double mean_threshold = 0;
};

// Runs the protocol over the folds named in pairs[i].fold. kInvalidArgument when fewer
// than two folds are present or a fold has no pairs.
StatusOr<CrossValidation> CrossValidate(const std::vector<ScoredPair>& pairs);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_FOLDS_H_
