#include "eval/search_eval.h"

#include <algorithm>
#include <exception>
#include <map>
#include <numeric>

#include <opencv2/core.hpp>

#include "eval/image_sets.h"
#include "eval/intervals.h"

namespace facetrail::eval {

StatusOr<OpenSetRun> RunOpenSet(const std::vector<ImageOutcome>& outcomes,
                                const std::vector<std::string>& identity, size_t gallery_size,
                                uint64_t seed) {
  if (identity.size() != outcomes.size()) return InvalidArgumentError("identity list size mismatch");
  std::vector<size_t> firsts = FirstAcquiredPerIdentity(outcomes, identity);
  if (gallery_size == 0 || gallery_size > firsts.size()) {
    return InvalidArgumentError("gallery size must be in 1.." + std::to_string(firsts.size()) +
                                " (identities with a template)");
  }
  // Seeded Fisher-Yates over the identities' first images; the first gallery_size enrol.
  SplitMix64 rng(seed);
  for (size_t i = firsts.size() - 1; i > 0; --i) std::swap(firsts[i], firsts[rng.Below(i + 1)]);
  std::vector<size_t> gallery(firsts.begin(), firsts.begin() + static_cast<long>(gallery_size));
  std::sort(gallery.begin(), gallery.end());
  std::map<std::string, size_t> gallery_row;  // identity -> row
  std::vector<bool> enrolled_image(outcomes.size(), false);
  for (size_t r = 0; r < gallery.size(); ++r) {
    gallery_row[identity[gallery[r]]] = r;
    enrolled_image[gallery[r]] = true;
  }
  FT_ASSIGN_OR_RETURN(TemplateMatrix g, StackTemplates(outcomes, gallery));

  OpenSetRun run;
  run.gallery_size = gallery_size;
  std::vector<size_t> probes;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (enrolled_image[i]) continue;
    bool mated = gallery_row.count(identity[i]) > 0;
    if (!outcomes[i].acquired()) {
      ++run.probe_fta;
      SearchOutcome s;
      s.mated = mated;
      s.acquired = false;
      run.searches.push_back(s);
      continue;
    }
    probes.push_back(i);
  }
  FT_ASSIGN_OR_RETURN(TemplateMatrix p, StackTemplates(outcomes, probes));
  cv::Mat scores;
  try {
    cv::Mat pm(static_cast<int>(p.rows), static_cast<int>(p.dim), CV_32F, p.values.data());
    cv::Mat gm(static_cast<int>(g.rows), static_cast<int>(g.dim), CV_32F, g.values.data());
    cv::gemm(pm, gm, 1.0, cv::noArray(), 0.0, scores, cv::GEMM_2_T);
  } catch (const std::exception& e) {
    return InternalError(std::string("search matrix product: ") + e.what());
  }
  for (size_t k = 0; k < probes.size(); ++k) {
    const float* row = scores.ptr<float>(static_cast<int>(k));
    SearchOutcome s;
    s.top_score = *std::max_element(row, row + g.rows);
    auto it = gallery_row.find(identity[probes[k]]);
    s.mated = it != gallery_row.end();
    if (s.mated) {
      s.mate_score = row[it->second];
      s.mate_rank = 1 + static_cast<int>(std::count_if(row, row + g.rows, [&](float v) { return v > s.mate_score; }));
    }
    run.searches.push_back(s);
  }
  for (const auto& s : run.searches) (s.mated ? run.mated_searches : run.non_mated_searches)++;
  return run;
}

}  // namespace facetrail::eval
