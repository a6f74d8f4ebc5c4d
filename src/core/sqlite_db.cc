#include "core/sqlite_db.h"

namespace facetrail {
namespace {

Status FromCode(sqlite3* db, int rc, std::string_view what) {
  std::string msg = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(std::move(msg));
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return DataLossError(std::move(msg));
    case SQLITE_CONSTRAINT:
      return AlreadyExistsError(std::move(msg));
    case SQLITE_FULL:
    case SQLITE_NOMEM:
      return ResourceExhaustedError(std::move(msg));
    default:
      return IOError(std::move(msg));
  }
}

}  // namespace

SqliteStmt::SqliteStmt(SqliteStmt&& o) noexcept
    : owner_(o.owner_), stmt_(o.stmt_), key_(o.key_), bind_error_(o.bind_error_) {
  o.stmt_ = nullptr;
}

SqliteStmt::~SqliteStmt() {
  if (stmt_ != nullptr) owner_->Release(key_, stmt_);
}

SqliteStmt& SqliteStmt::Bind(int i, int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, i, v);
  if (rc != SQLITE_OK) bind_error_ = rc;
  return *this;
}

SqliteStmt& SqliteStmt::Bind(int i, double v) {
  int rc = sqlite3_bind_double(stmt_, i, v);
  if (rc != SQLITE_OK) bind_error_ = rc;
  return *this;
}

SqliteStmt& SqliteStmt::BindText(int i, std::string_view v) {
  int rc = sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) bind_error_ = rc;
  return *this;
}

SqliteStmt& SqliteStmt::BindBlob(int i, std::string_view v) {
  int rc = sqlite3_bind_blob64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) bind_error_ = rc;
  return *this;
}

StatusOr<bool> SqliteStmt::Step() {
  if (bind_error_ != SQLITE_OK) return FromCode(owner_->db_, bind_error_, "sqlite bind");
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return FromCode(owner_->db_, rc, "sqlite step");
}

Status SqliteStmt::Run() {
  while (true) {
    FT_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

std::string SqliteStmt::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : "";
}

std::string_view SqliteStmt::Blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(n))
           : std::string_view();
}

StatusOr<std::unique_ptr<SqliteDb>> SqliteDb::Open(const std::string& path, bool create,
                                                   int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = rc == SQLITE_CANTOPEN && !create
                   ? NotFoundError("database " + path + " does not exist")
                   : FromCode(db, rc, "cannot open database " + path);
    sqlite3_close(db);
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<SqliteDb>(new SqliteDb(db));
}

SqliteDb::~SqliteDb() {
  for (auto& [sql, free] : cache_) {
    for (sqlite3_stmt* s : free) sqlite3_finalize(s);
  }
  sqlite3_close(db_);
}

StatusOr<SqliteStmt> SqliteDb::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) it = cache_.emplace(std::string(sql), std::vector<sqlite3_stmt*>()).first;
  if (!it->second.empty()) {
    sqlite3_stmt* stmt = it->second.back();
    it->second.pop_back();
    return SqliteStmt(this, stmt, &it->first);
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                              &stmt, nullptr);
  if (rc != SQLITE_OK) return FromCode(db_, rc, "sqlite prepare");
  if (stmt == nullptr) return InvalidArgumentError("sqlite prepare: no statement in the SQL text");
  ++prepared_;
  return SqliteStmt(this, stmt, &it->first);
}

void SqliteDb::Release(const std::string* key, sqlite3_stmt* stmt) {
  // The statement's own error, if any, was reported by Step(); reset only rewinds it.
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  auto it = cache_.find(*key);
  if (it == cache_.end() || it->second.size() >= kMaxFreePerSql) {
    sqlite3_finalize(stmt);
    return;
  }
  it->second.push_back(stmt);
}

Status SqliteDb::Exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  sqlite3_free(err);
  if (rc != SQLITE_OK) return FromCode(db_, rc, "sqlite exec");
  return Status::Ok();
}

Status SqliteDb::Error(std::string_view what) const {
  return FromCode(db_, sqlite3_errcode(db_), what);
}

StatusOr<std::unique_ptr<SqliteTransaction>> SqliteTransaction::Begin(SqliteDb* db,
                                                                       bool immediate) {
  FT_ASSIGN_OR_RETURN(SqliteStmt begin, db->Prepare(immediate ? "BEGIN IMMEDIATE" : "BEGIN"));
  FT_RETURN_IF_ERROR(begin.Run());
  return std::unique_ptr<SqliteTransaction>(new SqliteTransaction(db));
}

SqliteTransaction::~SqliteTransaction() {
  if (done_) return;
  auto rollback = db_->Prepare("ROLLBACK");
  if (rollback.ok()) rollback->Run().IgnoreError();
}

Status SqliteTransaction::Commit() {
  FT_ASSIGN_OR_RETURN(SqliteStmt commit, db_->Prepare("COMMIT"));
  FT_RETURN_IF_ERROR(commit.Run());
  done_ = true;
  return Status::Ok();
}

}  // namespace facetrail
