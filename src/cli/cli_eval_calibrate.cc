// `facetrail eval calibrate` (score -> FMR table from all cross-identity pairs of one image
// per identity over lfw-dev + utkface-dev, with a hold-out check) and `facetrail eval
// search` (open-set 1:N on an LFW-style folder, checked against the calibration's
// FPIR ~= N x FMR thresholds).
#include <cmath>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/eval_cli_common.h"
#include "eval/calibration_fit.h"
#include "eval/image_sets.h"
#include "eval/json_report.h"
#include "eval/pairs_eval.h"
#include "eval/search_eval.h"
#include "facetrail/calibration.h"

namespace facetrail::cli {
namespace {

struct Folder {
  std::vector<std::string> names;
  std::vector<std::string> identity;
  std::vector<eval::ImageOutcome> outcomes;
};

// Embeds every image of dir. Identities from LFW-style names, or one per image
// (prefixed, so two folders never share an identity).
StatusOr<Folder> EmbedFolder(const Engine& engine, EvalSession* session, const std::string& dir,
                             bool identity_from_name, const std::string& prefix) {
  Folder f;
  FT_ASSIGN_OR_RETURN(f.names, eval::ListImageFiles(Env::Default(), dir));
  if (f.names.empty()) return NotFoundError("no .jpg/.png images in " + dir);
  std::vector<std::string> paths;
  for (const auto& n : f.names) {
    paths.push_back(JoinPath(dir, n));
    f.identity.push_back(prefix + (identity_from_name ? eval::IdentityFromFileName(n) : n));
  }
  f.outcomes = eval::EmbedImages(engine, paths, session->embed_options());
  session->Finish();
  return f;
}

int RunCalibrate(int argc, char** argv) {
  CLI::App app{"Fit the score -> FMR calibration table from all cross-identity pairs of one "
               "image per identity (lfw-dev + utkface-dev), and check it on held-out identities"};
  app.name("facetrail eval calibrate");
  std::string data = DefaultDataDir(), out, json_out;
  uint64_t seed = 20261127;
  EvalEngineFlags flags;
  app.add_option("--data", data, "data folder holding lfw-dev/ and utkface-dev/");
  app.add_option("--out", out, "calibration file (default calibration/<embedder>.json in the source tree)");
  app.add_option("--json", json_out, "also write the report to this file");
  app.add_option("--seed", seed, "seed of the hold-out split and the bootstrap");
  AddEngineFlags(&app, &flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  auto engine = MakeEngine(flags);
  if (!engine.ok()) return ReportError("eval calibrate", engine.status());
  if (out.empty()) out = DefaultCalibrationPath((*engine)->embedder().name);
  EvalSession lfw_session(flags, **engine, "lfw-dev");
  auto lfw = EmbedFolder(**engine, &lfw_session, data + "/lfw-dev/images", true, "lfw:");
  if (!lfw.ok()) return ReportError("eval calibrate", lfw.status());
  EvalSession utk_session(flags, **engine, "utkface-dev");
  auto utk = EmbedFolder(**engine, &utk_session, data + "/utkface-dev/images", false, "utk:");
  if (!utk.ok()) return ReportError("eval calibrate", utk.status());

  // One image per identity: LFW's first acquired image, every acquired UTKFace image.
  std::vector<eval::ImageOutcome> all = lfw->outcomes;
  all.insert(all.end(), utk->outcomes.begin(), utk->outcomes.end());
  std::vector<std::string> ids = lfw->identity;
  ids.insert(ids.end(), utk->identity.begin(), utk->identity.end());
  std::vector<size_t> chosen = eval::FirstAcquiredPerIdentity(all, ids);
  auto matrix = eval::StackTemplates(all, chosen);
  if (!matrix.ok()) return ReportError("eval calibrate", matrix.status());
  std::vector<uint32_t> row_ids(matrix->rows);
  for (uint32_t i = 0; i < row_ids.size(); ++i) row_ids[i] = i;
  eval::AllPairsOptions ap;
  ap.threads = flags.threads;
  auto dist = eval::AllPairsImpostorScores(*matrix, row_ids, ap);
  if (!dist.ok()) return ReportError("eval calibrate", dist.status());
  eval::BootstrapOptions bo;
  bo.seed = seed;
  nlohmann::json provenance = {
      {"data", {"lfw-dev/images (first image per identity)", "utkface-dev/images (each image one person)"}},
      {"lfw_images", lfw->names.size()},
      {"lfw_fta", eval::CountFailures(lfw->outcomes)},
      {"utkface_images", utk->names.size()},
      {"utkface_fta", eval::CountFailures(utk->outcomes)},
      {"detector", (*engine)->prominent_path_id()}};
  nlohmann::json cal = eval::BuildCalibrationJson(*dist, matrix->rows, (*engine)->embedder().id, provenance, bo);
  Status s = Env::Default()->WriteStringToFileSync(out, eval::Dump(cal));
  if (!s.ok()) return ReportError("eval calibrate: writing " + out, s);

  auto holdout = eval::CheckCalibrationOnHeldOut(*matrix, {1e-3, 1e-4}, seed, flags.threads);
  if (!holdout.ok()) return ReportError("eval calibrate: hold-out", holdout.status());
  nlohmann::json checks = nlohmann::json::array();
  for (const auto& h : *holdout) checks.push_back(eval::ToJson(h));
  nlohmann::json report = {{"calibration_file", out},
                           {"model", (*engine)->embedder().id},
                           {"identities", matrix->rows},
                           {"impostor_pairs", dist->count()},
                           {"decades", cal["decades"]},
                           {"holdout", {{"method", "identities split in two halves by a seeded shuffle; "
                                                   "threshold fitted on one half, FMR measured on the "
                                                   "other half's pairs; within_ci: measured inside the "
                                                   "fit's 95% identity-bootstrap interval"},
                                        {"seed", seed},
                                        {"checks", checks}}}};
  return EmitJson(report, json_out);
}

int RunSearch(int argc, char** argv) {
  CLI::App app{"Open-set 1:N on an LFW-style folder: gallery of one image per identity, probes of "
               "enrolled and never-enrolled people; FNIR at FPIR, rank-k"};
  app.name("facetrail eval search");
  std::string images, json_out, calibration;
  size_t gallery_size = 1000;
  uint64_t seed = 20261127;
  EvalEngineFlags flags;
  app.add_option("--images", images, "folder of Name_NNNN.jpg images")->required();
  app.add_option("--gallery-size", gallery_size, "identities enrolled (default 1000)");
  app.add_option("--seed", seed, "seed of the gallery draw");
  app.add_option("--calibration", calibration, "calibration file (default calibration/<embedder>.json)");
  app.add_option("--json", json_out, "also write the report to this file");
  AddEngineFlags(&app, &flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  auto engine = MakeEngine(flags);
  if (!engine.ok()) return ReportError("eval search", engine.status());
  EvalSession session(flags, **engine, "embedding");
  auto folder = EmbedFolder(**engine, &session, images, true, "");
  if (!folder.ok()) return ReportError("eval search", folder.status());
  auto run = eval::RunOpenSet(folder->outcomes, folder->identity, gallery_size, seed);
  if (!run.ok()) return ReportError("eval search", run.status());
  nlohmann::json fnir = nlohmann::json::object();
  for (double f : {1e-2, 1e-3}) {
    auto p = eval::FnirAtFpirPoint(run->searches, f);
    fnir[eval::RateKey(f)] = eval::ToJson(p);
  }
  nlohmann::json doc = {
      {"model", (*engine)->embedder().id},
      {"gallery_size", run->gallery_size},
      {"mated_searches", run->mated_searches},
      {"non_mated_searches", run->non_mated_searches},
      {"probe_fta", run->probe_fta},
      {"seed", seed},
      {"fnir_at_fpir", fnir},
      {"rank1", eval::RankHitRate(run->searches, 1)},
      {"rank5", eval::RankHitRate(run->searches, 5)},
      {"rank10", eval::RankHitRate(run->searches, 10)},
      {"definitions", "FPIR: non-mated searches whose best score >= threshold; FNIR: mated searches "
                      "whose mate is not rank 1 with score >= threshold; FTA probes count as returning "
                      "nothing"}};
  // FPIR ~= N x FMR: thresholds from the calibration for this gallery size, measured here.
  if (calibration.empty()) calibration = DefaultCalibrationPath((*engine)->embedder().name);
  auto cal = Calibration::Load(calibration);
  if (cal.ok() && cal->model_id() == (*engine)->embedder().id) {
    nlohmann::json checks = nlohmann::json::object();
    for (double f : {1e-1, 1e-2, 1e-3}) {
      auto t = cal->ThresholdForFpir(f, static_cast<int64_t>(run->gallery_size));
      if (!t.ok()) {
        checks[eval::RateKey(f)] = {{"error", t.status().ToString()}};
        continue;
      }
      auto at = eval::OpenSetAt(run->searches, *t);
      auto ci = eval::ClopperPearson(static_cast<int64_t>(std::llround(at.fpir * at.non_mated_searches)),
                                     at.non_mated_searches);
      checks[eval::RateKey(f)] = {{"target_fpir", f},
                                  {"fmr_used", f / static_cast<double>(run->gallery_size)},
                                  {"threshold", *t},
                                  {"measured_fpir", at.fpir},
                                  {"measured_fpir_ci", eval::ToJson(ci)},
                                  {"fnir", at.fnir}};
    }
    doc["calibrated_thresholds"] = {{"calibration_file", calibration}, {"checks", checks}};
  } else {
    doc["calibrated_thresholds"] = {{"calibration_file", calibration},
                                    {"error", cal.ok() ? "calibration is for another model"
                                                       : cal.status().ToString()}};
  }
  return EmitJson(doc, json_out);
}

const EvalSubcommandRegistrar kCalibrate("calibrate", "score -> FMR calibration table with hold-out check",
                                         RunCalibrate);
const EvalSubcommandRegistrar kSearch("search", "open-set 1:N: FNIR at FPIR, rank-k, calibrated thresholds",
                                      RunSearch);

}  // namespace
}  // namespace facetrail::cli
