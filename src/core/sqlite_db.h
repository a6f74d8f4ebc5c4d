// Thin RAII adapter over the SQLite C API: a connection and prepared statements with
// bound parameters, every failure turned into a Status. Only parameterised SQL goes through
// here; values from users are always bound, never spliced into SQL text. Used by every
// SQLite-backed store (gallery, node users/leads/media/index, hub).
//
// Prepared statements are cached per connection: Prepare() hands out a cached statement for
// the same SQL text when one is free, and a SqliteStmt going out of scope resets it (ending
// any read it had open), clears its bindings and returns it to the cache. Preparing the
// same few statements on every request cost more than running them (docs/benchmarks.md,
// "Node API").
//
// Thread-safety: none. A SqliteDb and its statements belong to one thread at a time (each
// store serialises access with its own mutex). A SqliteStmt must not outlive its SqliteDb.
#ifndef FACETRAIL_CORE_SQLITE_DB_H_
#define FACETRAIL_CORE_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/status.h"

namespace facetrail {

class SqliteDb;

class SqliteStmt {
 public:
  SqliteStmt(SqliteStmt&& o) noexcept;
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;
  SqliteStmt& operator=(SqliteStmt&&) = delete;
  ~SqliteStmt();

  // Parameters are 1-based, as in SQLite.
  SqliteStmt& Bind(int i, int64_t v);
  SqliteStmt& Bind(int i, double v);
  SqliteStmt& BindText(int i, std::string_view v);
  SqliteStmt& BindBlob(int i, std::string_view v);

  // Advances: true when a row is available, false when done.
  StatusOr<bool> Step();
  // Steps to completion, expecting no rows.
  Status Run();

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  std::string Text(int col) const;
  std::string_view Blob(int col) const;  // valid until the next Step()

 private:
  friend class SqliteDb;
  // `key` points at the SQL text owned by the connection's cache.
  SqliteStmt(SqliteDb* owner, sqlite3_stmt* stmt, const std::string* key)
      : owner_(owner), stmt_(stmt), key_(key) {}

  SqliteDb* owner_;
  sqlite3_stmt* stmt_;
  const std::string* key_;
  int bind_error_ = SQLITE_OK;
};

class SqliteDb {
 public:
  // Opens (optionally creating) the database file. kNotFound when it does not exist and
  // `create` is false; kIOError when it cannot be opened.
  static StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path, bool create,
                                                  int busy_timeout_ms);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // One statement (the first in `sql`), from the cache when a free one exists.
  StatusOr<SqliteStmt> Prepare(std::string_view sql);
  // Runs SQL without parameters, possibly several statements (schema, pragmas). Not cached.
  Status Exec(const std::string& sql);
  Status Error(std::string_view what) const;
  sqlite3* raw() { return db_; }

  // Statements prepared since open (cache misses); for tests and benchmarks.
  int64_t statements_prepared() const { return prepared_; }

 private:
  friend class SqliteStmt;
  // Free statements kept per SQL text; more are finalised on release. A few suffice: a
  // store rarely holds more than two copies of one statement at once.
  static constexpr size_t kMaxFreePerSql = 4;

  explicit SqliteDb(sqlite3* db) : db_(db) {}
  void Release(const std::string* key, sqlite3_stmt* stmt);

  sqlite3* db_;
  std::map<std::string, std::vector<sqlite3_stmt*>, std::less<>> cache_;
  int64_t prepared_ = 0;
};

// Rolls back an open transaction unless Commit() succeeded.
class SqliteTransaction {
 public:
  // immediate: take the write lock now (writers), else a deferred read transaction.
  static StatusOr<std::unique_ptr<SqliteTransaction>> Begin(SqliteDb* db, bool immediate);
  ~SqliteTransaction();
  Status Commit();

 private:
  explicit SqliteTransaction(SqliteDb* db) : db_(db) {}
  SqliteDb* db_;
  bool done_ = false;
};

}  // namespace facetrail

#endif  // FACETRAIL_CORE_SQLITE_DB_H_
