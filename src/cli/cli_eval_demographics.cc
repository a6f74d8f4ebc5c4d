// `facetrail eval demographics` (per-group FMR/FNMR at one global threshold) and
// `facetrail eval quality` (error-versus-reject curves per quality measure, and FTA).
#include <algorithm>
#include <cstdio>
#include <regex>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/eval_cli_common.h"
#include "eval/all_pairs.h"
#include "eval/csv.h"
#include "eval/demographics.h"
#include "eval/image_sets.h"
#include "eval/json_report.h"
#include "eval/pairs_eval.h"
#include "eval/pairs_run.h"
#include "eval/quality_eval.h"
#include "facetrail/calibration.h"

namespace facetrail::cli {
namespace {

// The one global threshold: an explicit one, else the calibration's for the target FMR,
// else the target FMR's threshold on `pooled` (this data's own impostors).
struct ThresholdChoice {
  double value = 0;
  std::string source;
};
StatusOr<ThresholdChoice> ChooseThreshold(double explicit_t, bool has_explicit, double target,
                                          const std::string& calibration_path, const Engine& engine,
                                          const std::function<StatusOr<double>()>& pooled) {
  if (has_explicit) return ThresholdChoice{explicit_t, "given (--threshold)"};
  std::string path = calibration_path.empty() ? DefaultCalibrationPath(engine.embedder().name) : calibration_path;
  auto cal = Calibration::Load(path);
  if (cal.ok() && cal->model_id() == engine.embedder().id) {
    auto t = cal->ThresholdForFmr(target);
    if (t.ok()) return ThresholdChoice{*t, "calibration " + path};
  }
  FT_ASSIGN_OR_RETURN(double t, pooled());
  return ThresholdChoice{t, "this data's impostor pairs, all groups pooled (no usable calibration at " + path + ")"};
}

int RunDemographics(int argc, char** argv) {
  CLI::App app{"Per-group FMR and FNMR at one global threshold, with max/min and max/geomean "
               "ratios and identity-bootstrap intervals"};
  app.name("facetrail eval demographics");
  std::string images, labels, group_by, json_out, calibration;
  double target = 1e-3, threshold = 0;
  bool distinct = false;
  EvalEngineFlags flags;
  app.add_option("--images", images, "image folder")->required();
  app.add_option("--labels", labels, "CSV with an image column and label columns")->required();
  app.add_option("--group-by", group_by, "label column(s), comma-separated")->required();
  app.add_option("--target-fmr", target, "global threshold at this FMR (default 1e-3)");
  auto* thr = app.add_option("--threshold", threshold, "global threshold as a score (overrides --target-fmr)");
  app.add_option("--calibration", calibration, "calibration file (default calibration/<embedder>.json)");
  app.add_flag("--each-image-distinct", distinct, "treat every image as a different person");
  app.add_option("--json", json_out, "also write the report to this file");
  AddEngineFlags(&app, &flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  auto text = Env::Default()->ReadFileToString(labels, 64 << 20);
  if (!text.ok()) return ReportError("eval demographics", text.status());
  auto table = eval::ParseCsv(*text);
  if (!table.ok()) return ReportError("eval demographics: " + labels, table.status());
  auto image_col = table->Column("image");
  if (!image_col) return ReportError("eval demographics", InvalidArgumentError(labels + " has no image column"));
  std::vector<size_t> cols;
  for (size_t start = 0; start <= group_by.size();) {
    size_t comma = std::min(group_by.find(',', start), group_by.size());
    std::string name = group_by.substr(start, comma - start);
    auto c = table->Column(name);
    if (!c) return ReportError("eval demographics", InvalidArgumentError("no column '" + name + "' in " + labels));
    cols.push_back(*c);
    start = comma + 1;
  }
  // Identities: an identity column, else LFW-style names (Name_0001.jpg), else one per image.
  auto id_col = table->Column("identity");
  static const std::regex kLfwName(R"(^.+_[0-9]{4}\.(jpg|jpeg|png)$)", std::regex::icase);
  bool lfw_names = !distinct && !id_col;
  for (const auto& row : table->rows) lfw_names = lfw_names && std::regex_match(row[*image_col], kLfwName);
  std::string identity_source = distinct ? "each image a distinct person (--each-image-distinct)"
                                : id_col ? "identity column"
                                : lfw_names ? "file names (Name_NNNN)"
                                            : "each image a distinct person (no identity labels)";
  auto engine = MakeEngine(flags);
  if (!engine.ok()) return ReportError("eval demographics", engine.status());
  eval::DemographicsInput in;
  std::vector<std::string> paths;
  for (const auto& row : table->rows) {
    paths.push_back(JoinPath(images, row[*image_col]));
    std::string g;
    for (size_t c : cols) {
      if (row[c].empty()) {
        g.clear();
        break;
      }
      g += (g.empty() ? "" : "/") + row[c];
    }
    in.group.push_back(g);
    in.identity.push_back(!distinct && id_col    ? row[*id_col]
                          : lfw_names ? eval::IdentityFromFileName(row[*image_col])
                                      : row[*image_col]);
  }
  EvalSession session(flags, **engine, "embedding");
  in.outcomes = eval::EmbedImages(**engine, paths, session.embed_options());
  session.Finish();
  in.threads = flags.threads;
  auto choice = ChooseThreshold(threshold, thr->count() > 0, target, calibration, **engine, [&]() -> StatusOr<double> {
    std::vector<size_t> labelled;
    std::vector<eval::ImageOutcome> sub;
    std::vector<std::string> ids;
    for (size_t i = 0; i < in.outcomes.size(); ++i) {
      if (in.group[i].empty()) continue;
      sub.push_back(in.outcomes[i]);
      ids.push_back(in.identity[i]);
    }
    FT_ASSIGN_OR_RETURN(auto m, eval::StackTemplates(sub, eval::FirstAcquiredPerIdentity(sub, ids)));
    std::vector<uint32_t> rows(m.rows);
    for (uint32_t i = 0; i < m.rows; ++i) rows[i] = i;
    FT_ASSIGN_OR_RETURN(auto d, eval::AllPairsImpostorScores(m, rows));
    return d.ThresholdForFmr(target);
  });
  if (!choice.ok()) return ReportError("eval demographics", choice.status());
  in.threshold = choice->value;
  if (thr->count() == 0) in.target_fmr = target;
  auto report = eval::ComputeDemographics(in);
  if (!report.ok()) return ReportError("eval demographics", report.status());
  nlohmann::json doc = eval::ToJson(*report);
  doc["model"] = (*engine)->embedder().id;
  doc["threshold_source"] = choice->source;
  doc["identity_source"] = identity_source;
  doc["group_by"] = group_by;
  doc["images"] = in.outcomes.size();
  doc["images_failed"] = eval::CountFailures(in.outcomes);
  return EmitJson(doc, json_out);
}

int RunQuality(int argc, char** argv) {
  CLI::App app{"Error-versus-reject curves (FNMR after discarding the lowest-quality genuine pairs) "
               "for every quality measure, and the FTA rate"};
  app.name("facetrail eval quality");
  std::string pairs_csv, images, json_out, calibration;
  double target = 1e-3, threshold = 0;
  EvalEngineFlags flags;
  app.add_option("--pairs", pairs_csv, "CSV with image_a,image_b,same[,fold]")->required();
  app.add_option("--images", images, "image folder")->required();
  app.add_option("--target-fmr", target, "threshold at this FMR (default 1e-3)");
  auto* thr = app.add_option("--threshold", threshold, "threshold as a score");
  app.add_option("--calibration", calibration, "calibration file (default calibration/<embedder>.json)");
  app.add_option("--json", json_out, "also write the report to this file");
  AddEngineFlags(&app, &flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  auto text = Env::Default()->ReadFileToString(pairs_csv, 64 << 20);
  if (!text.ok()) return ReportError("eval quality", text.status());
  auto pairs = eval::ParsePairsCsv(*text);
  if (!pairs.ok()) return ReportError("eval quality: " + pairs_csv, pairs.status());
  auto engine = MakeEngine(flags);
  if (!engine.ok()) return ReportError("eval quality", engine.status());
  std::map<std::string, size_t> index;
  std::vector<std::string> paths;
  for (const auto& p : *pairs) {
    for (const std::string* n : {&p.image_a, &p.image_b}) {
      if (index.emplace(*n, paths.size()).second) paths.push_back(JoinPath(images, *n));
    }
  }
  EvalSession session(flags, **engine, "embedding");
  auto outcomes = eval::EmbedImages(**engine, paths, session.embed_options());
  session.Finish();
  std::vector<float> genuine, impostor;
  std::vector<std::pair<size_t, size_t>> genuine_images;
  int64_t genuine_with_fta = 0;
  for (const auto& p : *pairs) {
    const auto& a = outcomes[index[p.image_a]];
    const auto& b = outcomes[index[p.image_b]];
    auto s = eval::ScoreOutcomes(a, b);
    if (!s.ok()) return ReportError("eval quality", s.status());
    if (!p.same) {
      impostor.push_back(*s);
    } else if (!a.acquired() || !b.acquired()) {
      ++genuine_with_fta;
    } else {
      genuine.push_back(*s);
      genuine_images.emplace_back(index[p.image_a], index[p.image_b]);
    }
  }
  auto choice = ChooseThreshold(threshold, thr->count() > 0, target, calibration, **engine, [&]() -> StatusOr<double> {
    return eval::TarAtFarPoint(eval::ScoreSets({}, impostor), target).threshold;
  });
  if (!choice.ok()) return ReportError("eval quality", choice.status());
  const std::vector<double> fractions = {0, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3};
  nlohmann::json measures = nlohmann::json::array();
  for (const auto& m : eval::QualityMeasures()) {
    std::vector<double> q;
    for (auto [x, y] : genuine_images) {
      const Face& fa = outcomes[x].face.face;
      const Face& fb = outcomes[y].face.face;
      q.push_back(std::min(m.value(fa.quality, fa.score), m.value(fb.quality, fb.score)));
    }
    measures.push_back({{"name", m.name},
                        {"direction", m.direction},
                        {"erc", eval::ToJson(eval::ErrorVersusReject(genuine, q, choice->value, fractions))}});
  }
  const int64_t failed = eval::CountFailures(outcomes);
  nlohmann::json doc = {{"model", (*engine)->embedder().id},
                        {"threshold", choice->value},
                        {"threshold_source", choice->source},
                        {"target_fmr", thr->count() > 0 ? nlohmann::json(nullptr) : nlohmann::json(target)},
                        {"images", outcomes.size()},
                        {"images_failed", failed},
                        {"fta", eval::FailureToAcquireRate(failed, static_cast<int64_t>(outcomes.size()))},
                        {"genuine_pairs", genuine.size()},
                        {"genuine_pairs_with_fta", genuine_with_fta},
                        {"pair_quality", "the lower of the two images' values"},
                        {"measures", measures}};
  return EmitJson(doc, json_out);
}

const EvalSubcommandRegistrar kDemographics("demographics",
                                            "per-group FMR/FNMR at one global threshold, ratios, CIs",
                                            RunDemographics);
const EvalSubcommandRegistrar kQuality("quality", "error-versus-reject curves per quality measure, FTA",
                                       RunQuality);

}  // namespace
}  // namespace facetrail::cli
