#include "eval/disclosure_sections.h"

#include <algorithm>
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "eval/demographics.h"
#include "eval/image_sets.h"
#include "eval/json_report.h"
#include "eval/quality_eval.h"
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
                      double threshold, double target_fmr, int threads,
                      const BootstrapOptions& bootstrap) {
  json out;
  {  // LFW: gender, both sides (the eval library's ComputeDemographics).
    DemographicsInput in;
    in.outcomes = lfw;
    in.identity = lfw_identity;
    for (const auto& name : lfw_images) {
      auto it = lfw_gender.find(name);
      in.group.push_back(it == lfw_gender.end() ? "" : it->second);
    }
    in.threshold = threshold;
    in.target_fmr = target_fmr;
    in.threads = threads;
    in.bootstrap = bootstrap;
    auto r = ComputeDemographics(in);
    out["lfw_gender"] = r.ok() ? ToJson(*r) : json{{"error", r.status().ToString()}};
    out["lfw_gender"]["source"] = "lfw-dev/demographics.csv (manual gender lists)";
  }
  {  // UTKFace: race x gender, impostor side only (no identities: one person per image).
    const size_t img = *utk_labels.Column("image");
    const size_t gender = *utk_labels.Column("gender"), race = *utk_labels.Column("race");
    DemographicsInput in;
    in.outcomes = utk;
    for (size_t i = 0; i < utk.size() && i < utk_labels.rows.size(); ++i) {
      in.identity.push_back(utk_labels.rows[i][img]);
      in.group.push_back(utk_labels.rows[i][race] + " " + utk_labels.rows[i][gender]);
    }
    in.threshold = threshold;
    in.target_fmr = target_fmr;
    in.threads = threads;
    in.bootstrap = bootstrap;
    auto r = ComputeDemographics(in);
    out["utkface_race_gender"] = r.ok() ? ToJson(*r) : json{{"error", r.status().ToString()}};
    out["utkface_race_gender"]["source"] =
        "utkface-dev/labels.csv; no identity labels, so each image is a different person and "
        "only false matches can be measured";
  }
  return out;
}

json ErrorVersusRejectJson(const std::vector<ImageOutcome>& lfw,
                           const std::vector<GenuinePair>& genuine, double threshold) {
  std::vector<double> fractions;
  for (int step = 0; step <= 25; ++step) fractions.push_back(step * 0.02);
  std::vector<float> scores;
  for (const auto& p : genuine) scores.push_back(p.score);
  json curves = json::object();
  for (const QualityMeasure& m : QualityMeasures()) {
    std::vector<double> quality;
    for (const auto& p : genuine) {
      const auto& a = lfw[p.a].face.face;
      const auto& b = lfw[p.b].face.face;
      quality.push_back(std::min(m.value(a.quality, a.score), m.value(b.quality, b.score)));
    }
    curves[m.name] = ToJson(ErrorVersusReject(scores, quality, threshold, fractions));
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
