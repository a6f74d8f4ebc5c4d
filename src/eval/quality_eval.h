// Quality versus error: the error-versus-reject curve (ERC, ISO/IEC 29794-1) for each
// quality measure the engine reports: FNMR at a fixed threshold after discarding the
// lowest-quality fraction of genuine pairs. A pair's quality is the lower of its two
// images' (a comparison is as good as its worse sample). A measure that predicts errors
// makes the curve fall fast; a flat curve says rejecting on it would only cost
// acquisitions. The curves justify (or not) the quality gate's defaults.
//
// Pairs with an FTA image are not on the curves (they have no quality); they are in the
// FTA rate reported beside them.
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_EVAL_QUALITY_EVAL_H_
#define FACETRAIL_EVAL_QUALITY_EVAL_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "facetrail/engine.h"

namespace facetrail::eval {

struct ErcPoint {
  double reject_fraction = 0;  // asked for
  int64_t rejected = 0;        // pairs discarded (floor(fraction * pairs))
  int64_t kept = 0;
  double quality_cutoff = 0;   // lowest pair quality kept
  double fnmr = 0;             // on the kept pairs
};

// scores[i], quality[i]: genuine pair i; higher quality = better. Ties in quality are
// discarded in input order (stable sort), so the curve is deterministic.
std::vector<ErcPoint> ErrorVersusReject(const std::vector<float>& genuine_scores,
                                        const std::vector<double>& pair_quality, double threshold,
                                        const std::vector<double>& fractions);

// The measures, each mapped so that higher is better.
struct QualityMeasure {
  std::string name;
  std::string direction;  // how the raw value was mapped, for the report
  double (*value)(const FaceQuality& q, float detector_score);
};
const std::vector<QualityMeasure>& QualityMeasures();

nlohmann::json ToJson(const std::vector<ErcPoint>& curve);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_QUALITY_EVAL_H_
