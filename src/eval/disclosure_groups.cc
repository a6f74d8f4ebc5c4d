#include "eval/disclosure_groups.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace facetrail::eval {
namespace {

constexpr int64_t kMinGenuinePairs = 30;

float Dot(const TemplateMatrix& m, size_t i, size_t j) {
  const float* a = m.values.data() + i * m.dim;
  const float* b = m.values.data() + j * m.dim;
  float s = 0;
  for (size_t k = 0; k < m.dim; ++k) s += a[k] * b[k];
  return s;
}

// max/min and max/geomean over positive estimates; nullopt when fewer than two groups or a
// zero rate (the ratio would be infinite: reported as "not estimable", not as a number).
void Ratios(const std::vector<double>& rates, std::optional<double>* max_min,
            std::optional<double>* max_geo) {
  if (rates.size() < 2) return;
  double mx = 0, mn = std::numeric_limits<double>::infinity(), log_sum = 0;
  for (double r : rates) {
    if (!(r > 0)) return;
    mx = std::max(mx, r);
    mn = std::min(mn, r);
    log_sum += std::log(r);
  }
  *max_min = mx / mn;
  *max_geo = mx / std::exp(log_sum / rates.size());
}

}  // namespace

GroupReport ImpostorRatesByGroup(const TemplateMatrix& m, const std::vector<int>& group_of_row,
                                 const std::vector<std::string>& group_names, double threshold,
                                 double target_fmr, const BootstrapOptions& bootstrap) {
  GroupReport report;
  report.threshold = threshold;
  report.target_fmr = target_fmr;
  std::vector<double> rates;
  for (size_t g = 0; g < group_names.size(); ++g) {
    GroupRate gr;
    gr.name = group_names[g];
    std::vector<uint32_t> members;
    for (size_t i = 0; i < m.rows && i < group_of_row.size(); ++i) {
      if (group_of_row[i] == static_cast<int>(g)) members.push_back(static_cast<uint32_t>(i));
    }
    std::vector<std::pair<uint32_t, uint32_t>> false_matches;
    for (size_t x = 0; x < members.size(); ++x) {
      for (size_t y = x + 1; y < members.size(); ++y) {
        if (Dot(m, members[x], members[y]) >= threshold) {
          false_matches.emplace_back(members[x], members[y]);
        }
      }
    }
    const int64_t n = static_cast<int64_t>(members.size());
    gr.people = n;
    gr.impostor_pairs = n * (n - 1) / 2;
    gr.false_matches = static_cast<int64_t>(false_matches.size());
    gr.fmr = BootstrapIdentities(
        m.rows,
        [&](std::span<const uint32_t> mult) {
          return AllPairsImpostorRate(members, false_matches, mult);
        },
        bootstrap);
    if (gr.impostor_pairs == 0) gr.fmr.estimate = std::numeric_limits<double>::quiet_NaN();
    gr.fmr_thin = gr.impostor_pairs < static_cast<int64_t>(std::ceil(3.0 / target_fmr));
    if (!gr.fmr_thin) rates.push_back(gr.fmr.estimate);
    report.groups.push_back(std::move(gr));
  }
  Ratios(rates, &report.fmr_max_min, &report.fmr_max_geomean);
  return report;
}

void AddGenuineRates(const std::vector<GenuineComparison>& genuine, size_t num_identities,
                     GroupReport* report, const BootstrapOptions& bootstrap) {
  std::vector<double> rates;
  for (size_t g = 0; g < report->groups.size(); ++g) {
    GroupRate& gr = report->groups[g];
    std::vector<IdPairOutcome> outcomes;
    for (const auto& c : genuine) {
      if (c.group != static_cast<int>(g)) continue;
      outcomes.push_back({c.identity, c.identity, c.score < report->threshold});
      if (outcomes.back().error) ++gr.false_non_matches;
    }
    gr.genuine_pairs = static_cast<int64_t>(outcomes.size());
    if (outcomes.empty()) continue;
    gr.fnmr = BootstrapIdentities(
        num_identities,
        [&](std::span<const uint32_t> mult) { return WeightedRate(outcomes, mult); }, bootstrap);
    gr.fnmr_thin = gr.genuine_pairs < kMinGenuinePairs;
    if (!gr.fnmr_thin) rates.push_back(gr.fnmr->estimate);
  }
  Ratios(rates, &report->fnmr_max_min, &report->fnmr_max_geomean);
}

}  // namespace facetrail::eval
