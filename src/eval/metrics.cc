#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace facetrail::eval {

ScoreSets::ScoreSets(std::vector<float> genuine, std::vector<float> impostor)
    : genuine_(std::move(genuine)), impostor_(std::move(impostor)) {
  std::sort(genuine_.begin(), genuine_.end());
  std::sort(impostor_.begin(), impostor_.end());
}

int64_t ScoreSets::FalseMatches(double threshold) const {
  // Comparing as double keeps a float threshold and a double threshold consistent.
  auto it = std::lower_bound(impostor_.begin(), impostor_.end(), threshold,
                             [](float s, double t) { return static_cast<double>(s) < t; });
  return impostor_.end() - it;
}

int64_t ScoreSets::FalseNonMatches(double threshold) const {
  auto it = std::lower_bound(genuine_.begin(), genuine_.end(), threshold,
                             [](float s, double t) { return static_cast<double>(s) < t; });
  return it - genuine_.begin();
}

double ScoreSets::Fmr(double threshold) const {
  if (impostor_.empty()) return 0;
  return static_cast<double>(FalseMatches(threshold)) / static_cast<double>(impostor_.size());
}

double ScoreSets::Fnmr(double threshold) const {
  if (genuine_.empty()) return 0;
  return static_cast<double>(FalseNonMatches(threshold)) / static_cast<double>(genuine_.size());
}

ErrorRates RatesAt(const ScoreSets& sets, double threshold) {
  ErrorRates r;
  r.threshold = threshold;
  r.genuine = static_cast<int64_t>(sets.genuine().size());
  r.impostor = static_cast<int64_t>(sets.impostor().size());
  r.false_matches = sets.FalseMatches(threshold);
  r.false_non_matches = sets.FalseNonMatches(threshold);
  r.fmr = sets.Fmr(threshold);
  r.fnmr = sets.Fnmr(threshold);
  return r;
}

void ForEachOperatingPoint(const ScoreSets& sets,
                           const std::function<void(const OperatingPoint&)>& fn) {
  const auto& g = sets.genuine();
  const auto& im = sets.impostor();
  const double ng = static_cast<double>(g.size());
  const double ni = static_cast<double>(im.size());
  // Walk both ascending arrays from the top: `gi`/`ii` are how many scores lie at or above
  // the current threshold.
  size_t gi = 0, ii = 0;
  auto rate = [](size_t count, double n) { return n > 0 ? static_cast<double>(count) / n : 0.0; };
  fn(OperatingPoint{std::numeric_limits<double>::infinity(), 0.0, g.empty() ? 0.0 : 1.0});
  while (gi < g.size() || ii < im.size()) {
    float next = -std::numeric_limits<float>::infinity();
    if (gi < g.size()) next = std::max(next, g[g.size() - 1 - gi]);
    if (ii < im.size()) next = std::max(next, im[im.size() - 1 - ii]);
    while (gi < g.size() && g[g.size() - 1 - gi] >= next) ++gi;
    while (ii < im.size() && im[im.size() - 1 - ii] >= next) ++ii;
    fn(OperatingPoint{next, rate(ii, ni), rate(g.size() - gi, ng)});
  }
}

std::vector<OperatingPoint> RocCurve(const ScoreSets& sets) {
  std::vector<OperatingPoint> out;
  ForEachOperatingPoint(sets, [&](const OperatingPoint& p) { out.push_back(p); });
  return out;
}

std::vector<OperatingPoint> ThinCurve(const std::vector<OperatingPoint>& curve,
                                      size_t max_points) {
  if (max_points < 2) max_points = 2;
  if (curve.size() <= max_points) return curve;
  // Bucket by log10(FMR) (FMR 0 maps below every bucket) and keep the first point entering
  // each bucket, plus the ends.
  const double lo = -9, hi = 0;
  const size_t buckets = max_points - 2;
  std::vector<OperatingPoint> out;
  out.push_back(curve.front());
  long last_bucket = -1;
  for (size_t i = 1; i + 1 < curve.size(); ++i) {
    double f = curve[i].fmr;
    if (f <= 0) continue;
    double x = (std::log10(f) - lo) / (hi - lo);
    long b = static_cast<long>(std::clamp(x, 0.0, 1.0) * static_cast<double>(buckets - 1));
    if (b != last_bucket) {
      out.push_back(curve[i]);
      last_bucket = b;
    }
  }
  out.push_back(curve.back());
  return out;
}

double Auc(const ScoreSets& sets) {
  const auto& g = sets.genuine();
  const auto& im = sets.impostor();
  if (g.empty() || im.empty()) return 0;
  // For each genuine score count impostors strictly below and equal; both arrays are
  // ascending so two monotone pointers suffice.
  double u = 0;
  size_t below = 0, upto = 0;  // impostors < s, impostors <= s
  for (float s : g) {
    while (below < im.size() && im[below] < s) ++below;
    if (upto < below) upto = below;
    while (upto < im.size() && im[upto] <= s) ++upto;
    u += static_cast<double>(below) + 0.5 * static_cast<double>(upto - below);
  }
  return u / (static_cast<double>(g.size()) * static_cast<double>(im.size()));
}

EerResult EqualErrorRate(const ScoreSets& sets) {
  EerResult r;
  bool found = false;
  bool have_prev = false;
  OperatingPoint prev;
  ForEachOperatingPoint(sets, [&](const OperatingPoint& p) {
    if (found) return;
    double d = p.fnmr - p.fmr;  // positive while still too strict
    if (d <= 0) {
      found = true;
      if (d == 0 || !have_prev) {
        r.eer = p.fmr;
        r.threshold = std::isinf(p.threshold) ? prev.threshold : p.threshold;
        return;
      }
      double d0 = prev.fnmr - prev.fmr;
      double a = d0 / (d0 - d);
      r.eer = prev.fmr + a * (p.fmr - prev.fmr);
      // The first point's threshold is +infinity; interpolate from the point itself then.
      double t0 = std::isinf(prev.threshold) ? p.threshold : prev.threshold;
      r.threshold = t0 + a * (p.threshold - t0);
      return;
    }
    prev = p;
    have_prev = true;
  });
  return r;
}

TarAtFar TarAtFarPoint(const ScoreSets& sets, double target_far) {
  TarAtFar r;
  const auto& im = sets.impostor();
  const auto& g = sets.genuine();
  r.target_far = target_far;
  r.impostor_pairs = static_cast<int64_t>(im.size());
  r.genuine_pairs = static_cast<int64_t>(g.size());
  if (im.empty()) return r;
  const double n = static_cast<double>(im.size());
  r.resolvable = target_far * n >= 1.0 - 1e-9;
  // Number of false matches allowed; the tiny epsilon keeps 1e-3 * 1000 from flooring to 999.
  auto allowed = static_cast<size_t>(std::floor(target_far * n + 1e-9));
  if (allowed >= im.size()) {
    r.threshold = im.front();
  } else {
    // Accept strictly above the (allowed+1)-th highest impostor score.
    float boundary = im[im.size() - 1 - allowed];
    r.threshold = std::nextafter(boundary, std::numeric_limits<float>::infinity());
  }
  r.achieved_far = sets.Fmr(r.threshold);
  r.tar = g.empty() ? 0 : 1.0 - sets.Fnmr(r.threshold);
  return r;
}

double Probit(double p) {
  p = std::clamp(p, 1e-12, 1 - 1e-12);
  // Acklam's rational approximation followed by one Halley step on erfc, accurate to
  // ~1e-15 over the whole range.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                             -2.759285104469687e+02, 1.383577518672690e+02,
                             -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                             -1.556989798598866e+02, 6.680131188771972e+01,
                             -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                             -2.400758277161838e+00, -2.549732539343734e+00,
                             4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                             2.445134137142996e+00, 3.754408661907416e+00};
  const double plow = 0.02425, phigh = 1 - plow;
  double x;
  if (p < plow) {
    double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= phigh) {
    double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

double FailureToAcquireRate(int64_t failures, int64_t attempts) {
  if (attempts <= 0) return 0;
  return static_cast<double>(failures) / static_cast<double>(attempts);
}

}  // namespace facetrail::eval
