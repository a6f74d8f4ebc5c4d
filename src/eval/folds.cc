#include "eval/folds.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>

namespace facetrail::eval {

ThresholdChoice BestAccuracyThreshold(const std::vector<ScoredPair>& pairs) {
  ThresholdChoice best;
  if (pairs.empty()) return best;
  std::vector<std::pair<float, bool>> s;
  s.reserve(pairs.size());
  for (const auto& p : pairs) s.emplace_back(p.score, p.same);
  std::sort(s.begin(), s.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  const double n = static_cast<double>(s.size());
  int64_t impostors = 0;
  for (const auto& e : s) impostors += e.second ? 0 : 1;
  // Start above every score: all rejected, so every impostor is correct.
  int64_t correct = impostors;
  best.threshold = static_cast<double>(s.front().first) + 1e-3;
  best.accuracy = static_cast<double>(correct) / n;
  size_t i = 0;
  while (i < s.size()) {
    // Lower the threshold past every score equal to s[i].
    float v = s[i].first;
    while (i < s.size() && s[i].first == v) {
      correct += s[i].second ? 1 : -1;
      ++i;
    }
    double next = i < s.size() ? static_cast<double>(s[i].first) : static_cast<double>(v) - 1e-3;
    double acc = static_cast<double>(correct) / n;
    if (acc > best.accuracy) {
      best.accuracy = acc;
      best.threshold = (static_cast<double>(v) + next) / 2;
    }
  }
  return best;
}

double AccuracyAt(const std::vector<ScoredPair>& pairs, double threshold) {
  if (pairs.empty()) return 0;
  int64_t correct = 0;
  for (const auto& p : pairs) {
    bool accept = static_cast<double>(p.score) >= threshold;
    correct += accept == p.same ? 1 : 0;
  }
  return static_cast<double>(correct) / static_cast<double>(pairs.size());
}

StatusOr<CrossValidation> CrossValidate(const std::vector<ScoredPair>& pairs) {
  std::map<int, std::vector<ScoredPair>> by_fold;
  for (const auto& p : pairs) by_fold[p.fold].push_back(p);
  if (by_fold.size() < 2) {
    return InvalidArgumentError("cross-validation needs at least two folds, got " +
                                std::to_string(by_fold.size()));
  }
  CrossValidation cv;
  for (const auto& [fold, held_out] : by_fold) {
    std::vector<ScoredPair> train;
    train.reserve(pairs.size());
    for (const auto& p : pairs) {
      if (p.fold != fold) train.push_back(p);
    }
    ThresholdChoice t = BestAccuracyThreshold(train);
    FoldResult r;
    r.fold = fold;
    r.threshold = t.threshold;
    r.accuracy = AccuracyAt(held_out, t.threshold);
    r.pairs = static_cast<int>(held_out.size());
    cv.folds.push_back(r);
  }
  double k = static_cast<double>(cv.folds.size());
  for (const auto& f : cv.folds) {
    cv.mean_accuracy += f.accuracy / k;
    cv.mean_threshold += f.threshold / k;
  }
  double var = 0;
  for (const auto& f : cv.folds) var += (f.accuracy - cv.mean_accuracy) * (f.accuracy - cv.mean_accuracy);
  cv.std_accuracy = std::sqrt(var / k);
  return cv;
}

}  // namespace facetrail::eval
