#include "eval/calibration_fit.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include <nlohmann/json.hpp>

#include "eval/json_report.h"

namespace facetrail::eval {
namespace {

std::vector<std::pair<uint32_t, uint32_t>> FalseMatchesAt(const ScoreDistribution& d, double t) {
  std::vector<std::pair<uint32_t, uint32_t>> fm;
  for (const auto& e : d.tail()) {
    if (static_cast<double>(e.score) < t) break;  // tail is sorted descending
    fm.emplace_back(e.a, e.b);
  }
  return fm;
}

nlohmann::json Row(const ScoreDistribution& d, double t) {
  int64_t k = d.CountAtLeast(t);
  Interval cp = ClopperPearson(k, d.count());
  return {{"score", t}, {"false_matches", k}, {"fmr", cp.estimate}, {"ci_low", cp.low},
          {"ci_high", cp.high}, {"exact", d.ExactAt(t)}};
}

}  // namespace

Interval BootstrapFmr(const ScoreDistribution& d, size_t rows, double t, const BootstrapOptions& options) {
  auto fm = FalseMatchesAt(d, t);
  std::vector<uint32_t> members(rows);
  std::iota(members.begin(), members.end(), 0u);
  return BootstrapIdentities(
      rows, [&](std::span<const uint32_t> m) { return AllPairsImpostorRate(members, fm, m); }, options);
}

nlohmann::json BuildCalibrationJson(const ScoreDistribution& d, size_t identities,
                                    const std::string& model_id, const nlohmann::json& provenance,
                                    const BootstrapOptions& options) {
  const double n = static_cast<double>(d.count());
  std::set<double> thresholds;
  // Exact thresholds for FMR targets, 8 per decade, down to one false match.
  for (int k = 0;; ++k) {
    double target = std::pow(10.0, -k / 8.0);
    if (target * n < 1.0 - 1e-9) break;
    thresholds.insert(d.ThresholdForFmr(target));
  }
  for (int s = -10; s <= 50; ++s) thresholds.insert(s * 0.02);
  if (!d.tail().empty()) {
    thresholds.insert(std::nextafter(d.tail().front().score, 2.0f));  // 0 false matches
  }
  nlohmann::json table = nlohmann::json::array();
  for (double t : thresholds) table.push_back(Row(d, t));
  nlohmann::json decades = nlohmann::json::object();
  for (int k = 1; k <= 8; ++k) {
    double target = std::pow(10.0, -k);
    if (target * n < 1.0 - 1e-9) break;
    double t = d.ThresholdForFmr(target);
    if (!d.ExactAt(t)) continue;
    nlohmann::json row = Row(d, t);
    row["bootstrap"] = ToJson(BootstrapFmr(d, identities, t, options));
    decades[RateKey(target)] = row;
  }
  return {{"format", 1},
          {"model", model_id},
          {"impostor_pairs", d.count()},
          {"identities", identities},
          {"rule", "accept when score >= threshold; fmr = impostor pairs with score >= threshold / impostor_pairs"},
          {"interval", "ci_low/ci_high: 95% Clopper-Pearson on the counts (pairs treated as independent); "
                       "bootstrap: 95% percentile bootstrap over identities (the honest one)"},
          {"bootstrap_replicates", options.replicates},
          {"bootstrap_seed", options.seed},
          {"provenance", provenance},
          {"decades", decades},
          {"table", table}};
}

StatusOr<std::vector<HoldoutCheck>> CheckCalibrationOnHeldOut(const TemplateMatrix& m,
                                                              const std::vector<double>& targets,
                                                              uint64_t seed, int threads) {
  if (m.rows < 4) return InvalidArgumentError("hold-out check needs at least 4 identities");
  std::vector<size_t> order(m.rows);
  std::iota(order.begin(), order.end(), size_t{0});
  SplitMix64 rng(seed);
  for (size_t i = order.size() - 1; i > 0; --i) std::swap(order[i], order[rng.Below(i + 1)]);
  auto half = [&](size_t from, size_t to) {
    TemplateMatrix h;
    h.dim = m.dim;
    h.rows = to - from;
    for (size_t i = from; i < to; ++i) {
      const float* row = &m.values[order[i] * m.dim];
      h.values.insert(h.values.end(), row, row + m.dim);
    }
    return h;
  };
  const size_t mid = m.rows / 2;
  TemplateMatrix fit = half(0, mid), held = half(mid, m.rows);
  std::vector<uint32_t> fit_ids(fit.rows), held_ids(held.rows);
  std::iota(fit_ids.begin(), fit_ids.end(), 0u);
  std::iota(held_ids.begin(), held_ids.end(), 0u);
  AllPairsOptions opt;
  opt.threads = threads;
  FT_ASSIGN_OR_RETURN(ScoreDistribution fd, AllPairsImpostorScores(fit, fit_ids, opt));
  FT_ASSIGN_OR_RETURN(ScoreDistribution hd, AllPairsImpostorScores(held, held_ids, opt));
  std::vector<HoldoutCheck> out;
  for (double target : targets) {
    HoldoutCheck h;
    h.target_fmr = target;
    h.threshold = fd.ThresholdForFmr(target);
    h.fit_pairs = fd.count();
    h.predicted = BootstrapFmr(fd, fit.rows, h.threshold);
    h.predicted_binomial = ClopperPearson(fd.CountAtLeast(h.threshold), fd.count());
    h.heldout_pairs = hd.count();
    h.heldout_false_matches = hd.CountAtLeast(h.threshold);
    h.measured_binomial = ClopperPearson(h.heldout_false_matches, hd.count());
    h.measured_fmr = h.measured_binomial.estimate;
    h.within_ci = h.measured_fmr >= h.predicted.low && h.measured_fmr <= h.predicted.high;
    out.push_back(h);
  }
  return out;
}

nlohmann::json ToJson(const HoldoutCheck& h) {
  return {{"target_fmr", h.target_fmr},
          {"threshold", h.threshold},
          {"fit_pairs", h.fit_pairs},
          {"predicted_fmr", eval::ToJson(h.predicted)},
          {"predicted_fmr_binomial", eval::ToJson(h.predicted_binomial)},
          {"heldout_pairs", h.heldout_pairs},
          {"heldout_false_matches", h.heldout_false_matches},
          {"measured_fmr", h.measured_fmr},
          {"measured_fmr_binomial", eval::ToJson(h.measured_binomial)},
          {"within_ci", h.within_ci}};
}

}  // namespace facetrail::eval
