#include "facetrail/calibration.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include <nlohmann/json.hpp>

namespace facetrail {
namespace {

// Continued fraction for the regularised incomplete beta function (Lentz's method).
double BetaContinuedFraction(double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (std::fabs(d) < kTiny) d = kTiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 500; ++m) {
    int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = 1 + aa / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-14) break;
  }
  return h;
}

// I_x(a, b).
double RegularizedBeta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  double lbt = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) +
               b * std::log1p(-x);
  double bt = std::exp(lbt);
  if (x < (a + 1) / (a + b + 2)) return bt * BetaContinuedFraction(a, b, x) / a;
  return 1 - bt * BetaContinuedFraction(b, a, 1 - x) / b;
}

// x with I_x(a, b) = p, by bisection (monotone in x).
double InverseRegularizedBeta(double a, double b, double p) {
  double lo = 0, hi = 1;
  for (int i = 0; i < 200; ++i) {
    double mid = 0.5 * (lo + hi);
    if (RegularizedBeta(a, b, mid) < p) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

constexpr size_t kTailQuantiles = 1000;

}  // namespace

void ClopperPearson95(int64_t k, int64_t n, double* lower, double* upper) {
  if (n <= 0) {
    *lower = 0;
    *upper = 1;
    return;
  }
  const double kk = static_cast<double>(k), nn = static_cast<double>(n);
  *lower = k == 0 ? 0.0 : InverseRegularizedBeta(kk, nn - kk + 1, 0.025);
  *upper = k == n ? 1.0 : InverseRegularizedBeta(kk + 1, nn - kk, 0.975);
}

StatusOr<Calibration> Calibration::FromImpostorScores(std::string model_id, std::string dataset,
                                                      std::vector<float> scores, size_t max_points) {
  if (scores.empty()) return InvalidArgumentError("calibration needs impostor scores");
  if (model_id.empty()) return InvalidArgumentError("calibration needs a model id");
  for (float s : scores) {
    if (!std::isfinite(s)) return InvalidArgumentError("calibration: non-finite score");
  }
  std::sort(scores.begin(), scores.end(), std::greater<float>());
  const size_t n = scores.size();
  Calibration c;
  c.model_id_ = std::move(model_id);
  c.dataset_ = std::move(dataset);
  c.impostors_ = static_cast<int64_t>(n);
  // Index just past the block of scores equal to scores[i].
  auto tie_end = [&](size_t i) {
    size_t j = i;
    while (j < n && scores[j] == scores[i]) ++j;
    return j;
  };
  // Exact points: every distinct score in the high tail, where thresholds live.
  size_t i = 0;
  while (i < n && c.points_.size() < max_points) {
    size_t j = tie_end(i);
    c.points_.push_back({scores[i], static_cast<int64_t>(j)});
    i = j;
  }
  c.exact_points_ = c.points_.size();
  // Below the exact tail, a coarse quantile ladder so that the table covers every FMR.
  for (size_t q = 1; q <= kTailQuantiles && i < n; ++q) {
    size_t idx = (q * n + kTailQuantiles - 1) / kTailQuantiles;  // ceil(q n / Q)
    if (idx == 0 || idx - 1 < i) continue;
    size_t j = tie_end(idx - 1);
    if (scores[idx - 1] < c.points_.back().score) {
      c.points_.push_back({scores[idx - 1], static_cast<int64_t>(j)});
    }
  }
  return c;
}

FmrEstimate Calibration::EstimatedFmr(float score) const {
  FmrEstimate e;
  e.impostors = impostors_;
  // Number of points scoring >= score.
  const size_t idx = static_cast<size_t>(
      std::partition_point(points_.begin(), points_.end(),
                           [score](const CalibrationPoint& p) { return p.score >= score; }) -
      points_.begin());
  if (idx == 0) {
    e.false_matches = 0;
  } else if (idx < exact_points_ || exact_points_ == points_.size() ||
             points_[idx - 1].score == score) {
    // Every distinct impostor score down to points_[idx] is stored (or the score is a
    // stored point itself): the count is exact.
    e.false_matches = points_[idx - 1].false_matches;
  } else {
    // Between coarse points the exact count is unknown: take the larger neighbour, so the
    // estimate errs towards more risk, never less.
    e.false_matches = idx < points_.size() ? points_[idx].false_matches : points_.back().false_matches;
  }
  e.fmr = static_cast<double>(e.false_matches) / static_cast<double>(impostors_);
  ClopperPearson95(e.false_matches, impostors_, &e.lower, &e.upper);
  return e;
}

StatusOr<float> Calibration::ThresholdForFmr(double target_fmr) const {
  if (!(target_fmr > 0) || target_fmr > 1) return InvalidArgumentError("target FMR must be in (0, 1]");
  const double allowed = std::floor(target_fmr * static_cast<double>(impostors_));
  if (allowed < 1) {
    return OutOfRangeError("target FMR " + std::to_string(target_fmr) +
                           " is below what the calibration can resolve (" +
                           std::to_string(impostors_) + " impostor comparisons)");
  }
  // First point whose count exceeds the allowance.
  auto it = std::partition_point(points_.begin(), points_.end(), [allowed](const CalibrationPoint& p) {
    return static_cast<double>(p.false_matches) <= allowed;
  });
  if (it == points_.end()) return std::nextafter(points_.back().score, -2.0f);
  const size_t idx = static_cast<size_t>(it - points_.begin());
  if (idx < exact_points_ || it == points_.begin()) {
    // Exact region: nothing scores strictly between this point and the one above it, so
    // the lowest admissible threshold is just above this point's score.
    return std::nextafter(it->score, 2.0f);
  }
  // Coarse region: the point above is the lowest threshold whose count is known.
  return std::prev(it)->score;
}

std::string Calibration::ToJson() const {
  nlohmann::json pts = nlohmann::json::array();
  for (const auto& p : points_) pts.push_back({p.score, p.false_matches});
  nlohmann::json j = {{"format", 1},          {"model_id", model_id_}, {"dataset", dataset_},
                      {"impostors", impostors_}, {"exact_points", exact_points_},
                      {"points", pts}};
  return j.dump() + "\n";
}

StatusOr<Calibration> Calibration::FromJson(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("calibration: not a JSON object");
  try {
    if (j.at("format").get<int>() != 1) return InvalidArgumentError("calibration: unknown format");
    Calibration c;
    c.model_id_ = j.at("model_id").get<std::string>();
    c.dataset_ = j.at("dataset").get<std::string>();
    c.impostors_ = j.at("impostors").get<int64_t>();
    c.exact_points_ = j.at("exact_points").get<size_t>();
    if (c.impostors_ < 1) return InvalidArgumentError("calibration: no impostors");
    for (const auto& p : j.at("points")) {
      CalibrationPoint cp{p.at(0).get<float>(), p.at(1).get<int64_t>()};
      if (!c.points_.empty() && (cp.score >= c.points_.back().score ||
                                 cp.false_matches <= c.points_.back().false_matches)) {
        return InvalidArgumentError("calibration: points must have decreasing scores and increasing counts");
      }
      if (cp.false_matches < 1 || cp.false_matches > c.impostors_) {
        return InvalidArgumentError("calibration: count out of range");
      }
      c.points_.push_back(cp);
    }
    if (c.points_.empty()) return InvalidArgumentError("calibration: no points");
    if (c.exact_points_ > c.points_.size()) return InvalidArgumentError("calibration: exact_points beyond the table");
    return c;
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("calibration: ") + e.what());
  }
}

StatusOr<Calibration> Calibration::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFoundError("cannot open calibration " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (ss.str().size() > (64u << 20)) return ResourceExhaustedError("calibration file too large");
  auto c = FromJson(ss.str());
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

}  // namespace facetrail
