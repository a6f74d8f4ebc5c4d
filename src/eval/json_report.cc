#include "eval/json_report.h"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace facetrail::eval {
namespace {

nlohmann::json Num(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}

}  // namespace

std::string RateKey(double rate) {
  if (rate > 0) {
    double e = std::log10(rate);
    if (std::fabs(e - std::round(e)) < 1e-9) return "1e" + std::to_string(static_cast<int>(std::round(e)));
  }
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", rate);
  return buf;
}

nlohmann::json ToJson(const Interval& ci) {
  return {{"estimate", Num(ci.estimate)}, {"low", Num(ci.low)}, {"high", Num(ci.high)}};
}

nlohmann::json ToJson(const ErrorRates& r) {
  return {{"threshold", Num(r.threshold)},
          {"fmr", Num(r.fmr)},
          {"fnmr", Num(r.fnmr)},
          {"false_matches", r.false_matches},
          {"false_non_matches", r.false_non_matches},
          {"impostor_pairs", r.impostor},
          {"genuine_pairs", r.genuine}};
}

nlohmann::json ToJson(const TarAtFar& t) {
  return {{"value", Num(t.tar)},
          {"threshold", Num(t.threshold)},
          {"achieved_far", Num(t.achieved_far)},
          {"impostor_pairs", t.impostor_pairs},
          {"genuine_pairs", t.genuine_pairs},
          {"resolvable", t.resolvable},
          {"note", t.resolvable ? "" : "target FAR is below 1/impostor_pairs: TAR is at an observed FAR of 0"}};
}

nlohmann::json ToJson(const FnirAtFpir& f) {
  return {{"value", Num(f.fnir)},
          {"threshold", Num(f.threshold)},
          {"achieved_fpir", Num(f.achieved_fpir)},
          {"non_mated_searches", f.non_mated_searches},
          {"mated_searches", f.mated_searches},
          {"resolvable", f.resolvable}};
}

nlohmann::json ToJson(const EerResult& e) {
  return {{"value", Num(e.eer)}, {"threshold", Num(e.threshold)}};
}

nlohmann::json ToJson(const CrossValidation& cv) {
  nlohmann::json folds = nlohmann::json::array();
  for (const auto& f : cv.folds) {
    folds.push_back({{"fold", f.fold}, {"threshold", Num(f.threshold)}, {"accuracy", Num(f.accuracy)},
                     {"pairs", f.pairs}});
  }
  return {{"folds", folds},
          {"mean_accuracy", Num(cv.mean_accuracy)},
          {"std_accuracy", Num(cv.std_accuracy)},
          {"mean_threshold", Num(cv.mean_threshold)}};
}

nlohmann::json CurveToJson(const std::vector<OperatingPoint>& curve) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : curve) {
    out.push_back({{"threshold", Num(p.threshold)}, {"fmr", Num(p.fmr)}, {"fnmr", Num(p.fnmr)}});
  }
  return out;
}

nlohmann::json ToJson(const PairsReport& r) {
  nlohmann::json tar = nlohmann::json::object();
  for (const auto& t : r.tar_at_far) tar[RateKey(t.target_far)] = ToJson(t);
  nlohmann::json j = {
      {"model", r.model_id},
      {"accuracy", Num(r.accuracy)},
      {"accuracy_std", r.accuracy_std ? Num(*r.accuracy_std) : nlohmann::json(nullptr)},
      {"protocol", r.folds_used ? "folds: threshold chosen on the other folds to maximise accuracy"
                                : "no folds: accuracy at the default threshold"},
      {"auc", Num(r.auc)},
      {"auc_ci", ToJson(r.auc_ci)},
      {"eer", Num(r.eer.eer)},
      {"eer_threshold", Num(r.eer.threshold)},
      {"tar_at_far", tar},
      {"fta", Num(r.fta)},
      {"images", r.images},
      {"images_failed", r.images_failed},
      {"pairs_with_fta", r.pairs_with_fta},
      {"fta_scoring", "a pair with an FTA image is scored below every threshold (non-match)"},
      {"threshold", r.default_threshold ? Num(*r.default_threshold) : nlohmann::json(nullptr)},
      {"accuracy_at_default_threshold",
       r.accuracy_at_default_threshold ? Num(*r.accuracy_at_default_threshold) : nlohmann::json(nullptr)},
      {"at_default_threshold", r.at_default ? ToJson(*r.at_default) : nlohmann::json(nullptr)},
      {"pairs", r.pairs},
      {"genuine_pairs", r.genuine_pairs},
      {"impostor_pairs", r.impostor_pairs},
      {"det", CurveToJson(r.det)},
  };
  if (r.folds_used) j["folds"] = ToJson(r.cv);
  return j;
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace facetrail::eval
