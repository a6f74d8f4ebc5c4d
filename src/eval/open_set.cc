#include "eval/open_set.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace facetrail::eval {
namespace {

bool MateHit(const SearchOutcome& s, double threshold, int max_rank) {
  return s.mated && s.acquired && s.mate_rank >= 1 && s.mate_rank <= max_rank &&
         static_cast<double>(s.mate_score) >= threshold;
}

}  // namespace

OpenSetRates OpenSetAt(const std::vector<SearchOutcome>& searches, double threshold,
                       int max_rank) {
  OpenSetRates r;
  r.threshold = threshold;
  int64_t false_pos = 0, misses = 0;
  for (const auto& s : searches) {
    if (s.mated) {
      ++r.mated_searches;
      if (!MateHit(s, threshold, max_rank)) ++misses;
    } else {
      ++r.non_mated_searches;
      if (s.acquired && static_cast<double>(s.top_score) >= threshold) ++false_pos;
    }
  }
  if (r.mated_searches > 0) r.fnir = static_cast<double>(misses) / static_cast<double>(r.mated_searches);
  if (r.non_mated_searches > 0) {
    r.fpir = static_cast<double>(false_pos) / static_cast<double>(r.non_mated_searches);
  }
  return r;
}

FnirAtFpir FnirAtFpirPoint(const std::vector<SearchOutcome>& searches, double target_fpir,
                           int max_rank) {
  FnirAtFpir r;
  r.target_fpir = target_fpir;
  std::vector<float> non_mated;  // top scores of non-mated searches that returned anything
  for (const auto& s : searches) {
    if (s.mated) {
      ++r.mated_searches;
    } else {
      ++r.non_mated_searches;
      if (s.acquired) non_mated.push_back(s.top_score);
    }
  }
  if (r.non_mated_searches == 0) return r;
  const double n = static_cast<double>(r.non_mated_searches);
  r.resolvable = target_fpir * n >= 1.0 - 1e-9;
  auto allowed = static_cast<size_t>(std::floor(target_fpir * n + 1e-9));
  std::sort(non_mated.begin(), non_mated.end());
  if (allowed >= non_mated.size()) {
    // Every non-mated search may return a candidate: accept every cosine similarity.
    r.threshold = non_mated.empty() ? -1.0 : std::min<double>(non_mated.front(), -1.0);
  } else {
    float boundary = non_mated[non_mated.size() - 1 - allowed];
    r.threshold = std::nextafter(boundary, std::numeric_limits<float>::infinity());
  }
  OpenSetRates at = OpenSetAt(searches, r.threshold, max_rank);
  r.fnir = at.fnir;
  r.achieved_fpir = at.fpir;
  return r;
}

double RankHitRate(const std::vector<SearchOutcome>& searches, int k) {
  int64_t mated = 0, hits = 0;
  for (const auto& s : searches) {
    if (!s.mated) continue;
    ++mated;
    if (s.acquired && s.mate_rank >= 1 && s.mate_rank <= k) ++hits;
  }
  return mated > 0 ? static_cast<double>(hits) / static_cast<double>(mated) : 0;
}

}  // namespace facetrail::eval
