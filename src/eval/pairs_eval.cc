#include "eval/pairs_eval.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "eval/csv.h"

namespace facetrail::eval {

StatusOr<std::vector<PairSpec>> ParsePairsCsv(std::string_view text) {
  FT_ASSIGN_OR_RETURN(CsvTable t, ParseCsv(text));
  auto a = t.Column("image_a"), b = t.Column("image_b"), s = t.Column("same");
  auto f = t.Column("fold");
  if (!a || !b || !s) {
    return InvalidArgumentError("pairs csv needs columns image_a, image_b, same");
  }
  std::vector<PairSpec> out;
  out.reserve(t.rows.size());
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const auto& r = t.rows[i];
    PairSpec p;
    p.image_a = r[*a];
    p.image_b = r[*b];
    const std::string& v = r[*s];
    if (v == "1" || v == "true" || v == "same") {
      p.same = true;
    } else if (v == "0" || v == "false" || v == "different") {
      p.same = false;
    } else {
      return InvalidArgumentError("pairs csv row " + std::to_string(i + 2) + ": bad same value '" + v + "'");
    }
    if (p.image_a.empty() || p.image_b.empty()) {
      return InvalidArgumentError("pairs csv row " + std::to_string(i + 2) + ": empty image name");
    }
    if (f) {
      const std::string& fv = r[*f];
      auto [ptr, ec] = std::from_chars(fv.data(), fv.data() + fv.size(), p.fold);
      if (ec != std::errc() || ptr != fv.data() + fv.size() || p.fold <= 0) {
        return InvalidArgumentError("pairs csv row " + std::to_string(i + 2) + ": bad fold '" + fv + "'");
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::string IdentityFromFileName(std::string_view name) {
  auto slash = name.find_last_of('/');
  if (slash != std::string_view::npos) name = name.substr(slash + 1);
  auto us = name.find_last_of('_');
  if (us != std::string_view::npos && us > 0) return std::string(name.substr(0, us));
  auto dot = name.find_last_of('.');
  return std::string(name.substr(0, dot));
}

PairsReport ComputePairsReport(const std::vector<PairSpec>& pairs, const std::vector<float>& scores,
                               std::optional<double> default_threshold,
                               const BootstrapOptions& bootstrap) {
  PairsReport r;
  r.pairs = static_cast<int64_t>(pairs.size());
  std::vector<float> genuine, impostor;
  std::vector<ScoredPair> scored;
  bool all_have_folds = !pairs.empty();
  for (size_t i = 0; i < pairs.size(); ++i) {
    (pairs[i].same ? genuine : impostor).push_back(scores[i]);
    scored.push_back({scores[i], pairs[i].same, pairs[i].fold});
    if (pairs[i].fold <= 0) all_have_folds = false;
  }
  r.genuine_pairs = static_cast<int64_t>(genuine.size());
  r.impostor_pairs = static_cast<int64_t>(impostor.size());
  ScoreSets sets(std::move(genuine), std::move(impostor));
  r.auc = Auc(sets);
  r.eer = EqualErrorRate(sets);
  for (double far : {1e-2, 1e-3}) r.tar_at_far.push_back(TarAtFarPoint(sets, far));
  r.det = ThinCurve(RocCurve(sets), 200);
  if (default_threshold && std::isfinite(*default_threshold)) {
    r.default_threshold = default_threshold;
    r.accuracy_at_default_threshold = AccuracyAt(scored, *default_threshold);
    r.at_default = RatesAt(sets, *default_threshold);
  }
  if (all_have_folds) {
    auto cv = CrossValidate(scored);
    if (cv.ok()) {
      r.folds_used = true;
      r.cv = *cv;
      r.accuracy = cv->mean_accuracy;
      r.accuracy_std = cv->std_accuracy;
    }
  }
  if (!r.folds_used) r.accuracy = r.accuracy_at_default_threshold.value_or(0);

  // AUC interval: resample identities; a pair belongs to the identities of its two images.
  std::map<std::string, uint32_t> ids;
  auto id_of = [&](const std::string& name) {
    auto [it, inserted] = ids.emplace(IdentityFromFileName(name), static_cast<uint32_t>(ids.size()));
    return it->second;
  };
  std::vector<std::pair<uint32_t, uint32_t>> pair_ids;
  for (const auto& p : pairs) pair_ids.emplace_back(id_of(p.image_a), id_of(p.image_b));
  r.auc_ci = BootstrapIdentities(
      ids.size(),
      [&](std::span<const uint32_t> m) {
        // Weighted Mann-Whitney: each pair weighs the product of its identities' draws
        // (genuine pairs: the one identity's draw count).
        std::vector<std::pair<float, double>> g, im;
        for (size_t i = 0; i < pairs.size(); ++i) {
          auto [a, b] = pair_ids[i];
          double w = a == b ? m[a] : static_cast<double>(m[a]) * m[b];
          if (w == 0) continue;
          (pairs[i].same ? g : im).emplace_back(scores[i], w);
        }
        if (g.empty() || im.empty()) return std::nan("");
        std::sort(g.begin(), g.end());
        std::sort(im.begin(), im.end());
        double wg = 0, wi = 0, u = 0, below = 0;
        size_t j = 0;
        for (const auto& [s, w] : im) wi += w;
        for (size_t k = 0; k < g.size(); ++k) {
          while (j < im.size() && im[j].first < g[k].first) below += im[j++].second;
          double equal = 0;
          for (size_t e = j; e < im.size() && im[e].first == g[k].first; ++e) equal += im[e].second;
          u += g[k].second * (below + 0.5 * equal);
          wg += g[k].second;
        }
        return u / (wg * wi);
      },
      bootstrap);
  return r;
}

}  // namespace facetrail::eval
