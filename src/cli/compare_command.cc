// `facetrail compare IMG_A IMG_B [--models DIR]`: 1:1 comparison of the most prominent face
// of each image with the engine's default embedder and its measured operating threshold.
// JSON on stdout: {"score", "same", "threshold", "model", "estimated_fmr", "face_a",
// "face_b"}. estimated_fmr (with its 95% interval) comes from the model's calibration table
// (calibration/<embedder>.json, docs/evaluation.md): the measured share of comparisons of
// two different people that score at least this high; null when no table matches the model.
// Exit: 0 same person at the threshold, 1 different (or an image was refused: no face,
// unsupported, corrupt), 2 usage, I/O or model problems (including an embedder without a
// measured threshold: no decision is made then).
#include <cmath>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli_vision.h"
#include "cli/command.h"
#include "facetrail/calibration.h"

namespace facetrail::cli {
namespace {

int Compare(int argc, char** argv) {
  CLI::App app{"Compare the most prominent faces of two images (JSON on stdout)", "compare"};
  std::string image_a, image_b, models;
  app.add_option("image_a", image_a, "JPEG or PNG file")->required();
  app.add_option("image_b", image_b, "JPEG or PNG file")->required();
  app.add_option("--models", models,
                 "models directory (default $FACETRAIL_MODELS_DIR, else the build's models/)");
  std::string calibration_path;
  app.add_option("--calibration", calibration_path,
                 "score calibration JSON (default calibration/<embedder>.json)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "facetrail compare: %s\n", s.ToString().c_str());
    return vision_cli::ExitCodeFor(s);
  };
  EngineOptions options;
  options.models_dir = vision_cli::ModelsDir(models);
  auto bytes_a = vision_cli::ReadImageFile(image_a, options.max_image_bytes);
  if (!bytes_a.ok()) return fail(bytes_a.status());
  auto bytes_b = vision_cli::ReadImageFile(image_b, options.max_image_bytes);
  if (!bytes_b.ok()) return fail(bytes_b.status());
  auto engine = Engine::Create(options);
  if (!engine.ok()) {
    std::fprintf(stderr, "facetrail compare: models in %s: %s\n", options.models_dir.c_str(),
                 engine.status().ToString().c_str());
    return kExitUsage;
  }
  const float threshold = (*engine)->default_threshold();
  if (!std::isfinite(threshold)) {
    std::fprintf(stderr,
                 "facetrail compare: embedder %s has no measured operating threshold "
                 "(see docs/vision.md); refusing to decide\n",
                 (*engine)->embedder().id.c_str());
    return kExitUsage;
  }
  auto a = (*engine)->EmbedProminent(*bytes_a);
  if (!a.ok()) return fail(a.status().WithContext(image_a));
  auto b = (*engine)->EmbedProminent(*bytes_b);
  if (!b.ok()) return fail(b.status().WithContext(image_b));
  auto score = CompareTemplates(a->tmpl, b->tmpl);
  if (!score.ok()) return fail(score.status());
  const bool same = *score >= threshold;
  nlohmann::json out = {{"score", *score},
                        {"same", same},
                        {"threshold", threshold},
                        {"model", (*engine)->embedder().id},
                        {"estimated_fmr", nullptr},
                        {"face_a", vision_cli::FaceJson(a->face)},
                        {"face_b", vision_cli::FaceJson(b->face)}};
  if (calibration_path.empty()) {
    calibration_path = std::string(FACETRAIL_SOURCE_DIR) + "/calibration/" +
                       (*engine)->embedder().name + ".json";
  }
  auto calibration = Calibration::Load(calibration_path);
  if (calibration.ok() && calibration->model_id() == (*engine)->embedder().id) {
    FmrEstimate e = calibration->ScoreToFmr(*score);
    out["estimated_fmr"] = e.fmr;
    out["estimated_fmr_ci"] = {e.low, e.high};
    out["estimated_fmr_beyond_table"] = e.beyond_table;
  } else {
    // A table for another model would mislead: say why there is no estimate.
    out["estimated_fmr_note"] = calibration.ok() ? "calibration is for " + calibration->model_id()
                                                 : calibration.status().ToString();
  }
  std::printf("%s\n", out.dump(2).c_str());
  return same ? kExitOk : kExitInvalid;
}

}  // namespace

FACETRAIL_COMMAND("compare", "compare the main faces of two images: score, same, threshold",
                  Compare);

}  // namespace facetrail::cli
