#include "eval/pad_json.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "eval/json_report.h"

namespace facetrail::eval {
namespace {

using nlohmann::json;

json RateJson(const PadClassRate& r) {
  return {{"rate", r.rate.estimate}, {"ci95", {r.rate.low, r.rate.high}},
          {"errors", r.errors}, {"presentations", r.presentations}};
}

json RatesJson(const PadRates& r) {
  json apcer = json::object();
  for (const auto& [type, c] : r.apcer) apcer[type] = RateJson(c);
  return {{"threshold", r.threshold}, {"bpcer", RateJson(r.bpcer)}, {"apcer", apcer},
          {"apcer_max", r.apcer_max}};
}

std::string Pct(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100 * x);
  return buf;
}

}  // namespace

std::string PadVerdict(const PadModelReport& m) {
  const double apcer = m.test.apcer_max, bpcer = m.test.bpcer.rate.estimate;
  // A PAD check is worth switching on only if it stops most attacks without turning many
  // live people away; these bounds are stated in docs/liveness.md.
  std::string what;
  if (apcer <= 0.05 && bpcer <= 0.10) {
    what = "useful";
  } else if (apcer <= 0.20 && bpcer <= 0.20) {
    what = "weak";
  } else {
    what = "not useful";
  }
  return what + ": on held-out subjects it accepts " + Pct(apcer) +
         " of attack presentations (worst attack type) and rejects " + Pct(bpcer) +
         " of live people (EER " + Pct(m.test_eer.eer) + ")";
}

json PadToJson(const PadReport& report) {
  json models = json::array();
  for (const auto& m : report.models) {
    json det = json::array();
    for (const auto& [a, b] : m.test_det) det.push_back({{"apcer_max", a}, {"bpcer", b}});
    models.push_back({{"model", m.model_id},
                      {"target_apcer", m.target_apcer},
                      {"threshold", m.threshold},
                      {"tune", RatesJson(m.tune)},
                      {"test", RatesJson(m.test)},
                      {"test_eer", {{"eer", m.test_eer.eer}, {"threshold", m.test_eer.threshold}}},
                      {"test_auc", m.test_auc},
                      {"verdict", PadVerdict(m)},
                      {"test_det", det}});
  }
  json doc = {{"samples", report.samples},
              {"bona_fide", report.bona_fide},
              {"attacks", report.attacks},
              {"fta", {{"bona_fide", report.fta_bona_fide}, {"attacks", report.fta_attacks}}},
              {"unreadable", report.unreadable},
              {"subject_disjoint", report.subject_disjoint},
              {"tune_subjects", report.tune_subjects},
              {"test_subjects", report.test_subjects},
              {"models", models}};
  if (!report.models.empty()) {
    const PadModelReport& p = report.models.front();
    doc["model"] = p.model_id;
    doc["threshold"] = p.threshold;
    doc["bpcer"] = p.test.bpcer.rate.estimate;
    json apcer = json::object();
    for (const auto& [type, c] : p.test.apcer) apcer[type] = c.rate.estimate;
    doc["apcer"] = apcer;
  }
  return doc;
}

}  // namespace facetrail::eval
