// `facetrail detect IMG [--models DIR] [--min-score S]`: every face in a JPEG or PNG, most
// prominent first, with box, 6 keypoints, detector score and quality measures, as JSON on
// stdout. Exit: 0 (also when there is no face: "faces": []), 1 the image was refused
// (unsupported format, corrupt, over a limit), 2 usage, I/O or model problems.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli_vision.h"
#include "cli/command.h"

namespace facetrail::cli {
namespace {

int Detect(int argc, char** argv) {
  CLI::App app{"Detect every face in an image (JSON on stdout)", "detect"};
  std::string image, models;
  EngineOptions options;
  app.add_option("image", image, "JPEG or PNG file")->required();
  app.add_option("--models", models,
                 "models directory (default $FACETRAIL_MODELS_DIR, else the build's models/)");
  app.add_option("--min-score", options.min_detection_score, "minimum detector score 0..1")
      ->check(CLI::Range(0.0, 1.0));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  auto fail = [](const Status& s) {
    std::fprintf(stderr, "facetrail detect: %s\n", s.ToString().c_str());
    return vision_cli::ExitCodeFor(s);
  };
  options.models_dir = vision_cli::ModelsDir(models);
  auto bytes = vision_cli::ReadImageFile(image, options.max_image_bytes);
  if (!bytes.ok()) return fail(bytes.status());
  auto engine = Engine::Create(options);
  if (!engine.ok()) {
    std::fprintf(stderr, "facetrail detect: models in %s: %s\n", options.models_dir.c_str(),
                 engine.status().ToString().c_str());
    return kExitUsage;
  }
  auto faces = (*engine)->Detect(*bytes);
  if (!faces.ok()) return fail(faces.status().WithContext(image));
  nlohmann::json out = {{"image", image},
                        {"detector", (*engine)->detector().id},
                        {"faces", nlohmann::json::array()}};
  for (const Face& f : *faces) out["faces"].push_back(vision_cli::FaceJson(f));
  std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

}  // namespace

FACETRAIL_COMMAND("detect", "detect faces in an image: boxes, keypoints, quality (JSON)", Detect);

}  // namespace facetrail::cli
