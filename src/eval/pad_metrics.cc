#include "eval/pad_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace facetrail::eval {
namespace {

void Finish(PadClassRate* r) { r->rate = ClopperPearson(r->errors, r->presentations); }

// APCER_max and BPCER at t.
std::pair<double, double> Rates(const std::vector<PadSample>& s, double t) {
  PadRates r = PadRatesAt(s, t);
  return {r.apcer_max, r.bpcer.rate.estimate};
}

}  // namespace

PadRates PadRatesAt(const std::vector<PadSample>& samples, double threshold) {
  PadRates r;
  r.threshold = threshold;
  for (const auto& s : samples) {
    const bool accepted = s.score >= threshold;
    if (s.attack) {
      PadClassRate& c = r.apcer[s.attack_type];
      ++c.presentations;
      if (accepted) ++c.errors;
    } else {
      ++r.bpcer.presentations;
      if (!accepted) ++r.bpcer.errors;
    }
  }
  Finish(&r.bpcer);
  for (auto& [type, c] : r.apcer) {
    Finish(&c);
    r.apcer_max = std::max(r.apcer_max, c.rate.estimate);
  }
  return r;
}

double ThresholdForApcer(const std::vector<PadSample>& samples, double target_apcer) {
  // Candidate thresholds: just above each attack score, and the lowest score overall.
  std::vector<double> candidates;
  float lowest = std::numeric_limits<float>::infinity();
  for (const auto& s : samples) {
    lowest = std::min(lowest, s.score);
    if (s.attack) candidates.push_back(std::nextafter(s.score, std::numeric_limits<float>::infinity()));
  }
  if (samples.empty()) return 0;
  candidates.push_back(lowest);
  std::sort(candidates.begin(), candidates.end());
  // APCER_max is non-increasing in the threshold, so the first candidate that meets the
  // target is the lowest such threshold.
  for (double t : candidates) {
    if (PadRatesAt(samples, t).apcer_max <= target_apcer) return t;
  }
  return candidates.back();
}

PadEer PadEqualErrorRate(const std::vector<PadSample>& samples) {
  std::set<float> scores;
  for (const auto& s : samples) scores.insert(s.score);
  // Operating points from the most lenient (accept all: APCER high, BPCER 0) upwards.
  std::vector<double> ts(scores.begin(), scores.end());
  ts.push_back(std::numeric_limits<double>::infinity());
  PadEer best;
  if (ts.size() < 2) return best;
  auto prev = Rates(samples, ts[0]);
  double prev_t = ts[0];
  for (size_t i = 1; i < ts.size(); ++i) {
    auto cur = Rates(samples, ts[i]);
    const double d0 = prev.first - prev.second, d1 = cur.first - cur.second;
    if (d0 == 0) return {prev.first, prev_t};
    if (d1 == 0) return {cur.first, std::isinf(ts[i]) ? prev_t : ts[i]};
    if ((d0 > 0) != (d1 > 0)) {
      const double f = d0 / (d0 - d1);
      best.eer = prev.first + f * (cur.first - prev.first);
      best.threshold = std::isinf(ts[i]) ? prev_t : prev_t + f * (ts[i] - prev_t);
      return best;
    }
    prev = cur;
    prev_t = ts[i];
  }
  return best;
}

double PadAuc(const std::vector<PadSample>& samples) {
  std::vector<float> bona, attack;
  for (const auto& s : samples) (s.attack ? attack : bona).push_back(s.score);
  if (bona.empty() || attack.empty()) return 0;
  std::sort(attack.begin(), attack.end());
  double wins = 0;
  for (float b : bona) {
    auto lo = std::lower_bound(attack.begin(), attack.end(), b);
    auto hi = std::upper_bound(attack.begin(), attack.end(), b);
    wins += static_cast<double>(lo - attack.begin()) + 0.5 * static_cast<double>(hi - lo);
  }
  return wins / (static_cast<double>(bona.size()) * static_cast<double>(attack.size()));
}

PadSplit SplitBySubject(const std::vector<PadSample>& samples) {
  PadSplit split;
  std::set<std::string> subjects;
  bool all_have_subject = !samples.empty();
  for (const auto& s : samples) {
    if (s.subject.empty()) all_have_subject = false;
    subjects.insert(s.subject);
  }
  if (!all_have_subject || subjects.size() < 2) {
    split.subject_disjoint = false;
    for (size_t i = 0; i < samples.size(); ++i) {
      (i % 2 == 0 ? split.tune : split.test).push_back(samples[i]);
    }
    return split;
  }
  const size_t n_tune = (subjects.size() + 1) / 2;
  std::set<std::string> tune;
  for (const auto& s : subjects) {
    if (tune.size() < n_tune) {
      tune.insert(s);
      split.tune_subjects.push_back(s);
    } else {
      split.test_subjects.push_back(s);
    }
  }
  for (const auto& s : samples) (tune.count(s.subject) ? split.tune : split.test).push_back(s);
  return split;
}

}  // namespace facetrail::eval
