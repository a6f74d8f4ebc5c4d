// Verification (1:1) error metrics in ISO/IEC 19795-1 vocabulary, computed exactly from
// comparison scores.
//
// Conventions used everywhere in facetrail's evaluation code:
// - A comparison is declared a match when score >= threshold.
// - FMR(t)  = impostor comparisons with score >= t / impostor comparisons.
// - FNMR(t) = genuine comparisons with score <  t / genuine comparisons.
// - TAR = 1 - FNMR, FAR is used as a synonym of FMR only where the literature does
//   ("TAR at FAR"); failures to acquire are accounted for by the caller (see pairs_eval.h).
// - Scores are floats (cosine similarity); rates are doubles.
//
// Thread-safety: pure functions; ScoreSets is immutable after construction and may be
// read from any thread.
#ifndef FACETRAIL_EVAL_METRICS_H_
#define FACETRAIL_EVAL_METRICS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace facetrail::eval {

// Genuine (mated) and impostor (non-mated) comparison scores, each sorted ascending, so
// that every rate at a threshold is two binary searches.
class ScoreSets {
 public:
  ScoreSets() = default;
  // Takes ownership and sorts. NaN scores are not allowed (the caller maps failures to a
  // finite sentinel, see kFailureScore).
  ScoreSets(std::vector<float> genuine, std::vector<float> impostor);

  const std::vector<float>& genuine() const { return genuine_; }
  const std::vector<float>& impostor() const { return impostor_; }

  int64_t FalseMatches(double threshold) const;     // impostor scores >= threshold
  int64_t FalseNonMatches(double threshold) const;  // genuine scores < threshold
  // 0 when the corresponding set is empty.
  double Fmr(double threshold) const;
  double Fnmr(double threshold) const;

 private:
  std::vector<float> genuine_;
  std::vector<float> impostor_;
};

// Score given to a comparison in which one side failed to acquire a face: below every
// cosine similarity, so it is a non-match at every threshold (the conservative convention:
// a genuine pair with an FTA counts as a false non-match, an impostor pair as a correct
// rejection).
inline constexpr float kFailureScore = -2.0f;

struct ErrorRates {
  double threshold = 0;
  int64_t genuine = 0, impostor = 0;
  int64_t false_non_matches = 0, false_matches = 0;
  double fmr = 0, fnmr = 0;
};
ErrorRates RatesAt(const ScoreSets& sets, double threshold);

// One operating point. The ROC plots TAR = 1 - fnmr against fmr; the DET plots fnmr
// against fmr on probit axes (see Probit()).
struct OperatingPoint {
  double threshold = 0;  // accept when score >= threshold
  double fmr = 0;
  double fnmr = 0;
};

// Calls fn for every distinct operating point, from the strictest (threshold +infinity:
// FMR 0, FNMR 1) through every distinct score in decreasing order (the last accepts
// everything: FMR 1, FNMR 0 when both sets are non-empty). O(n) after the sort; no
// allocation, so it can walk millions of scores.
void ForEachOperatingPoint(const ScoreSets& sets,
                           const std::function<void(const OperatingPoint&)>& fn);

// The full curve (one point per distinct score plus the +infinity point).
std::vector<OperatingPoint> RocCurve(const ScoreSets& sets);

// At most max_points (>= 2) points of the curve, chosen evenly in log10(FMR) so the
// low-FMR region a DET plot shows keeps its detail; the first and last points are kept.
std::vector<OperatingPoint> ThinCurve(const std::vector<OperatingPoint>& curve,
                                      size_t max_points);

// Area under the ROC curve: P(genuine > impostor) + 0.5 P(genuine == impostor), i.e. the
// Mann-Whitney U statistic divided by n_genuine * n_impostor. Ties are exact, no
// interpolation. 0 when either set is empty.
double Auc(const ScoreSets& sets);

// Equal error rate. FMR and FNMR are step functions of the threshold and rarely meet
// exactly, so the EER is taken where the straight line between the two consecutive
// operating points that bracket the crossing (FMR - FNMR changes sign) crosses FMR = FNMR;
// the threshold is interpolated the same way. If an operating point has FMR == FNMR
// exactly, that point is the EER.
struct EerResult {
  double eer = 0;
  double threshold = 0;
};
EerResult EqualErrorRate(const ScoreSets& sets);

// True accept rate at a target false accept rate: the threshold is the lowest one whose
// FMR is <= target_far, i.e. it lets through at most floor(target_far * n_impostor)
// impostor scores (fewer when the next impostor score is tied with the ones above it).
// When target_far < 1 / n_impostor no false match can be allowed: the threshold sits just
// above the highest impostor score, `resolvable` is false, and the TAR describes an FMR of
// 0 measured on n_impostor pairs, not the FMR asked for.
struct TarAtFar {
  double target_far = 0;
  double tar = 0;
  double threshold = 0;
  double achieved_far = 0;
  int64_t impostor_pairs = 0;
  int64_t genuine_pairs = 0;
  bool resolvable = false;  // target_far >= 1 / impostor_pairs
};
TarAtFar TarAtFarPoint(const ScoreSets& sets, double target_far);

// Inverse of the standard normal CDF, for DET axes. p is clamped to [1e-12, 1 - 1e-12].
double Probit(double p);

// Failure-to-acquire rate (ISO/IEC 19795-1): attempts in which no face was found or the
// image could not be processed / all attempts. 0 when there were no attempts.
double FailureToAcquireRate(int64_t failures, int64_t attempts);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_METRICS_H_
