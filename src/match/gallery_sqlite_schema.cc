#include "match/gallery_sqlite_schema.h"

#include <sodium.h>

#include <array>

#include "facetrail/encoding.h"

namespace facetrail::match {
namespace {

// Append only: each entry moves the schema from version i to i+1. Never edit a shipped one.
constexpr std::array<const char*, 1> kMigrations = {
    // 1: identities, templates bound to one model, the singleton gallery row.
    R"sql(
CREATE TABLE gallery (
  singleton   INTEGER PRIMARY KEY CHECK (singleton = 1),
  gallery_id  TEXT    NOT NULL,
  version     INTEGER NOT NULL CHECK (version >= 0),
  model_id    TEXT    NOT NULL DEFAULT '',
  dim         INTEGER NOT NULL DEFAULT 0,
  key_id      TEXT    NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
) STRICT;
CREATE TABLE identities (
  id          TEXT    PRIMARY KEY,
  record_ref  TEXT    NOT NULL DEFAULT '',
  created_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE templates (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  identity_id   TEXT    NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
  model_id      TEXT    NOT NULL,
  dim           INTEGER NOT NULL CHECK (dim > 0),
  blob          BLOB    NOT NULL,
  source_sha256 BLOB    NOT NULL CHECK (length(source_sha256) = 32),
  quality       REAL    NOT NULL,
  created_at    INTEGER NOT NULL,
  UNIQUE (identity_id, model_id, source_sha256)
) STRICT;
CREATE INDEX templates_by_model ON templates (model_id, identity_id, id);
)sql",
};

StatusOr<int> ReadSchemaVersion(SqliteDb* db) {
  FT_ASSIGN_OR_RETURN(auto probe, db->Prepare(
      "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'"));
  FT_ASSIGN_OR_RETURN(bool row, probe.Step());
  if (!row || probe.Int(0) == 0) {
    FT_ASSIGN_OR_RETURN(auto any, db->Prepare("SELECT count(*) FROM sqlite_schema"));
    FT_ASSIGN_OR_RETURN(bool r2, any.Step());
    if (r2 && any.Int(0) != 0) {
      return DataLossError("file holds tables but is not a facetrail gallery");
    }
    return 0;
  }
  FT_ASSIGN_OR_RETURN(auto q, db->Prepare("SELECT version FROM schema_version"));
  FT_ASSIGN_OR_RETURN(bool has, q.Step());
  if (!has) return DataLossError("gallery schema_version table is empty");
  return static_cast<int>(q.Int(0));
}

std::string RandomGalleryId() {
  static const int init = sodium_init();
  (void)init;
  std::string raw(16, '\0');
  randombytes_buf(raw.data(), raw.size());
  return HexEncode(raw);
}

}  // namespace

int CurrentGallerySchemaVersion() { return static_cast<int>(kMigrations.size()); }

Status MigrateGallerySchema(SqliteDb* db, int64_t now_micros, const std::string& key_id) {
  {
    // Common case first, under a read lock only, so opening a current gallery never waits
    // for (or blocks) a writer.
    FT_ASSIGN_OR_RETURN(auto read, SqliteTransaction::Begin(db, /*immediate=*/false));
    FT_ASSIGN_OR_RETURN(int current, ReadSchemaVersion(db));
    if (current == CurrentGallerySchemaVersion()) return Status::Ok();
  }
  FT_ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db, /*immediate=*/true));
  FT_ASSIGN_OR_RETURN(int version, ReadSchemaVersion(db));
  if (version > CurrentGallerySchemaVersion()) {
    return DataLossError("gallery schema version " + std::to_string(version) +
                         " is newer than this binary understands (" +
                         std::to_string(CurrentGallerySchemaVersion()) + ")");
  }
  if (version == CurrentGallerySchemaVersion()) return Status::Ok();  // txn rolls back: no-op
  const bool fresh = version == 0;
  if (fresh) {
    FT_RETURN_IF_ERROR(db->Exec("CREATE TABLE schema_version (version INTEGER NOT NULL) STRICT;"
                                "INSERT INTO schema_version VALUES (0);"));
  }
  for (int v = version; v < CurrentGallerySchemaVersion(); ++v) {
    FT_RETURN_IF_ERROR(db->Exec(kMigrations[static_cast<size_t>(v)])
                           .WithContext("gallery migration " + std::to_string(v + 1)));
  }
  FT_ASSIGN_OR_RETURN(auto set, db->Prepare("UPDATE schema_version SET version = ?1"));
  FT_RETURN_IF_ERROR(set.Bind(1, int64_t{CurrentGallerySchemaVersion()}).Run());
  if (fresh) {
    FT_ASSIGN_OR_RETURN(auto ins, db->Prepare(
        "INSERT INTO gallery (singleton, gallery_id, version, key_id, created_at) "
        "VALUES (1, ?1, 0, ?2, ?3)"));
    FT_RETURN_IF_ERROR(ins.BindText(1, RandomGalleryId()).BindText(2, key_id)
                           .Bind(3, now_micros).Run());
  }
  return txn->Commit();
}

}  // namespace facetrail::match
