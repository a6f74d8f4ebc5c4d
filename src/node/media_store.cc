#include "node/media_store.h"

#include "core/thread_annotations.h"
#include "core/sqlite_db.h"

namespace facetrail::node {
namespace {


class SqliteMediaStore final : public MediaStore {
 public:
  explicit SqliteMediaStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}

  Status Put(std::string_view kind, std::string_view key, std::string_view bytes,
             int64_t delete_after) override {
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
        "INSERT OR REPLACE INTO media (kind, key, bytes, delete_after) VALUES (?, ?, ?, ?)"));
    q.BindText(1, kind).BindText(2, key).BindBlob(3, bytes).Bind(4, delete_after);
    return q.Run();
  }

  StatusOr<std::string> Get(std::string_view kind, std::string_view key) override {
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT bytes FROM media WHERE kind = ? AND key = ?"));
    q.BindText(1, kind).BindText(2, key);
    FT_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) return NotFoundError("no stored " + std::string(kind) + " image for " + std::string(key));
    return std::string(q.Blob(0));
  }

  Status Delete(std::string_view kind, std::string_view key) override {
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare("DELETE FROM media WHERE kind = ? AND key = ?"));
    q.BindText(1, kind).BindText(2, key);
    return q.Run();
  }

  Status SetExpiry(std::string_view kind, std::string_view key, int64_t delete_after) override {
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
        "UPDATE media SET delete_after = ? WHERE kind = ? AND key = ?"));
    q.Bind(1, delete_after).BindText(2, kind).BindText(3, key);
    return q.Run();
  }

  StatusOr<int64_t> Purge(int64_t now_seconds) override {
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
        "DELETE FROM media WHERE delete_after > 0 AND delete_after <= ?"));
    q.Bind(1, now_seconds);
    FT_RETURN_IF_ERROR(q.Run());
    return static_cast<int64_t>(sqlite3_changes(db_->raw()));
  }

 private:
  Mutex mu_;
  std::unique_ptr<SqliteDb> db_ PT_GUARDED_BY(mu_);
};

}  // namespace

StatusOr<std::unique_ptr<MediaStore>> MediaStore::Open(const std::string& path) {
  FT_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, /*create=*/true, /*busy_timeout_ms=*/5000));
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));
  // secure_delete overwrites deleted content, so a purged image is gone from the file.
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA secure_delete=ON"));
  FT_RETURN_IF_ERROR(db->Exec(
      "CREATE TABLE IF NOT EXISTS media (kind TEXT NOT NULL, key TEXT NOT NULL, "
      "bytes BLOB NOT NULL, delete_after INTEGER NOT NULL, PRIMARY KEY (kind, key))"));
  return std::unique_ptr<MediaStore>(new SqliteMediaStore(std::move(db)));
}

}  // namespace facetrail::node
