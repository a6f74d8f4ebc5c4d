// `facetrail search --db FILE IMG [--top K]`: 1:N search of EVERY face in the probe image
// against the gallery. Candidates are identities scoring at or above the engine's default
// operating threshold (the threshold is printed); a face with none is reported as
// "no candidate". A candidate is an investigative lead for trained reviewers, never an
// identification. Exit: 0 searched (with or without candidates), 1 no face in the image or
// the gallery holds another model's templates, 2 usage or I/O error.
#include <cmath>
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli_gallery.h"
#include "cli/command.h"
#include "facetrail/encoding.h"
#include "facetrail/gallery.h"
#include "facetrail/matcher.h"

namespace facetrail::cli {
namespace {

constexpr int kMaxTop = 100;

int Fail(int code, const std::string& msg) {
  std::fprintf(stderr, "facetrail search: %s\n", msg.c_str());
  return code;
}

int Search(int argc, char** argv) {
  CLI::App app{"Search every face of a probe image against a gallery", "search"};
  std::string db, image, models, key_file;
  int top = 5;
  int threads = 1;
  app.add_option("--db", db, "gallery SQLite file")->required();
  app.add_option("image", image, "probe image (JPEG or PNG)")->required();
  app.add_option("--top", top, "candidates per face, at most " + std::to_string(kMaxTop))
      ->check(CLI::Range(1, kMaxTop));
  app.add_option("--threads", threads, "scan threads for large galleries")
      ->check(CLI::Range(1, 64));
  app.add_option("--models", models, "models directory (default $FACETRAIL_MODELS_DIR or the "
                                     "build's models/)");
  app.add_option("--key-file", key_file, "gallery encryption key file; default "
                                         "$FACETRAIL_GALLERY_KEY_FILE");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  auto key = ResolveGalleryKey(key_file);
  if (!key.ok()) return Fail(kExitUsage, key.status().ToString());
  auto engine = OpenEngine(ResolveModelsDir(models));
  if (!engine.ok()) return Fail(kExitUsage, engine.status().ToString());
  const ModelInfo& model = (*engine)->embedder();
  const float threshold = (*engine)->default_threshold();
  if (std::isnan(threshold)) {
    // Fail closed: without a measured operating threshold no score means "candidate".
    return Fail(kExitUsage, "embedder " + model.id + " has no measured operating threshold; "
                            "refusing to search");
  }

  GalleryOptions options;
  options.path = db;
  options.create_if_missing = false;
  options.key = *key;
  auto gallery = Gallery::OpenSqlite(options);
  if (!gallery.ok()) return Fail(kExitUsage, gallery.status().ToString());
  auto templates = (*gallery)->LoadTemplates(model.id);
  if (!templates.ok()) return Fail(ExitCodeFor(templates.status()), templates.status().ToString());
  MatcherOptions mopts;
  mopts.threads = threads;
  auto matcher = Matcher::Create(mopts, model.id, model.dim);
  if (!matcher.ok()) return Fail(kExitUsage, matcher.status().ToString());
  if (Status s = (*matcher)->Load(*templates); !s.ok()) return Fail(kExitUsage, s.ToString());

  auto bytes = ReadFileBounded(image, EngineOptions().max_image_bytes);
  if (!bytes.ok()) {
    return Fail(bytes.status().code() == StatusCode::kIOError ? kExitUsage : kExitInvalid,
                bytes.status().ToString());
  }
  auto faces = (*engine)->EmbedAll(*bytes);
  if (!faces.ok()) return Fail(kExitInvalid, image + ": " + faces.status().ToString());
  if (faces->empty()) return Fail(kExitInvalid, image + ": no face found");

  nlohmann::json faces_json = nlohmann::json::array();
  for (size_t i = 0; i < faces->size(); ++i) {
    const FaceTemplate& f = (*faces)[i];
    auto candidates = (*matcher)->Search(f.tmpl, top, threshold);
    if (!candidates.ok()) return Fail(kExitUsage, candidates.status().ToString());
    nlohmann::json list = nlohmann::json::array();
    for (const Candidate& c : *candidates) {
      nlohmann::json cj = {{"rank", c.rank}, {"identity", c.identity_id}, {"score", c.score}};
      if (auto info = (*gallery)->GetIdentity(c.identity_id); info.ok()) {
        cj["record"] = info->record_ref;
      }
      list.push_back(std::move(cj));
    }
    faces_json.push_back(
        {{"face", i},
         {"box", {f.face.box.x, f.face.box.y, f.face.box.width, f.face.box.height}},
         {"detection_score", f.face.score},
         {"inter_eye_px", f.face.quality.inter_eye_px},
         {"result", candidates->empty() ? "no candidate" : "candidates"},
         {"candidates", std::move(list)}});
  }
  nlohmann::json out = {
      {"probe", image},
      {"probe_sha256", Sha256Hex(*bytes)},
      {"model_id", model.id},
      {"threshold", threshold},
      {"top", top},
      {"gallery", db},
      {"gallery_id", templates->gallery_id},
      {"gallery_version", templates->gallery_version},
      {"gallery_identities", (*matcher)->identity_count()},
      {"gallery_templates", (*matcher)->template_count()},
      {"faces", std::move(faces_json)},
      {"note", "candidates are investigative leads for trained human review, not identifications"}};
  std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

}  // namespace

FACETRAIL_COMMAND("search", "search every face of an image against a SQLite gallery", Search);

}  // namespace facetrail::cli
