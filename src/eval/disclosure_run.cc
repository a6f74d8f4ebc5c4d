// BuildDisclosure (disclosure.h): loads the three data sets, embeds every image once (template
// cache), and assembles the sections. Quality-vs-error, demographics and provenance helpers
// are in disclosure_sections.cc.
#include "eval/disclosure.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "eval/all_pairs.h"
#include "eval/calibration_fit.h"
#include "eval/csv.h"
#include "eval/disclosure_sections.h"
#include "eval/image_sets.h"
#include "eval/json_report.h"
#include "eval/metrics.h"
#include "eval/open_set.h"
#include "eval/pad_json.h"
#include "eval/pad_run.h"
#include "eval/pairs_eval.h"
#include "eval/pairs_run.h"
#include "eval/search_eval.h"

namespace facetrail::eval {
namespace {

using nlohmann::json;

constexpr uint64_t kMaxCsvBytes = 16 << 20;

json ModelJson(const ModelInfo& m) {
  return {{"id", m.id}, {"name", m.name}, {"version", m.version}, {"sha256", m.sha256}, {"dim", m.dim}};
}

struct Loaded {
  std::vector<std::string> lfw_images;            // names under lfw-dev/images
  std::vector<PairSpec> pairs;                    // restricted to lfw_images
  std::map<std::string, std::string> lfw_gender;  // image -> gender label
  CsvTable utk;                                   // rows restricted by limit
};

StatusOr<Loaded> LoadData(Env* env, const DiscloseOptions& o) {
  Loaded d;
  const std::string lfw = o.data_dir + "/lfw-dev";
  FT_ASSIGN_OR_RETURN(std::vector<std::string> files, ListImageFiles(env, lfw + "/images"));
  FT_ASSIGN_OR_RETURN(std::string pairs_text, env->ReadFileToString(lfw + "/pairs.csv", kMaxCsvBytes));
  FT_ASSIGN_OR_RETURN(std::vector<PairSpec> pairs, ParsePairsCsv(pairs_text));
  std::set<std::string> chosen;
  if (o.limit == 0) {
    chosen.insert(files.begin(), files.end());
  } else {
    // Quick runs keep whole pairs, spread over every fold, then fill up with other files.
    const size_t want_pairs = std::max<size_t>(10, o.limit / 4);
    const size_t step = std::max<size_t>(1, pairs.size() / want_pairs);
    for (size_t i = 0; i < pairs.size() && chosen.size() + 2 <= o.limit; i += step) {
      chosen.insert(pairs[i].image_a);
      chosen.insert(pairs[i].image_b);
    }
    for (size_t i = 0; i < files.size() && chosen.size() < o.limit; ++i) chosen.insert(files[i]);
  }
  d.lfw_images.assign(chosen.begin(), chosen.end());
  for (auto& p : pairs) {
    if (chosen.count(p.image_a) && chosen.count(p.image_b)) d.pairs.push_back(std::move(p));
  }
  FT_ASSIGN_OR_RETURN(std::string demo, env->ReadFileToString(lfw + "/demographics.csv", kMaxCsvBytes));
  FT_ASSIGN_OR_RETURN(CsvTable demo_t, ParseCsv(demo));
  auto img = demo_t.Column("image"), gender = demo_t.Column("gender");
  if (!img || !gender) return InvalidArgumentError("lfw-dev/demographics.csv needs image,gender");
  for (const auto& row : demo_t.rows) {
    if (!row[*gender].empty()) d.lfw_gender[row[*img]] = row[*gender];
  }
  FT_ASSIGN_OR_RETURN(std::string utk, env->ReadFileToString(o.data_dir + "/utkface-dev/labels.csv", kMaxCsvBytes));
  FT_ASSIGN_OR_RETURN(d.utk, ParseCsv(utk));
  if (!d.utk.Column("image") || !d.utk.Column("gender") || !d.utk.Column("race")) {
    return InvalidArgumentError("utkface-dev/labels.csv needs image,gender,race");
  }
  if (o.limit > 0 && d.utk.rows.size() > o.limit) d.utk.rows.resize(o.limit);
  return d;
}

json RateJson(int64_t errors, int64_t n) {
  Interval ci = ClopperPearson(errors, n);
  return {{"rate", n > 0 ? json(ci.estimate) : json(nullptr)}, {"errors", errors}, {"attempts", n},
          {"ci95", {ci.low, ci.high}}};
}

}  // namespace

StatusOr<json> BuildDisclosure(const Engine& engine, const LivenessChecker* liveness,
                               const DiscloseOptions& o) {
  Env* env = o.embed.env != nullptr ? o.embed.env : Env::Default();
  const Clock* clock = o.clock != nullptr ? o.clock : Clock::Real();
  auto stage = [&](const std::string& s) {
    if (o.on_stage) o.on_stage(s);
  };
  if (!(o.target_fmr > 0 && o.target_fmr < 1)) return InvalidArgumentError("target FMR must be in (0, 1)");
  FT_ASSIGN_OR_RETURN(Loaded data, LoadData(env, o));

  // One embedding pass over both face sets (cached per image and model).
  stage("embedding lfw-dev + utkface-dev");
  std::vector<std::string> paths, identity;
  for (const auto& f : data.lfw_images) {
    paths.push_back(o.data_dir + "/lfw-dev/images/" + f);
    identity.push_back(IdentityFromFileName(f));
  }
  const size_t n_lfw = paths.size();
  const size_t utk_img = *data.utk.Column("image");
  for (const auto& row : data.utk.rows) {
    paths.push_back(o.data_dir + "/utkface-dev/images/" + row[utk_img]);
    identity.push_back("utk:" + row[utk_img]);  // UTKFace has no identities: one person each
  }
  std::vector<ImageOutcome> outcomes = EmbedImages(engine, paths, o.embed);
  std::vector<ImageOutcome> lfw_out(outcomes.begin(), outcomes.begin() + n_lfw);
  std::vector<ImageOutcome> utk_out(outcomes.begin() + n_lfw, outcomes.end());
  std::vector<std::string> lfw_id(identity.begin(), identity.begin() + n_lfw);

  json doc;
  doc["format"] = "facetrail-disclosure/1";
  doc["generated_at_unix"] = clock->NowMicros() / 1000000;
  doc["models"] = {{"embedder", ModelJson(engine.embedder())}, {"detector", ModelJson(engine.detector())}};
  // The verification path's close-range detector (engine.h): it found most faces measured here.
  if (engine.close_range_detector() != nullptr) {
    doc["models"]["close_range_detector"] = ModelJson(*engine.close_range_detector());
  }
  doc["limit"] = o.limit == 0 ? json(nullptr) : json(o.limit);

  // Threshold: target FMR -> score over all cross-identity pairs, one image per person.
  stage("impostor pairs (all cross pairs)");
  std::vector<size_t> chosen = FirstAcquiredPerIdentity(outcomes, identity);
  FT_ASSIGN_OR_RETURN(TemplateMatrix m, StackTemplates(outcomes, chosen));
  std::vector<uint32_t> rows(m.rows);
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint32_t>(i);
  AllPairsOptions ap;
  ap.threads = o.embed.threads;
  FT_ASSIGN_OR_RETURN(ScoreDistribution dist, AllPairsImpostorScores(m, rows, ap));
  const double threshold = dist.ThresholdForFmr(o.target_fmr);
  Interval est = BootstrapFmr(dist, m.rows, threshold, o.bootstrap);
  doc["threshold"] = {
      {"target_fmr", o.target_fmr},
      {"score", threshold},
      {"estimated_fmr", ToJson(est)},
      {"impostor_pairs", dist.count()},
      {"people", m.rows},
      {"false_matches", dist.CountAtLeast(threshold)},
      {"resolvable", dist.count() > 0 && o.target_fmr * static_cast<double>(dist.count()) >= 1},
      {"method", "lowest score whose FMR <= target over every cross pair of one image per "
                 "person (lfw-dev + utkface-dev); interval: bootstrap over people"}};

  stage("calibration hold-out check");
  auto holdout = CheckCalibrationOnHeldOut(m, {1e-3, 1e-4}, o.seed, o.embed.threads);
  if (holdout.ok()) {
    json h = json::array();
    for (const auto& c : *holdout) h.push_back(ToJson(c));
    doc["calibration_holdout"] = h;
  } else {
    doc["calibration_holdout"] = {{"error", holdout.status().ToString()}};
  }

  // LFW protocol (pairs.csv, 10-fold style cross-validation over its folds).
  stage("LFW verification protocol");
  std::map<std::string, size_t> index_of;
  for (size_t i = 0; i < n_lfw; ++i) index_of[data.lfw_images[i]] = i;
  std::vector<float> pair_scores;
  std::set<size_t> pair_images;
  for (const auto& p : data.pairs) {
    const size_t a = index_of.at(p.image_a), b = index_of.at(p.image_b);
    pair_images.insert(a);
    pair_images.insert(b);
    FT_ASSIGN_OR_RETURN(float s, ScoreOutcomes(lfw_out[a], lfw_out[b]));
    pair_scores.push_back(s);
  }
  std::set<int> folds;
  int64_t genuine_n = 0;
  for (const auto& p : data.pairs) {
    folds.insert(p.fold);
    genuine_n += p.same ? 1 : 0;
  }
  if (folds.size() >= 2 && genuine_n >= 2 && static_cast<int64_t>(data.pairs.size()) - genuine_n >= 2) {
    const float def = engine.default_threshold();
    PairsReport r = ComputePairsReport(data.pairs, pair_scores,
                                       std::isfinite(def) ? std::optional<double>(def) : std::nullopt,
                                       o.bootstrap);
    r.model_id = engine.embedder().id;
    r.images = static_cast<int64_t>(pair_images.size());
    for (size_t i : pair_images) r.images_failed += lfw_out[i].acquired() ? 0 : 1;
    r.fta = FailureToAcquireRate(r.images_failed, r.images);
    for (float s : pair_scores) r.pairs_with_fta += s == kFailureScore ? 1 : 0;
    json lfw = ToJson(r);
    std::vector<float> g, im;
    for (size_t i = 0; i < data.pairs.size(); ++i) (data.pairs[i].same ? g : im).push_back(pair_scores[i]);
    lfw["at_threshold"] = ToJson(RatesAt(ScoreSets(g, im), threshold));
    doc["lfw_protocol"] = lfw;
  } else {
    doc["lfw_protocol"] = {{"skipped", "fewer than two folds of pairs in this (limited) run"}};
  }

  // Genuine comparisons: every pair of acquired images of one LFW identity.
  std::vector<GenuinePair> genuine = AllGenuinePairs(lfw_out, lfw_id);
  doc["all_pairs_det"] = AllPairsDetJson(genuine, dist);
  doc["at_threshold"] = AtThresholdJson(genuine, dist, threshold);

  stage("demographic differentials");
  doc["demographics"] = DemographicsJson(lfw_out, lfw_id, data.lfw_images, data.lfw_gender,
                                         utk_out, data.utk, threshold, o.target_fmr,
                                         o.embed.threads, o.bootstrap);

  stage("quality: error versus reject");
  doc["quality"] = ErrorVersusRejectJson(lfw_out, genuine, threshold);
  doc["fta"] = {{"lfw-dev", RateJson(CountFailures(lfw_out), static_cast<int64_t>(lfw_out.size()))},
                {"utkface-dev", RateJson(CountFailures(utk_out), static_cast<int64_t>(utk_out.size()))}};

  stage("open-set 1:N search");
  std::set<std::string> ids_with_face;
  for (size_t i = 0; i < n_lfw; ++i) {
    if (lfw_out[i].acquired()) ids_with_face.insert(lfw_id[i]);
  }
  const size_t gallery = ids_with_face.size() / 2;
  auto run = gallery > 0 ? RunOpenSet(lfw_out, lfw_id, gallery, o.seed)
                         : StatusOr<OpenSetRun>(InvalidArgumentError("no identities"));
  if (run.ok()) {
    json fnir = json::object();
    for (double t : {1e-2, 1e-3}) fnir[RateKey(t)] = ToJson(FnirAtFpirPoint(run->searches, t));
    OpenSetRates at = OpenSetAt(run->searches, threshold);
    doc["open_set"] = {{"gallery_size", run->gallery_size},
                       {"mated_searches", run->mated_searches},
                       {"non_mated_searches", run->non_mated_searches},
                       {"probe_fta", run->probe_fta},
                       {"fnir_at_fpir", fnir},
                       {"rank1", RankHitRate(run->searches, 1)},
                       {"at_threshold", {{"threshold", threshold}, {"fpir", at.fpir}, {"fnir", at.fnir},
                                         {"fpir_predicted", std::min(1.0, run->gallery_size * o.target_fmr)}}}};
  } else {
    doc["open_set"] = {{"error", run.status().ToString()}};
  }

  stage("presentation-attack detection");
  if (liveness != nullptr) {
    PadRunOptions po;
    po.labels_csv = o.data_dir + "/pad-dev/labels.csv";
    po.images_dir = o.data_dir + "/pad-dev";
    po.default_attack_type = "printed_photo";  // pad-dev holds printed-photo attacks only
    po.threads = o.embed.threads;
    po.env = env;
    po.progress = o.pad_progress;
    if (o.limit > 0) po.every = std::max<size_t>(1, 2536 / o.limit);
    auto pad = RunPad(engine, *liveness, po);
    doc["pad"] = pad.ok() ? PadToJson(*pad) : json{{"error", pad.status().ToString()}};
  } else {
    doc["pad"] = {{"error", "no liveness model loaded"}};
  }

  FT_ASSIGN_OR_RETURN(doc["datasets"], ProvenanceJson(env, o.data_dir, lfw_out.size(), utk_out.size()));
  return doc;
}

}  // namespace facetrail::eval
