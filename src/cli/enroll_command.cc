// `facetrail enroll --db FILE --id ID [--record REF] IMG...`: enrols the most prominent
// face of each image as a template of identity ID in an embedded SQLite gallery (created
// if missing). All images or none: if one image has no face or cannot be read, nothing is
// enrolled. JSON result on stdout; errors on stderr. Exit: 0 enrolled, 1 an input was
// refused (no face, bad id, other model, duplicate image), 2 usage or I/O error.
#include <cstdio>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli_gallery.h"
#include "cli/command.h"
#include "facetrail/encoding.h"
#include "facetrail/gallery.h"

namespace facetrail::cli {
namespace {

constexpr size_t kMaxImagesPerEnrolment = 64;

int Fail(int code, const std::string& msg) {
  std::fprintf(stderr, "facetrail enroll: %s\n", msg.c_str());
  return code;
}

nlohmann::json FaceJson(const Face& f) {
  return {{"box", {f.box.x, f.box.y, f.box.width, f.box.height}},
          {"detection_score", f.score},
          {"quality",
           {{"inter_eye_px", f.quality.inter_eye_px},
            {"sharpness", f.quality.sharpness},
            {"exposure", f.quality.exposure},
            {"contrast", f.quality.contrast},
            {"yaw_deg", f.quality.yaw_deg},
            {"roll_deg", f.quality.roll_deg}}}};
}

int Enroll(int argc, char** argv) {
  CLI::App app{"Enrol the most prominent face of each image as identity ID", "enroll"};
  std::string db, id, record, models, key_file;
  std::vector<std::string> images;
  app.add_option("--db", db, "gallery SQLite file (created if missing)")->required();
  app.add_option("--id", id, "identity id: 1-128 of [A-Za-z0-9._:@-]")->required();
  app.add_option("--record", record, "record reference in the agency's system (optional)");
  app.add_option("--models", models, "models directory (default $FACETRAIL_MODELS_DIR or the "
                                     "build's models/)");
  app.add_option("--key-file", key_file, "gallery encryption key file (64 hex digits); "
                                         "default $FACETRAIL_GALLERY_KEY_FILE");
  app.add_option("images", images, "face images (JPEG or PNG)")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (Status s = ValidateIdentityId(id); !s.ok()) return Fail(kExitUsage, s.message());
  if (Status s = ValidateRecordRef(record); !s.ok()) return Fail(kExitUsage, s.message());
  if (images.size() > kMaxImagesPerEnrolment) {
    return Fail(kExitUsage, "at most " + std::to_string(kMaxImagesPerEnrolment) +
                                " images per enrolment");
  }

  auto key = ResolveGalleryKey(key_file);
  if (!key.ok()) return Fail(kExitUsage, key.status().ToString());
  auto engine = OpenEngine(ResolveModelsDir(models));
  if (!engine.ok()) return Fail(kExitUsage, engine.status().ToString());
  const std::string model_id = (*engine)->embedder().id;

  // Embed every image before touching the gallery: an enrolment is all or nothing.
  std::vector<EnrolTemplate> templates;
  nlohmann::json per_image = nlohmann::json::array();
  for (const std::string& path : images) {
    auto bytes = ReadFileBounded(path, EngineOptions().max_image_bytes);
    if (!bytes.ok()) {
      return Fail(bytes.status().code() == StatusCode::kIOError ? kExitUsage : kExitInvalid,
                  bytes.status().ToString());
    }
    auto face = (*engine)->EmbedProminent(*bytes);
    if (!face.ok()) {
      return Fail(face.status().code() == StatusCode::kIOError ? kExitUsage : kExitInvalid,
                  path + ": " + face.status().ToString() + " (nothing enrolled)");
    }
    EnrolTemplate t;
    t.tmpl = face->tmpl;
    t.source_sha256 = Sha256(*bytes);
    // The stored quality is the detector's confidence; the full measures are in the JSON.
    t.quality = face->face.score;
    per_image.push_back({{"image", path},
                         {"sha256", HexEncode(AsStringView(t.source_sha256))},
                         {"face", FaceJson(face->face)}});
    templates.push_back(std::move(t));
  }

  GalleryOptions options;
  options.path = db;
  options.model_id = model_id;
  options.key = *key;
  auto gallery = Gallery::OpenSqlite(options);
  if (!gallery.ok()) {
    return Fail(gallery.status().code() == StatusCode::kFailedPrecondition ? kExitInvalid
                                                                           : kExitUsage,
                gallery.status().ToString());
  }
  auto result = (*gallery)->Enrol(id, record, templates);
  if (!result.ok()) {
    return Fail(ExitCodeFor(result.status()), result.status().ToString() + " (nothing enrolled)");
  }
  for (size_t i = 0; i < per_image.size(); ++i) {
    per_image[i]["template_id"] = result->template_ids[i];
  }
  auto encryption = (*gallery)->EncryptionKeyId();
  nlohmann::json out = {{"identity", id},
                        {"record", record},
                        {"identity_created", result->identity_created},
                        {"templates", per_image},
                        {"model_id", model_id},
                        {"gallery", db},
                        {"gallery_id", (*gallery)->gallery_id()},
                        {"gallery_version", result->gallery_version},
                        {"encrypted", encryption.ok() && !encryption->empty()}};
  std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

}  // namespace

FACETRAIL_COMMAND("enroll", "enrol face images as an identity in a SQLite gallery", Enroll);

}  // namespace facetrail::cli
