// ScoreDistribution: millions of impostor scores kept cheaply. A fixed histogram over the
// cosine range [-1, 1] (bins of 1/8192) counts every score; the highest `tail_capacity`
// scores are also kept exactly, with the pair of identities that produced each, because the
// low-FMR tail is where thresholds live and where the bootstrap needs to know who matched.
//
// Counts at a threshold t are exact while t is above the tail floor (every score not kept
// is <= the floor); below it they come from the histogram and include the whole bin that
// holds t (an overcount of at most one bin, i.e. t rounded down to a multiple of 1/8192).
//
// Thread-safety: not thread-safe; give each worker its own and Merge() them.
#ifndef FACETRAIL_EVAL_SCORE_DISTRIBUTION_H_
#define FACETRAIL_EVAL_SCORE_DISTRIBUTION_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace facetrail::eval {

struct TailEntry {
  float score = 0;
  uint32_t a = 0, b = 0;  // the two identities (caller's indices)
};

class ScoreDistribution {
 public:
  static constexpr int kBinsPerUnit = 8192;
  static constexpr int kBins = 2 * kBinsPerUnit + 1;  // the last bin holds exactly 1.0

  explicit ScoreDistribution(size_t tail_capacity = 1 << 20);

  void Add(float score, uint32_t a, uint32_t b);
  void Merge(const ScoreDistribution& other);
  // Sorts the tail by decreasing score (call once after the last Add/Merge).
  void Finish();

  int64_t count() const { return count_; }
  // The tail, highest first (after Finish()). Every score not in it is <= floor().
  const std::vector<TailEntry>& tail() const { return tail_; }
  // -infinity while nothing has been dropped (everything is exact).
  float floor() const;

  // Queries below need Finish() first.
  // Scores >= t (exact when t > floor(), see above).
  int64_t CountAtLeast(double t) const;
  bool ExactAt(double t) const { return !dropped_ || t > floor_; }
  double Fmr(double t) const;

  // Lowest threshold with FMR <= target, placed just above a score (exact when the
  // allowed count fits in the tail; otherwise from the histogram, at a bin edge).
  double ThresholdForFmr(double target) const;

 private:
  static int Bin(float s);
  void Shrink();

  size_t tail_capacity_;
  int64_t count_ = 0;
  std::vector<int64_t> bins_;
  std::vector<TailEntry> tail_;
  bool dropped_ = false;
  float floor_ = 0;  // valid when dropped_: max of everything dropped
};

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_SCORE_DISTRIBUTION_H_
