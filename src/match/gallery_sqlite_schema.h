// Gallery schema and its migrations (documented in docs/gallery.md).
//
// The schema_version table holds one row: the number of migrations applied. Opening a
// gallery applies the missing migrations in one transaction, so a crash mid-migration
// leaves the previous version intact. A file whose version is newer than this binary's is
// refused rather than guessed at.
//
// Thread-safety: call with exclusive use of the connection.
#ifndef FACETRAIL_MATCH_GALLERY_SQLITE_SCHEMA_H_
#define FACETRAIL_MATCH_GALLERY_SQLITE_SCHEMA_H_

#include <cstdint>
#include <string>

#include "facetrail/clock.h"
#include "facetrail/status.h"
#include "core/sqlite_db.h"

namespace facetrail::match {

// Number of migrations this binary knows; the schema version of a fully migrated file.
int CurrentGallerySchemaVersion();

// Brings the database to the current schema. A fresh database gets a new random
// gallery_id, version 0, and `key_id` as its encryption key id ("" = clear). kDataLoss if
// the file holds a newer schema or is not a facetrail gallery.
Status MigrateGallerySchema(SqliteDb* db, int64_t now_micros, const std::string& key_id);

}  // namespace facetrail::match

#endif  // FACETRAIL_MATCH_GALLERY_SQLITE_SCHEMA_H_
