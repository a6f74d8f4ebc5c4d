// Bounded top-K selection of (score, identity ordinal) pairs.
//
// Keeps the k best entries seen in a min-heap whose root is the worst kept entry, so each
// push is O(log k) and memory is O(k) whatever the gallery size. Order: higher score
// first; equal scores by lower ordinal (ordinals follow identity id order, so ties break by
// id and results are deterministic).
//
// Thread-safety: none; one TopK per thread, merged afterwards.
#ifndef FACETRAIL_MATCH_TOP_K_H_
#define FACETRAIL_MATCH_TOP_K_H_

#include <algorithm>
#include <cstdint>
#include <vector>

namespace facetrail::match {

struct ScoredOrdinal {
  float score;
  uint32_t ordinal;
};

// True when a ranks before b.
inline bool RanksBefore(const ScoredOrdinal& a, const ScoredOrdinal& b) {
  return a.score > b.score || (a.score == b.score && a.ordinal < b.ordinal);
}

class TopK {
 public:
  explicit TopK(size_t k) : k_(k) { heap_.reserve(k); }

  void Push(ScoredOrdinal e) {
    if (k_ == 0) return;
    if (heap_.size() < k_) {
      heap_.push_back(e);
      std::push_heap(heap_.begin(), heap_.end(), RanksBefore);
    } else if (RanksBefore(e, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), RanksBefore);
      heap_.back() = e;
      std::push_heap(heap_.begin(), heap_.end(), RanksBefore);
    }
  }

  void Merge(const TopK& other) {
    for (const ScoredOrdinal& e : other.heap_) Push(e);
  }

  // Best first.
  std::vector<ScoredOrdinal> Sorted() const {
    std::vector<ScoredOrdinal> out = heap_;
    std::sort(out.begin(), out.end(), RanksBefore);
    return out;
  }

 private:
  size_t k_;
  // With RanksBefore as "less", std heap functions keep the entry that ranks last on top.
  std::vector<ScoredOrdinal> heap_;
};

}  // namespace facetrail::match

#endif  // FACETRAIL_MATCH_TOP_K_H_
