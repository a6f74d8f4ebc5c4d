#include "eval/disclosure_html.h"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "eval/svg_plot.h"

namespace facetrail::eval {
namespace {

using nlohmann::json;

const char* const kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2"};

double Get(const json& j, const char* key, double fallback = NAN) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return fallback;
  return j[key].get<double>();
}

std::string Pct(double x) {
  if (!std::isfinite(x)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, x < 0.001 ? "%.3f%%" : "%.1f%%", 100 * x);
  return buf;
}

std::string Str(const json& j) {
  if (j.is_string()) return j.get<std::string>();
  if (j.is_null()) return "n/a";
  return j.dump();
}

std::string Esc(const std::string& s) { return XmlEscape(s); }

std::string WithCommas(long long v) {
  std::string s = std::to_string(v), out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i > 0 && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

std::vector<XY> Points(const json& arr, const char* x, const char* y) {
  std::vector<XY> out;
  if (!arr.is_array()) return out;
  for (const auto& p : arr) {
    double a = Get(p, x), b = Get(p, y);
    if (std::isfinite(a) && std::isfinite(b)) out.push_back({a, b});
  }
  return out;
}

std::string GroupBars(const json& report, const char* rate, const char* ci, const char* pairs,
                      const std::string& title, const std::string& axis, double reference,
                      const std::string& ref_label) {
  std::vector<Bar> bars;
  if (!report.contains("groups")) return "";
  for (const auto& g : report["groups"]) {
    Bar b;
    b.label = Str(g["name"]);
    b.value = Get(g, rate);
    if (g.contains(ci) && std::isfinite(Get(g[ci], "low")) && std::isfinite(Get(g[ci], "high"))) {
      b.low = Get(g[ci], "low");
      b.high = Get(g[ci], "high");
    } else {
      b.low = b.high = b.value;
    }
    b.note = "n=" + WithCommas(static_cast<long long>(Get(g, pairs, 0)));
    if (g.contains("thin") && g["thin"].is_boolean() && g["thin"].get<bool>()) b.note += " (thin)";
    bars.push_back(b);
  }
  return BarChartSvg({title, axis, ""}, bars, reference, ref_label);
}

std::string Summary(const json& doc) {
  const json& th = doc["threshold"];
  const json& at = doc.contains("at_threshold") ? doc["at_threshold"] : json::object();
  std::string s = "<section id=\"summary\"><h2>In plain words</h2><ul>";
  const double fmr = Get(at, "fmr");
  s += "<li>At the threshold this agency uses, about <strong>" + OneInN(fmr) +
       "</strong> comparisons of two different people is wrongly called a match (measured on " +
       WithCommas(static_cast<long long>(Get(at, "impostor_pairs", 0))) +
       " pairs of photos of different people; the threshold was set to aim for " +
       OneInN(Get(th, "target_fmr")) + ").</li>";
  const double fnmr = Get(at, "fnmr");
  if (std::isfinite(fnmr)) {
    s += "<li>At the same threshold, <strong>" + Pct(fnmr) +
         "</strong> of comparisons of two photos of the <em>same</em> person are wrongly called "
         "a non-match (" + WithCommas(static_cast<long long>(Get(at, "genuine_pairs", 0))) +
         " pairs of photos of the same person, from public news photos).</li>";
  }
  if (doc.contains("demographics") && doc["demographics"].contains("utkface_race_gender")) {
    const json& u = doc["demographics"]["utkface_race_gender"];
    double hi = -1, lo = 2;
    std::string hi_name, lo_name;
    if (u.contains("groups")) {
      for (const auto& g : u["groups"]) {
        double v = Get(g, "fmr");
        if (!std::isfinite(v) || (g.contains("thin") && g["thin"].is_boolean() && g["thin"].get<bool>())) continue;
        if (v > hi) hi = v, hi_name = Str(g["name"]);
        if (v < lo) lo = v, lo_name = Str(g["name"]);
      }
    }
    if (hi >= 0) {
      s += "<li>Wrong matches are not equally likely for everyone. Between two different people "
           "of the same group, the rate is highest for <strong>" + Esc(hi_name) + "</strong> (" +
           OneInN(hi) + ") and lowest for <strong>" + Esc(lo_name) + "</strong> (" + OneInN(lo) +
           "). The groups come from the data set's labels; the software never guesses anyone's "
           "race or gender.</li>";
    }
  }
  if (doc.contains("pad") && doc["pad"].contains("models") && !doc["pad"]["models"].empty()) {
    s += "<li>Photo-attack check (is a live person in front of the camera?): ";
    for (const auto& m : doc["pad"]["models"]) {
      s += "<strong>" + Esc(Str(m["model"])) + "</strong> &mdash; " + Esc(Str(m["verdict"])) + ". ";
    }
    s += "</li>";
  }
  s += "<li>Every result is a lead for human review, never an identification on its own.</li>";
  return s + "</ul></section>\n";
}

}  // namespace

std::string OneInN(double rate) {
  if (!std::isfinite(rate)) return "n/a";
  if (rate <= 0) return "none observed";
  const double n = 1.0 / rate;
  // Two significant figures: "1 in 12,000".
  const double mag = std::pow(10.0, std::floor(std::log10(n)) - 1);
  const long long rounded = static_cast<long long>(std::llround(n / mag) * mag);
  return "1 in " + WithCommas(std::max(1LL, rounded));
}

std::string RenderDisclosureHtml(const json& doc, const HtmlSigning& signing) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>facetrail accuracy disclosure</title><style>"
      "body{font-family:sans-serif;max-width:960px;margin:2em auto;padding:0 1em;line-height:1.45;color:#222}"
      "h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}"
      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
      "figure{margin:1em 0}figcaption{font-size:.9em;color:#555}code{word-break:break-all}"
      "#summary{background:#f4f7fb;padding:.5em 1.2em;border-radius:6px}"
      "</style></head><body>\n<h1>Face recognition accuracy disclosure</h1>\n";
  const json& emb = doc["models"]["embedder"];
  h += "<p>System: facetrail. Face model <code>" + Esc(Str(emb["id"])) + "</code> (file SHA-256 <code>" +
       Esc(Str(emb["sha256"])) + "</code>). Threshold score <strong>" + Esc(Str(doc["threshold"]["score"])) +
       "</strong>, chosen for a target false-match rate of " + Esc(Str(doc["threshold"]["target_fmr"])) + ".</p>\n";
  if (doc["models"].contains("detector")) {
    h += "<p>Face detector: <code>";
    if (doc["models"].contains("close_range_detector")) {
      h += Esc(Str(doc["models"]["close_range_detector"]["id"])) +
           "</code> first, <code>" + Esc(Str(doc["models"]["detector"]["id"])) +
           "</code> when it finds no face.</p>\n";
    } else {
      h += Esc(Str(doc["models"]["detector"]["id"])) + "</code>.</p>\n";
    }
  }
  if (doc.contains("limit") && !doc["limit"].is_null()) {
    h += "<p><strong>Quick run on at most " + Esc(Str(doc["limit"])) +
         " images per data set: these numbers are for testing the report, not for disclosure.</strong></p>\n";
  }
  h += Summary(doc);

  // DET curves.
  std::vector<Series> det;
  if (doc.contains("all_pairs_det")) {
    det.push_back({"all pairs (lfw-dev + utkface-dev)", Points(doc["all_pairs_det"], "fmr", "fnmr"), kColors[0]});
  }
  if (doc.contains("lfw_protocol") && doc["lfw_protocol"].contains("det")) {
    det.push_back({"LFW pairs.csv", Points(doc["lfw_protocol"]["det"], "fmr", "fnmr"), kColors[1]});
  }
  std::vector<Marker> markers;
  const json& at = doc.contains("at_threshold") ? doc["at_threshold"] : json::object();
  if (std::isfinite(Get(at, "fmr")) && std::isfinite(Get(at, "fnmr"))) {
    markers.push_back({"deployed threshold", {std::max(Get(at, "fmr"), 1e-6), Get(at, "fnmr")}});
  }
  h += "<h2>How often it errs: the DET curve</h2><figure id=\"det\">" +
       DetPlotSvg({"DET: false non-match rate vs false match rate", "false match rate (FMR)",
                   "false non-match rate (FNMR)"}, det, markers, 1e-6, 0.5) +
       "<figcaption>Each point is a possible threshold. Lower-left is better. The red dot is "
       "the threshold in use.</figcaption></figure>\n";

  // Groups.
  h += "<h2>Differences between groups</h2>";
  const json& demo = doc.contains("demographics") ? doc["demographics"] : json::object();
  const double target = Get(doc["threshold"], "target_fmr");
  if (demo.contains("utkface_race_gender")) {
    h += "<figure id=\"groups-utk-fmr\" class=\"group-bars\">" +
         GroupBars(demo["utkface_race_gender"], "fmr", "fmr_ci", "impostor_pairs",
                   "False match rate by group (UTKFace race and gender)", "FMR", target, "target") +
         "<figcaption>Pairs of different people within each group; whiskers: 95% confidence "
         "interval (bootstrap over people). Ratio highest/lowest: " +
         Esc(Str(demo["utkface_race_gender"]["fmr_max_min"])) + "; highest/geometric mean: " +
         Esc(Str(demo["utkface_race_gender"]["fmr_max_geomean"])) + ".</figcaption></figure>\n";
  }
  if (demo.contains("lfw_gender")) {
    h += "<figure id=\"groups-lfw-fmr\" class=\"group-bars\">" +
         GroupBars(demo["lfw_gender"], "fmr", "fmr_ci", "impostor_pairs",
                   "False match rate by gender (LFW)", "FMR", target, "target") +
         "</figure>\n<figure id=\"groups-lfw-fnmr\" class=\"group-bars\">" +
         GroupBars(demo["lfw_gender"], "fnmr", "fnmr_ci", "genuine_pairs",
                   "False non-match rate by gender (LFW)", "FNMR", 0, "") +
         "<figcaption>A group marked with few pairs cannot show a rate as small as the target; "
         "its interval says how little is known.</figcaption></figure>\n";
  }

  // Error versus reject.
  if (doc.contains("quality") && doc["quality"].contains("erc")) {
    std::vector<Series> erc;
    size_t c = 0;
    for (const auto& [name, pts] : doc["quality"]["erc"].items()) {
      erc.push_back({name, Points(pts, "reject_fraction", "fnmr"), kColors[c++ % 6]});
    }
    h += "<h2>Photo quality and errors</h2><figure id=\"erc\">" +
         LineChartSvg({"Error versus reject", "fraction of lowest-quality pairs rejected",
                       "FNMR of the rest"}, erc) +
         "<figcaption>If rejecting poor photos helps, the curve falls. A measure whose curve "
         "falls fastest is the best quality gate.</figcaption></figure>\n";
  }

  // PAD.
  if (doc.contains("pad") && doc["pad"].contains("models")) {
    std::vector<Series> pad;
    size_t c = 0;
    std::string rows;
    for (const auto& m : doc["pad"]["models"]) {
      pad.push_back({Str(m["model"]), Points(m["test_det"], "apcer_max", "bpcer"), kColors[c++ % 6]});
      rows += "<tr><td>" + Esc(Str(m["model"])) + "</td><td>" + Esc(Str(m["threshold"])) + "</td>";
      std::string ap;
      for (const auto& [type, r] : m["test"]["apcer"].items()) {
        ap += Esc(type) + ": " + Pct(Get(r, "rate")) + " (" + Esc(Str(r["presentations"])) + ") ";
      }
      rows += "<td>" + ap + "</td><td>" + Pct(Get(m["test"]["bpcer"], "rate")) + " (" +
              Esc(Str(m["test"]["bpcer"]["presentations"])) + ")</td><td>" + Esc(Str(m["verdict"])) +
              "</td></tr>";
    }
    h += "<h2>Photo attacks (liveness)</h2><figure id=\"pad\">" +
         DetPlotSvg({"PAD: live people rejected vs attacks accepted", "APCER (attacks accepted)",
                     "BPCER (live people rejected)"}, pad, {}, 1e-3, 0.9) +
         "</figure><table><tr><th>model</th><th>threshold</th><th>APCER per attack type "
         "(presentations)</th><th>BPCER (presentations)</th><th>verdict</th></tr>" + rows +
         "</table><p>Threshold chosen on subjects " + Esc(Str(doc["pad"]["tune_subjects"])) +
         ", results on the other subjects " + Esc(Str(doc["pad"]["test_subjects"])) + ".</p>\n";
  }

  // Tables and provenance.
  h += "<h2>Details</h2><table>";
  auto row = [&](const std::string& k, const std::string& v) {
    h += "<tr><th>" + Esc(k) + "</th><td>" + Esc(v) + "</td></tr>";
  };
  const json& lfw = doc.contains("lfw_protocol") ? doc["lfw_protocol"] : json::object();
  row("LFW accuracy (standard protocol)", Str(lfw.value("accuracy", json(nullptr))) + " +- " +
                                              Str(lfw.value("accuracy_std", json(nullptr))));
  row("LFW EER", Str(lfw.value("eer", json(nullptr))));
  row("LFW AUC", Str(lfw.value("auc", json(nullptr))));
  row("Estimated FMR at threshold (bootstrap 95%)", Str(doc["threshold"]["estimated_fmr"]));
  if (doc.contains("open_set")) {
    row("1:N gallery size", Str(doc["open_set"].value("gallery_size", json(nullptr))));
    row("1:N FNIR at FPIR", Str(doc["open_set"].value("fnir_at_fpir", json(nullptr))));
    row("1:N rank-1 hit rate", Str(doc["open_set"].value("rank1", json(nullptr))));
  }
  if (doc.contains("fta")) row("Failure to acquire", Str(doc["fta"]));
  h += "</table>\n<h2>Where the data came from</h2><ul>";
  if (doc.contains("datasets") && doc["datasets"].contains("provenance")) {
    for (const auto& p : doc["datasets"]["provenance"]) h += "<li>" + Esc(Str(p)) + "</li>";
  }
  h += "</ul>\n<h2>Checking this report</h2><p>The numbers above are rendered from "
       "<code>disclosure.json</code> (SHA-256 <code>" + Esc(signing.json_sha256) +
       "</code>), signed in <code>disclosure.json.sig</code> by the key <code>" +
       Esc(signing.verifier_key) + "</code>. Check with <code>facetrail note verify --key "
       "VKEY disclosure.json.sig</code> and <code>sha256sum disclosure.json</code> "
       "(docs/disclosure.md).";
  if (signing.key_generated) {
    h += " <strong>This key was generated for this run, not an agency's published key: the "
         "signature proves integrity, not who ran it.</strong>";
  }
  return h + "</p>\n</body></html>\n";
}

}  // namespace facetrail::eval
