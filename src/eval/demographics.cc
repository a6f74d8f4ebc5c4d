#include "eval/demographics.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include <nlohmann/json.hpp>

#include "eval/all_pairs.h"
#include "eval/image_sets.h"
#include "eval/json_report.h"
#include "eval/pairs_run.h"

namespace facetrail::eval {
namespace {

Status ImpostorSide(const DemographicsInput& in, const std::vector<size_t>& members, GroupResult* g) {
  std::vector<std::string> ids;
  for (size_t i : members) ids.push_back(in.identity[i]);
  std::vector<ImageOutcome> sub;
  for (size_t i : members) sub.push_back(in.outcomes[i]);
  std::vector<size_t> chosen = FirstAcquiredPerIdentity(sub, ids);
  g->identities = 0;
  {
    std::vector<std::string> u = ids;
    std::sort(u.begin(), u.end());
    g->identities = std::unique(u.begin(), u.end()) - u.begin();
  }
  if (chosen.size() < 2) return Status::Ok();
  FT_ASSIGN_OR_RETURN(TemplateMatrix m, StackTemplates(sub, chosen));
  std::vector<uint32_t> rows(m.rows);
  std::iota(rows.begin(), rows.end(), 0u);
  AllPairsOptions opt;
  opt.threads = in.threads;
  FT_ASSIGN_OR_RETURN(ScoreDistribution d, AllPairsImpostorScores(m, rows, opt));
  if (!d.ExactAt(in.threshold)) {
    return FailedPreconditionError("threshold too low for an exact count (more than " +
                                   std::to_string(d.tail().size()) + " false matches in group " + g->name + ")");
  }
  g->impostor_pairs = d.count();
  g->false_matches = d.CountAtLeast(in.threshold);
  g->fmr = d.Fmr(in.threshold);
  g->fmr_binomial = ClopperPearson(g->false_matches, g->impostor_pairs);
  std::vector<std::pair<uint32_t, uint32_t>> fm;
  for (const auto& e : d.tail()) {
    if (static_cast<double>(e.score) >= in.threshold) fm.emplace_back(e.a, e.b);
  }
  g->fmr_ci = BootstrapIdentities(
      m.rows, [&](std::span<const uint32_t> c) { return AllPairsImpostorRate(rows, fm, c); }, in.bootstrap);
  return Status::Ok();
}

Status GenuineSide(const DemographicsInput& in, const std::vector<size_t>& members, GroupResult* g) {
  std::map<std::string, std::vector<size_t>> by_id;
  for (size_t i : members) by_id[in.identity[i]].push_back(i);
  std::vector<IdPairOutcome> outcomes;
  uint32_t id_index = 0;
  for (const auto& [id, imgs] : by_id) {
    if (imgs.size() < 2) continue;
    for (size_t x = 0; x < imgs.size(); ++x) {
      for (size_t y = x + 1; y < imgs.size(); ++y) {
        FT_ASSIGN_OR_RETURN(float s, ScoreOutcomes(in.outcomes[imgs[x]], in.outcomes[imgs[y]]));
        outcomes.push_back({id_index, id_index, static_cast<double>(s) < in.threshold});
      }
    }
    ++id_index;
  }
  if (outcomes.empty()) return Status::Ok();
  g->has_genuine = true;
  g->genuine_pairs = static_cast<int64_t>(outcomes.size());
  g->false_non_matches = std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) { return o.error; });
  g->fnmr = static_cast<double>(g->false_non_matches) / static_cast<double>(g->genuine_pairs);
  g->fnmr_ci = BootstrapIdentities(
      id_index, [&](std::span<const uint32_t> c) { return WeightedRate(outcomes, c); }, in.bootstrap);
  return Status::Ok();
}

}  // namespace

std::optional<double> MaxMinRatio(const std::vector<double>& rates) {
  if (rates.size() < 2) return std::nullopt;
  auto [mn, mx] = std::minmax_element(rates.begin(), rates.end());
  if (*mn <= 0) return std::nullopt;
  return *mx / *mn;
}

std::optional<double> MaxGeomeanRatio(const std::vector<double>& rates) {
  if (rates.size() < 2) return std::nullopt;
  double log_sum = 0;
  for (double r : rates) {
    if (r <= 0) return std::nullopt;
    log_sum += std::log(r);
  }
  double geomean = std::exp(log_sum / static_cast<double>(rates.size()));
  return *std::max_element(rates.begin(), rates.end()) / geomean;
}

StatusOr<DemographicsReport> ComputeDemographics(const DemographicsInput& in) {
  if (in.identity.size() != in.outcomes.size() || in.group.size() != in.outcomes.size()) {
    return InvalidArgumentError("demographics: per-image lists differ in length");
  }
  DemographicsReport r;
  r.threshold = in.threshold;
  r.target_fmr = in.target_fmr;
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < in.outcomes.size(); ++i) {
    if (in.group[i].empty()) {
      ++r.unlabelled_images;
      continue;
    }
    groups[in.group[i]].push_back(i);
  }
  std::vector<double> fmrs, fnmrs;
  for (const auto& [name, members] : groups) {
    GroupResult g;
    g.name = name;
    g.images = static_cast<int64_t>(members.size());
    FT_RETURN_IF_ERROR(ImpostorSide(in, members, &g));
    FT_RETURN_IF_ERROR(GenuineSide(in, members, &g));
    if (g.identities < in.min_identities) {
      g.thin_reasons.push_back("fewer than " + std::to_string(in.min_identities) + " identities");
    }
    double target = in.target_fmr.value_or(std::max(g.fmr, 1e-6));
    if (static_cast<double>(g.impostor_pairs) * target < in.min_expected_false_matches) {
      g.thin_reasons.push_back("too few impostor pairs to expect " +
                               std::to_string(static_cast<int>(in.min_expected_false_matches)) +
                               " false matches at the target FMR");
    }
    if (g.has_genuine && g.genuine_pairs < in.min_genuine_pairs) {
      g.thin_reasons.push_back("fewer than " + std::to_string(in.min_genuine_pairs) + " genuine pairs (FNMR)");
    }
    if (g.thin_reasons.empty()) {
      fmrs.push_back(g.fmr);
      if (g.has_genuine) fnmrs.push_back(g.fnmr);
    }
    r.groups.push_back(std::move(g));
  }
  r.fmr_max_min = MaxMinRatio(fmrs);
  r.fmr_max_geomean = MaxGeomeanRatio(fmrs);
  r.fnmr_max_min = MaxMinRatio(fnmrs);
  r.fnmr_max_geomean = MaxGeomeanRatio(fnmrs);
  r.ratio_note = "ratios over groups with enough data (thin_reasons empty); null when fewer than two "
                 "such groups or a group's rate is 0 (unbounded ratio)";
  return r;
}

nlohmann::json ToJson(const DemographicsReport& r) {
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& g : r.groups) {
    nlohmann::json j = {{"name", g.name},
                        {"images", g.images},
                        {"identities", g.identities},
                        {"impostor_pairs", g.impostor_pairs},
                        {"false_matches", g.false_matches},
                        {"fmr", g.fmr},
                        {"fmr_ci", ToJson(g.fmr_ci)},
                        {"fmr_binomial_ci", ToJson(g.fmr_binomial)},
                        {"thin", !g.thin_reasons.empty()},
                        {"thin_reasons", g.thin_reasons}};
    if (g.has_genuine) {
      j["genuine_pairs"] = g.genuine_pairs;
      j["false_non_matches"] = g.false_non_matches;
      j["fnmr"] = g.fnmr;
      j["fnmr_ci"] = ToJson(g.fnmr_ci);
    } else {
      j["genuine_pairs"] = 0;
      j["fnmr"] = nullptr;
    }
    groups.push_back(j);
  }
  return {{"threshold", r.threshold},
          {"target_fmr", opt(r.target_fmr)},
          {"groups", groups},
          {"unlabelled_images", r.unlabelled_images},
          {"fmr_max_min", opt(r.fmr_max_min)},
          {"fmr_max_geomean", opt(r.fmr_max_geomean)},
          {"fnmr_max_min", opt(r.fnmr_max_min)},
          {"fnmr_max_geomean", opt(r.fnmr_max_geomean)},
          {"ratio_note", r.ratio_note}};
}

}  // namespace facetrail::eval
