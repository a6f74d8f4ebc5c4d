#include "eval/quality_eval.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

namespace facetrail::eval {

std::vector<ErcPoint> ErrorVersusReject(const std::vector<float>& genuine_scores,
                                        const std::vector<double>& pair_quality, double threshold,
                                        const std::vector<double>& fractions) {
  const size_t n = std::min(genuine_scores.size(), pair_quality.size());
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return pair_quality[a] < pair_quality[b]; });
  // errors_from[k]: false non-matches among order[k..n).
  std::vector<int64_t> errors_from(n + 1, 0);
  for (size_t k = n; k-- > 0;) {
    errors_from[k] = errors_from[k + 1] + (static_cast<double>(genuine_scores[order[k]]) < threshold ? 1 : 0);
  }
  std::vector<ErcPoint> out;
  for (double f : fractions) {
    ErcPoint p;
    p.reject_fraction = f;
    p.rejected = static_cast<int64_t>(std::floor(std::clamp(f, 0.0, 1.0) * static_cast<double>(n) + 1e-9));
    p.kept = static_cast<int64_t>(n) - p.rejected;
    if (p.kept > 0) {
      p.quality_cutoff = pair_quality[order[static_cast<size_t>(p.rejected)]];
      p.fnmr = static_cast<double>(errors_from[static_cast<size_t>(p.rejected)]) / static_cast<double>(p.kept);
    }
    out.push_back(p);
  }
  return out;
}

const std::vector<QualityMeasure>& QualityMeasures() {
  static const auto* m = new std::vector<QualityMeasure>{
      {"inter_eye_px", "raw (larger is better)", [](const FaceQuality& q, float) { return double{q.inter_eye_px}; }},
      {"sharpness", "raw (larger is better)", [](const FaceQuality& q, float) { return double{q.sharpness}; }},
      {"contrast", "raw (larger is better)", [](const FaceQuality& q, float) { return double{q.contrast}; }},
      {"exposure", "-|exposure - 0.5| (mid-grey is best)",
       [](const FaceQuality& q, float) { return -std::fabs(double{q.exposure} - 0.5); }},
      {"yaw", "-|yaw_deg| (frontal is best)", [](const FaceQuality& q, float) { return -std::fabs(double{q.yaw_deg}); }},
      {"roll", "-|roll_deg| (upright is best)", [](const FaceQuality& q, float) { return -std::fabs(double{q.roll_deg}); }},
      {"detector_score", "raw (larger is better)", [](const FaceQuality&, float s) { return double{s}; }},
  };
  return *m;
}

nlohmann::json ToJson(const std::vector<ErcPoint>& curve) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& p : curve) {
    a.push_back({{"reject_fraction", p.reject_fraction},
                 {"rejected", p.rejected},
                 {"kept", p.kept},
                 {"quality_cutoff", p.quality_cutoff},
                 {"fnmr", p.fnmr}});
  }
  return a;
}

}  // namespace facetrail::eval
