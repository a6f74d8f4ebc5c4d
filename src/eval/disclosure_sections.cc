#include "eval/disclosure_sections.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "eval/disclosure_groups.h"
#include "eval/image_sets.h"
#include "eval/json_report.h"
#include "facetrail/encoding.h"

namespace facetrail::eval {
namespace {

using nlohmann::json;

constexpr size_t kMaxDetPoints = 200;

float Dot(const std::vector<float>& a, const std::vector<float>& b) {
  float s = 0;
  for (size_t k = 0; k < a.size() && k < b.size(); ++k) s += a[k] * b[k];
  return s;
}

json Opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json GroupReportJson(const GroupReport& r, bool with_genuine) {
  json groups = json::array();
  for (const auto& g : r.groups) {
    json j = {{"name", g.name},
              {"people", g.people},
              {"impostor_pairs", g.impostor_pairs},
              {"false_matches", g.false_matches},
              {"fmr", std::isfinite(g.fmr.estimate) ? json(g.fmr.estimate) : json(nullptr)},
              {"fmr_ci95", {g.fmr.low, g.fmr.high}},
              {"fmr_thin", g.fmr_thin}};
    if (with_genuine) {
      j["genuine_pairs"] = g.genuine_pairs;
      j["false_non_matches"] = g.false_non_matches;
      j["fnmr"] = g.fnmr ? json(g.fnmr->estimate) : json(nullptr);
      j["fnmr_ci95"] = g.fnmr ? json{g.fnmr->low, g.fnmr->high} : json(nullptr);
      j["fnmr_thin"] = g.fnmr_thin;
    }
    groups.push_back(j);
  }
  json out = {{"threshold", r.threshold}, {"target_fmr", r.target_fmr}, {"groups", groups},
              {"fmr_max_min", Opt(r.fmr_max_min)}, {"fmr_max_geomean", Opt(r.fmr_max_geomean)}};
  if (with_genuine) {
    out["fnmr_max_min"] = Opt(r.fnmr_max_min);
    out["fnmr_max_geomean"] = Opt(r.fnmr_max_geomean);
  }
  return out;
}

// Quality measures, each mapped so that larger = better.
struct Measure {
  const char* name;
  double (*goodness)(const FaceQuality& q);
};
const Measure kMeasures[] = {
    {"inter_eye_px", [](const FaceQuality& q) { return static_cast<double>(q.inter_eye_px); }},
    {"sharpness", [](const FaceQuality& q) { return static_cast<double>(q.sharpness); }},
    {"contrast", [](const FaceQuality& q) { return static_cast<double>(q.contrast); }},
    {"exposure", [](const FaceQuality& q) { return -std::fabs(q.exposure - 0.5); }},
    {"yaw", [](const FaceQuality& q) { return -std::fabs(static_cast<double>(q.yaw_deg)); }},
};

}  // namespace

std::vector<GenuinePair> AllGenuinePairs(const std::vector<ImageOutcome>& outcomes,
                                         const std::vector<std::string>& identity) {
  std::map<std::string, std::vector<size_t>> by_id;
  for (size_t i = 0; i < outcomes.size() && i < identity.size(); ++i) {
    if (outcomes[i].acquired()) by_id[identity[i]].push_back(i);
  }
  std::vector<GenuinePair> out;
  uint32_t dense = 0;
  for (const auto& [id, idx] : by_id) {
    if (idx.size() < 2) continue;
    for (size_t x = 0; x < idx.size(); ++x) {
      for (size_t y = x + 1; y < idx.size(); ++y) {
        out.push_back({idx[x], idx[y], dense,
                       Dot(outcomes[idx[x]].face.tmpl.values, outcomes[idx[y]].face.tmpl.values)});
      }
    }
    ++dense;
  }
  return out;
}

json AllPairsDetJson(const std::vector<GenuinePair>& genuine, const ScoreDistribution& d) {
  std::vector<float> g;
  for (const auto& p : genuine) g.push_back(p.score);
  std::sort(g.begin(), g.end());
  json pts = json::array();
  if (g.empty() || d.count() == 0) return pts;
  const size_t step = std::max<size_t>(1, g.size() / kMaxDetPoints);
  for (size_t i = 0; i < g.size(); i += step) {
    // Threshold = this genuine score: the i genuine scores below it are false non-matches.
    const double t = g[i];
    pts.push_back({{"threshold", t}, {"fmr", d.Fmr(t)},
                   {"fnmr", static_cast<double>(i) / static_cast<double>(g.size())}});
  }
  return pts;
}

json AtThresholdJson(const std::vector<GenuinePair>& genuine, const ScoreDistribution& d,
                     double threshold) {
  const int64_t fm = d.CountAtLeast(threshold);
  Interval fmr = ClopperPearson(fm, d.count());
  std::vector<IdPairOutcome> outcomes;
  uint32_t ids = 0;
  int64_t fnm = 0;
  for (const auto& p : genuine) {
    outcomes.push_back({p.identity, p.identity, p.score < threshold});
    fnm += p.score < threshold ? 1 : 0;
    ids = std::max(ids, p.identity + 1);
  }
  Interval fnmr = BootstrapIdentities(ids, [&](std::span<const uint32_t> mult) {
    return WeightedRate(outcomes, mult);
  });
  return {{"threshold", threshold},
          {"fmr", fmr.estimate}, {"fmr_ci95_binomial", {fmr.low, fmr.high}},
          {"impostor_pairs", d.count()}, {"false_matches", fm},
          {"fnmr", genuine.empty() ? json(nullptr) : json(fnmr.estimate)},
          {"fnmr_ci95", {fnmr.low, fnmr.high}},
          {"genuine_pairs", genuine.size()}, {"false_non_matches", fnm},
          {"genuine_identities", ids}};
}

json DemographicsJson(const std::vector<ImageOutcome>& lfw,
                      const std::vector<std::string>& lfw_identity,
                      const std::vector<std::string>& lfw_images,
                      const std::map<std::string, std::string>& lfw_gender,
                      const std::vector<ImageOutcome>& utk, const CsvTable& utk_labels,
                      const std::vector<GenuinePair>& genuine, double threshold,
                      double target_fmr, const BootstrapOptions& bootstrap) {
  json out;
  auto gender_of = [&](size_t i) -> std::string {
    auto it = lfw_gender.find(lfw_images[i]);
    return it == lfw_gender.end() ? "" : it->second;
  };
  {  // LFW: gender, both sides.
    std::vector<size_t> chosen = FirstAcquiredPerIdentity(lfw, lfw_identity);
    auto m = StackTemplates(lfw, chosen);
    std::set<std::string> names_set;
    for (size_t i : chosen) {
      if (!gender_of(i).empty()) names_set.insert(gender_of(i));
    }
    std::vector<std::string> names(names_set.begin(), names_set.end());
    auto group_index = [&](const std::string& g) {
      auto it = std::find(names.begin(), names.end(), g);
      return it == names.end() ? -1 : static_cast<int>(it - names.begin());
    };
    if (m.ok()) {
      std::vector<int> group;
      for (size_t i : chosen) group.push_back(group_index(gender_of(i)));
      GroupReport r = ImpostorRatesByGroup(*m, group, names, threshold, target_fmr, bootstrap);
      std::vector<GenuineComparison> gen;
      uint32_t ids = 0;
      for (const auto& p : genuine) {
        gen.push_back({p.identity, group_index(gender_of(p.a)), p.score});
        ids = std::max(ids, p.identity + 1);
      }
      AddGenuineRates(gen, ids, &r, bootstrap);
      out["lfw_gender"] = GroupReportJson(r, true);
      out["lfw_gender"]["source"] = "lfw-dev/demographics.csv (manual gender lists)";
    } else {
      out["lfw_gender"] = {{"error", m.status().ToString()}};
    }
  }
  {  // UTKFace: race x gender, impostor side only (no identities).
    const size_t img = *utk_labels.Column("image");
    const size_t gender = *utk_labels.Column("gender"), race = *utk_labels.Column("race");
    (void)img;
    std::vector<size_t> chosen;
    std::vector<std::string> label;
    for (size_t i = 0; i < utk.size() && i < utk_labels.rows.size(); ++i) {
      if (!utk[i].acquired()) continue;
      chosen.push_back(i);
      label.push_back(utk_labels.rows[i][race] + " " + utk_labels.rows[i][gender]);
    }
    std::set<std::string> names_set(label.begin(), label.end());
    std::vector<std::string> names(names_set.begin(), names_set.end());
    std::vector<int> group;
    for (const auto& l : label) {
      group.push_back(static_cast<int>(std::find(names.begin(), names.end(), l) - names.begin()));
    }
    auto m = StackTemplates(utk, chosen);
    if (m.ok()) {
      GroupReport r = ImpostorRatesByGroup(*m, group, names, threshold, target_fmr, bootstrap);
      out["utkface_race_gender"] = GroupReportJson(r, false);
      out["utkface_race_gender"]["source"] =
          "utkface-dev/labels.csv; no identity labels, so each image is a different person and "
          "only false matches can be measured";
    } else {
      out["utkface_race_gender"] = {{"error", m.status().ToString()}};
    }
  }
  return out;
}

json ErrorVersusRejectJson(const std::vector<ImageOutcome>& lfw,
                           const std::vector<GenuinePair>& genuine, double threshold) {
  json curves = json::object();
  for (const Measure& measure : kMeasures) {
    std::vector<std::pair<double, bool>> pairs;  // (pair quality, false non-match)
    for (const auto& p : genuine) {
      const double q = std::min(measure.goodness(lfw[p.a].face.face.quality),
                                measure.goodness(lfw[p.b].face.face.quality));
      pairs.emplace_back(q, p.score < threshold);
    }
    std::sort(pairs.begin(), pairs.end(),
              [](const auto& x, const auto& y) { return x.first < y.first; });
    // Suffix counts of errors: rejecting the lowest k pairs leaves pairs[k..].
    std::vector<int64_t> errors_from(pairs.size() + 1, 0);
    for (size_t i = pairs.size(); i-- > 0;) errors_from[i] = errors_from[i + 1] + (pairs[i].second ? 1 : 0);
    json pts = json::array();
    for (int step = 0; step <= 25 && !pairs.empty(); ++step) {
      const double frac = step * 0.02;
      const size_t k = static_cast<size_t>(std::floor(frac * pairs.size()));
      const size_t kept = pairs.size() - k;
      if (kept == 0) break;
      pts.push_back({{"rejected", frac},
                     {"fnmr", static_cast<double>(errors_from[k]) / static_cast<double>(kept)},
                     {"pairs_kept", kept}});
    }
    curves[measure.name] = pts;
  }
  return {{"threshold", threshold}, {"genuine_pairs", genuine.size()},
          {"pair_quality", "the worse of the two images"}, {"erc", curves}};
}

StatusOr<json> ProvenanceJson(Env* env, const std::string& data_dir, size_t lfw_images,
                              size_t utk_images) {
  json files = json::object();
  for (const char* f : {"README.md", "lfw-dev/pairs.csv", "lfw-dev/identities.csv",
                        "lfw-dev/demographics.csv", "utkface-dev/labels.csv", "pad-dev/labels.csv"}) {
    auto text = env->ReadFileToString(data_dir + "/" + f, 16 << 20);
    files[f] = text.ok() ? json(Sha256Hex(*text)) : json(nullptr);
  }
  json provenance = json::array();
  auto readme = env->ReadFileToString(data_dir + "/README.md", 1 << 20);
  if (readme.ok()) {
    // The "Provenance" bullet list of data/README.md, one entry per bullet.
    bool in = false;
    std::string cur;
    size_t pos = 0;
    while (pos <= readme->size()) {
      size_t nl = readme->find('\n', pos);
      if (nl == std::string::npos) nl = readme->size();
      std::string line = readme->substr(pos, nl - pos);
      pos = nl + 1;
      if (line.rfind("Provenance", 0) == 0) {
        in = true;
        continue;
      }
      if (!in) continue;
      if (line.rfind("- ", 0) == 0) {
        if (!cur.empty()) provenance.push_back(cur);
        cur = line.substr(2);
      } else if (line.rfind("  ", 0) == 0 && !cur.empty()) {
        cur += " " + line.substr(line.find_first_not_of(' '));
      } else if (!line.empty()) {
        break;
      } else if (!cur.empty()) {
        provenance.push_back(cur);
        cur.clear();
      }
    }
    if (!cur.empty()) provenance.push_back(cur);
  }
  return json{{"data_dir", data_dir},
              {"file_sha256", files},
              {"provenance", provenance},
              {"lfw-dev", {{"images_used", lfw_images}}},
              {"utkface-dev", {{"images_used", utk_images}}}};
}

}  // namespace facetrail::eval
