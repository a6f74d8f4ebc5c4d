// Calibration file parsing and lookup (the public API in include/facetrail/calibration.h).
#include "facetrail/calibration.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "core/env.h"

namespace facetrail {

StatusOr<Calibration> Calibration::Parse(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("calibration: not a JSON object");
  Calibration c;
  try {
    c.model_id_ = j.at("model").get<std::string>();
    c.impostor_pairs_ = j.at("impostor_pairs").get<int64_t>();
    for (const auto& r : j.at("table")) {
      Row row;
      row.score = r.at("score").get<double>();
      row.false_matches = r.at("false_matches").get<int64_t>();
      row.fmr = r.at("fmr").get<double>();
      row.low = r.at("ci_low").get<double>();
      row.high = r.at("ci_high").get<double>();
      c.rows_.push_back(row);
    }
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("calibration: ") + e.what());
  }
  if (c.impostor_pairs_ <= 0 || c.rows_.empty()) return InvalidArgumentError("calibration: empty table");
  std::sort(c.rows_.begin(), c.rows_.end(), [](const Row& a, const Row& b) { return a.score < b.score; });
  for (size_t i = 1; i < c.rows_.size(); ++i) {
    if (c.rows_[i].fmr > c.rows_[i - 1].fmr) return InvalidArgumentError("calibration: FMR not monotone in score");
  }
  return c;
}

StatusOr<Calibration> Calibration::Load(const std::string& path) {
  FT_ASSIGN_OR_RETURN(std::string text, Env::Default()->ReadFileToString(path, 16 << 20));
  auto c = Parse(text);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

FmrEstimate Calibration::ScoreToFmr(double score) const {
  FmrEstimate e;
  // First row with score > query.
  auto it = std::upper_bound(rows_.begin(), rows_.end(), score,
                             [](double s, const Row& r) { return s < r.score; });
  if (it == rows_.begin()) {
    // Below the lowest threshold measured: at least that row's FMR.
    e.fmr = rows_.front().fmr;
    e.low = rows_.front().low;
    e.high = 1;
    return e;
  }
  const Row& lo = *(it - 1);  // lo.score <= score
  if (lo.false_matches == 0) {
    e.fmr = 0;
    e.high = lo.high;
    e.beyond_table = true;
    return e;
  }
  if (it == rows_.end() || it->false_matches == 0) {
    // Between the last row with false matches and the first without: no interpolation in
    // log space towards 0; report the row's values (conservative: FMR at a lower score).
    e.fmr = lo.fmr;
    e.low = it == rows_.end() ? lo.low : 0;
    e.high = lo.high;
    return e;
  }
  const Row& hi = *it;
  double a = (score - lo.score) / (hi.score - lo.score);
  auto lerp_log = [&](double x, double y) {
    if (x <= 0 || y <= 0) return x + a * (y - x);
    return std::pow(10.0, std::log10(x) + a * (std::log10(y) - std::log10(x)));
  };
  e.fmr = lerp_log(lo.fmr, hi.fmr);
  e.low = lerp_log(lo.low, hi.low);
  e.high = lerp_log(lo.high, hi.high);
  return e;
}

StatusOr<double> Calibration::ThresholdForFmr(double target_fmr) const {
  if (!(target_fmr > 0) || target_fmr >= 1) return InvalidArgumentError("target FMR must be in (0, 1)");
  if (target_fmr * static_cast<double>(impostor_pairs_) < 1.0 - 1e-9) {
    return OutOfRangeError("target FMR " + std::to_string(target_fmr) + " is below 1/" +
                           std::to_string(impostor_pairs_) + " impostor pairs of the calibration");
  }
  for (const Row& r : rows_) {
    if (r.fmr <= target_fmr) return r.score;
  }
  return rows_.back().score;
}

StatusOr<double> Calibration::ThresholdForFpir(double target_fpir, int64_t gallery_size) const {
  if (gallery_size <= 0) return InvalidArgumentError("gallery size must be positive");
  return ThresholdForFmr(target_fpir / static_cast<double>(gallery_size));
}

}  // namespace facetrail
