// `facetrail gallery info|list|delete|rekey|keygen`: administration of an embedded SQLite
// gallery. `keygen` writes a new template-encryption key file; `rekey` re-encrypts every
// template under a new key (or turns encryption on or off). JSON on stdout. Exit: 0 ok,
// 1 refused (unknown identity, wrong key), 2 usage or I/O error.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/cli_gallery.h"
#include "cli/command.h"
#include "facetrail/gallery.h"

namespace facetrail::cli {
namespace {

int Fail(int code, const std::string& msg) {
  std::fprintf(stderr, "facetrail gallery: %s\n", msg.c_str());
  return code;
}

StatusOr<std::unique_ptr<Gallery>> OpenExisting(const std::string& db,
                                                const std::string& key_file) {
  FT_ASSIGN_OR_RETURN(std::optional<GalleryKey> key, ResolveGalleryKey(key_file));
  GalleryOptions options;
  options.path = db;
  options.create_if_missing = false;
  options.key = std::move(key);
  return Gallery::OpenSqlite(options);
}

int Keygen(const std::string& out) {
  // O_EXCL-like: never overwrite an existing key (that would orphan a gallery).
  std::FILE* f = std::fopen(out.c_str(), "wx");
  if (f == nullptr) return Fail(kExitUsage, "cannot create " + out + " (exists?)");
  ::chmod(out.c_str(), 0600);
  std::string text = GenerateGalleryKeyFile();
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok) return Fail(kExitUsage, "cannot write " + out);
  auto key = ParseGalleryKey(text);
  nlohmann::json j = {{"key_file", out}, {"key_id", key.ok() ? key->KeyId() : ""}};
  std::printf("%s\n", j.dump(2).c_str());
  return kExitOk;
}

int Run(int argc, char** argv) {
  CLI::App app{"Administer an embedded SQLite gallery", "gallery"};
  app.require_subcommand(1);
  std::string db, key_file, new_key_file, id, after, out;
  int limit = 100;
  bool to_clear = false;
  auto add_db = [&](CLI::App* sub) {
    sub->add_option("--db", db, "gallery SQLite file")->required();
    sub->add_option("--key-file", key_file, "current encryption key file; default "
                                            "$FACETRAIL_GALLERY_KEY_FILE");
  };
  CLI::App* info = app.add_subcommand("info", "gallery id, version, model, encryption");
  add_db(info);
  CLI::App* list = app.add_subcommand("list", "identities, ordered by id");
  add_db(list);
  list->add_option("--after", after, "start after this id (paging)");
  list->add_option("--limit", limit, "at most this many")->check(CLI::Range(1, 10000));
  CLI::App* del = app.add_subcommand("delete", "delete an identity and its templates");
  add_db(del);
  del->add_option("--id", id, "identity id")->required();
  CLI::App* rekey = app.add_subcommand("rekey", "re-encrypt every template under a new key");
  add_db(rekey);
  rekey->add_option("--new-key-file", new_key_file, "the new key file");
  rekey->add_flag("--to-clear", to_clear, "store templates in clear (decrypt)");
  CLI::App* keygen = app.add_subcommand("keygen", "write a new random key file (mode 0600)");
  keygen->add_option("--out", out, "key file to create")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (keygen->parsed()) return Keygen(out);

  auto gallery = OpenExisting(db, key_file);
  if (!gallery.ok()) return Fail(kExitUsage, gallery.status().ToString());
  Gallery& g = **gallery;
  nlohmann::json j;
  if (info->parsed() || rekey->parsed()) {
    if (rekey->parsed()) {
      if (to_clear == !new_key_file.empty()) {
        return Fail(kExitUsage, "rekey needs exactly one of --new-key-file or --to-clear");
      }
      std::optional<GalleryKey> next;
      if (!to_clear) {
        auto k = ReadGalleryKeyFile(new_key_file);
        if (!k.ok()) return Fail(kExitUsage, k.status().ToString());
        next = std::move(k).value();
      }
      if (Status s = g.Rekey(next); !s.ok()) return Fail(ExitCodeFor(s), s.ToString());
    }
    auto version = g.Version();
    auto model = g.ModelId();
    auto key_id = g.EncryptionKeyId();
    if (!version.ok() || !model.ok() || !key_id.ok()) {
      return Fail(kExitUsage, "cannot read gallery state");
    }
    j = {{"gallery", db},         {"gallery_id", g.gallery_id()}, {"gallery_version", *version},
         {"model_id", *model},    {"encrypted", !key_id->empty()}, {"key_id", *key_id}};
  } else if (list->parsed()) {
    auto ids = g.ListIdentities(after, limit);
    if (!ids.ok()) return Fail(ExitCodeFor(ids.status()), ids.status().ToString());
    j = {{"gallery_id", g.gallery_id()}, {"identities", nlohmann::json::array()}};
    for (const IdentityInfo& i : *ids) {
      j["identities"].push_back({{"id", i.id},
                                 {"record", i.record_ref},
                                 {"templates", i.template_count},
                                 {"created_at_micros", i.created_at_micros}});
    }
  } else if (del->parsed()) {
    auto version = g.DeleteIdentity(id);
    if (!version.ok()) return Fail(ExitCodeFor(version.status()), version.status().ToString());
    j = {{"deleted", id}, {"gallery_id", g.gallery_id()}, {"gallery_version", *version}};
  }
  std::printf("%s\n", j.dump(2).c_str());
  return kExitOk;
}

}  // namespace

FACETRAIL_COMMAND("gallery", "administer a SQLite gallery: info, list, delete, rekey, keygen",
                  Run);

}  // namespace facetrail::cli
