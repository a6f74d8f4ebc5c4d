#include "eval/intervals.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace facetrail::eval {
namespace {

// Continued fraction for the incomplete beta (modified Lentz); converges quickly for
// x < (a + 1) / (a + b + 2), the caller uses the symmetry otherwise. The iteration bound
// is generous because it needs O(sqrt(max(a, b))) steps and n reaches ~10^7 here.
double BetaContinuedFraction(double a, double b, double x) {
  const double tiny = 1e-300, eps = 1e-15;
  double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (std::fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= 200000; ++m) {
    double m2 = 2.0 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < eps) break;
  }
  return h;
}

// x with I_x(a, b) = p, by bisection (I is monotone in x).
double InverseBeta(double p, double a, double b) {
  double lo = 0, hi = 1;
  for (int i = 0; i < 200; ++i) {
    double mid = (lo + hi) / 2;
    if (RegularizedIncompleteBeta(a, b, mid) < p) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return (lo + hi) / 2;
}

}  // namespace

double RegularizedIncompleteBeta(double a, double b, double x) {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  double log_front = std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) +
                     b * std::log1p(-x);
  double front = std::exp(log_front);
  if (x < (a + 1) / (a + b + 2)) return front * BetaContinuedFraction(a, b, x) / a;
  return 1 - front * BetaContinuedFraction(b, a, 1 - x) / b;
}

Interval ClopperPearson(int64_t k, int64_t n, double level) {
  Interval r;
  if (n <= 0) {
    r.high = 1;
    return r;
  }
  const double alpha = 1 - level;
  const double kd = static_cast<double>(k), nd = static_cast<double>(n);
  r.estimate = kd / nd;
  r.low = k == 0 ? 0 : InverseBeta(alpha / 2, kd, nd - kd + 1);
  r.high = k == n ? 1 : InverseBeta(1 - alpha / 2, kd + 1, nd - kd);
  return r;
}

uint64_t SplitMix64::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::Below(uint64_t n) {
  // Reject the top partial copy of [0, n) so every residue is equally likely.
  const uint64_t limit = std::numeric_limits<uint64_t>::max() - std::numeric_limits<uint64_t>::max() % n;
  uint64_t v;
  do {
    v = Next();
  } while (v >= limit);
  return v % n;
}

Interval BootstrapIdentities(size_t num_identities,
                             const std::function<double(std::span<const uint32_t>)>& statistic,
                             const BootstrapOptions& options) {
  Interval r;
  std::vector<uint32_t> mult(num_identities, 1);
  r.estimate = statistic(mult);
  if (num_identities == 0 || options.replicates <= 0) {
    r.low = r.high = r.estimate;
    return r;
  }
  SplitMix64 rng(options.seed);
  std::vector<double> stats;
  stats.reserve(static_cast<size_t>(options.replicates));
  for (int rep = 0; rep < options.replicates; ++rep) {
    std::fill(mult.begin(), mult.end(), 0);
    for (size_t i = 0; i < num_identities; ++i) ++mult[rng.Below(num_identities)];
    double v = statistic(mult);
    if (!std::isnan(v)) stats.push_back(v);
  }
  if (stats.empty()) {
    r.low = r.high = r.estimate;
    return r;
  }
  std::sort(stats.begin(), stats.end());
  // Percentile interval with the nearest-rank rule.
  const double alpha = 1 - options.level;
  auto at = [&](double q) {
    double pos = q * static_cast<double>(stats.size() - 1);
    return stats[static_cast<size_t>(std::llround(pos))];
  };
  r.low = at(alpha / 2);
  r.high = at(1 - alpha / 2);
  return r;
}

double WeightedRate(std::span<const IdPairOutcome> outcomes, std::span<const uint32_t> multiplicity) {
  double errors = 0, trials = 0;
  for (const auto& o : outcomes) {
    double w = o.a == o.b ? multiplicity[o.a]
                          : static_cast<double>(multiplicity[o.a]) * multiplicity[o.b];
    trials += w;
    if (o.error) errors += w;
  }
  return trials > 0 ? errors / trials : std::numeric_limits<double>::quiet_NaN();
}

double AllPairsImpostorRate(std::span<const uint32_t> members,
                            std::span<const std::pair<uint32_t, uint32_t>> false_matches,
                            std::span<const uint32_t> multiplicity) {
  double sum = 0, sum_sq = 0;
  for (uint32_t m : members) {
    double c = multiplicity[m];
    sum += c;
    sum_sq += c * c;
  }
  double trials = (sum * sum - sum_sq) / 2;
  if (trials <= 0) return std::numeric_limits<double>::quiet_NaN();
  double errors = 0;
  for (const auto& [a, b] : false_matches) {
    errors += static_cast<double>(multiplicity[a]) * multiplicity[b];
  }
  return errors / trials;
}

}  // namespace facetrail::eval
