// Open-set identification (1:N) metrics in ISO/IEC 19795-1 / NIST FRTE terms.
//
// Each search of a probe against a gallery is summarised by a SearchOutcome. Mated searches
// are of people enrolled in the gallery, non-mated searches of people who are not; a
// non-mated search must come back with no candidate above the threshold.
// - FPIR(t): non-mated searches whose best candidate scores >= t / non-mated searches.
// - FNIR(t, R): mated searches whose mate is not returned at rank <= R with score >= t /
//   mated searches (R = 1 unless stated).
// - Rank-k hit rate (closed-set CMC): mated searches whose mate is at rank <= k.
// A probe that failed to acquire counts as a search that returned nothing: a miss when
// mated, a correct "no candidate" when non-mated.
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_EVAL_OPEN_SET_H_
#define FACETRAIL_EVAL_OPEN_SET_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace facetrail::eval {

struct SearchOutcome {
  bool mated = false;    // the probe's identity is enrolled
  bool acquired = true;  // false: no face in the probe (failure to acquire)
  float top_score = 0;   // best candidate's score (any identity)
  int mate_rank = 0;     // 1-based rank of the mate's template; 0 if non-mated / not acquired
  float mate_score = 0;  // score of the mate's template
};

struct OpenSetRates {
  double threshold = 0;
  double fpir = 0;
  double fnir = 0;
  int64_t mated_searches = 0;
  int64_t non_mated_searches = 0;
};
OpenSetRates OpenSetAt(const std::vector<SearchOutcome>& searches, double threshold,
                       int max_rank = 1);

// FNIR at the lowest threshold whose FPIR <= target_fpir (same tie rule as TarAtFar:
// thresholds sit just above a non-mated top score). `resolvable` is false when target_fpir
// is below 1 / non_mated_searches.
struct FnirAtFpir {
  double target_fpir = 0;
  double fnir = 0;
  double threshold = 0;
  double achieved_fpir = 0;
  int64_t non_mated_searches = 0;
  int64_t mated_searches = 0;
  bool resolvable = false;
};
FnirAtFpir FnirAtFpirPoint(const std::vector<SearchOutcome>& searches, double target_fpir,
                           int max_rank = 1);

// Fraction of mated searches whose mate is at rank <= k (no threshold).
double RankHitRate(const std::vector<SearchOutcome>& searches, int k);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_OPEN_SET_H_
