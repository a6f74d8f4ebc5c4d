#include "eval/score_distribution.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace facetrail::eval {

ScoreDistribution::ScoreDistribution(size_t tail_capacity)
    : tail_capacity_(std::max<size_t>(tail_capacity, 1)), bins_(kBins, 0) {}

int ScoreDistribution::Bin(float s) {
  double x = (static_cast<double>(s) + 1.0) * kBinsPerUnit;
  if (!(x >= 0)) return 0;  // also NaN
  return static_cast<int>(std::min<double>(std::floor(x), kBins - 1));
}

void ScoreDistribution::Add(float score, uint32_t a, uint32_t b) {
  ++count_;
  ++bins_[static_cast<size_t>(Bin(score))];
  if (dropped_ && score <= floor_) return;
  tail_.push_back(TailEntry{score, a, b});
  if (tail_.size() >= 2 * tail_capacity_) Shrink();
}

void ScoreDistribution::Shrink() {
  if (tail_.size() <= tail_capacity_) return;
  auto higher = [](const TailEntry& x, const TailEntry& y) { return x.score > y.score; };
  std::nth_element(tail_.begin(), tail_.begin() + static_cast<long>(tail_capacity_), tail_.end(),
                   higher);
  // Everything from the capacity-th element on is dropped; keep the floor as the highest
  // dropped score, and drop kept entries that tie it so "not kept => <= floor" holds while
  // counts above the floor stay exact.
  float dropped_max = tail_[tail_capacity_].score;
  for (size_t i = tail_capacity_; i < tail_.size(); ++i) dropped_max = std::max(dropped_max, tail_[i].score);
  tail_.resize(tail_capacity_);
  floor_ = dropped_ ? std::max(floor_, dropped_max) : dropped_max;
  dropped_ = true;
  std::erase_if(tail_, [&](const TailEntry& e) { return e.score <= floor_; });
}

void ScoreDistribution::Merge(const ScoreDistribution& other) {
  count_ += other.count_;
  for (size_t i = 0; i < bins_.size(); ++i) bins_[i] += other.bins_[i];
  if (other.dropped_) {
    floor_ = dropped_ ? std::max(floor_, other.floor_) : other.floor_;
    dropped_ = true;
    std::erase_if(tail_, [&](const TailEntry& e) { return e.score <= floor_; });
  }
  for (const auto& e : other.tail_) {
    if (dropped_ && e.score <= floor_) continue;
    tail_.push_back(e);
  }
  if (tail_.size() > tail_capacity_) Shrink();
}

void ScoreDistribution::Finish() {
  Shrink();
  std::sort(tail_.begin(), tail_.end(),
            [](const TailEntry& x, const TailEntry& y) { return x.score > y.score; });
}

float ScoreDistribution::floor() const {
  return dropped_ ? floor_ : -std::numeric_limits<float>::infinity();
}

int64_t ScoreDistribution::CountAtLeast(double t) const {
  if (ExactAt(t)) {
    // tail_ is sorted descending after Finish().
    auto it = std::partition_point(tail_.begin(), tail_.end(), [&](const TailEntry& e) {
      return static_cast<double>(e.score) >= t;
    });
    return it - tail_.begin();
  }
  int64_t n = 0;
  for (int i = Bin(static_cast<float>(t)); i < kBins; ++i) n += bins_[static_cast<size_t>(i)];
  return n;
}

double ScoreDistribution::Fmr(double t) const {
  return count_ > 0 ? static_cast<double>(CountAtLeast(t)) / static_cast<double>(count_) : 0;
}

double ScoreDistribution::ThresholdForFmr(double target) const {
  if (count_ == 0) return 1.0;
  auto allowed = static_cast<int64_t>(std::floor(target * static_cast<double>(count_) + 1e-9));
  if (allowed < static_cast<int64_t>(tail_.size())) {
    // tail_ sorted descending: the (allowed+1)-th highest score must be rejected.
    return std::nextafter(tail_[static_cast<size_t>(allowed)].score,
                          std::numeric_limits<float>::infinity());
  }
  if (!dropped_) return -1.0;  // everything may be accepted
  // Walk the histogram down from the top while the cumulative count stays allowed.
  int64_t cum = 0;
  for (int i = kBins - 1; i >= 0; --i) {
    if (cum + bins_[static_cast<size_t>(i)] > allowed) {
      return static_cast<double>(i + 1) / kBinsPerUnit - 1.0;
    }
    cum += bins_[static_cast<size_t>(i)];
  }
  return -1.0;
}

}  // namespace facetrail::eval
