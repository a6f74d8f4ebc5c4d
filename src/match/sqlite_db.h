// Thin RAII adapter over the SQLite C API: a connection and prepared statements with
// bound parameters, every failure turned into a Status. Only parameterised SQL goes through
// here; values from users are always bound, never spliced into SQL text.
//
// Thread-safety: none. A SqliteDb and its statements belong to one thread at a time (the
// gallery serialises access with its own mutex).
#ifndef FACETRAIL_MATCH_SQLITE_DB_H_
#define FACETRAIL_MATCH_SQLITE_DB_H_

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "facetrail/status.h"

namespace facetrail::match {

class SqliteStmt {
 public:
  SqliteStmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  SqliteStmt(SqliteStmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;
  ~SqliteStmt() { sqlite3_finalize(stmt_); }

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
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_error_ = SQLITE_OK;
};

class SqliteDb {
 public:
  // Opens (optionally creating) the database file. kIOError when it cannot be opened.
  static StatusOr<std::unique_ptr<SqliteDb>> Open(const std::string& path, bool create,
                                                  int busy_timeout_ms);
  ~SqliteDb();

  StatusOr<SqliteStmt> Prepare(std::string_view sql);
  // Runs SQL without parameters (schema, pragmas, BEGIN/COMMIT).
  Status Exec(const std::string& sql);
  Status Error(std::string_view what) const;
  sqlite3* raw() { return db_; }

 private:
  explicit SqliteDb(sqlite3* db) : db_(db) {}
  sqlite3* db_;
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

}  // namespace facetrail::match

#endif  // FACETRAIL_MATCH_SQLITE_DB_H_
