#include "audit/witness_state.h"

#include <sqlite3.h>

#include <cstring>
#include <limits>

namespace facetrail::witness {
namespace {

Status SqlError(sqlite3* db, const std::string& what) {
  return IOError("witness state: " + what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "?"));
}

// Finalizes a statement on every path.
struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

}  // namespace

StatusOr<std::unique_ptr<WitnessState>> WitnessState::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Status st = SqlError(db, "open " + path);
    sqlite3_close(db);
    return st;
  }
  std::unique_ptr<WitnessState> state(new WitnessState(db));
  sqlite3_busy_timeout(db, 5000);
  FT_RETURN_IF_ERROR(state->Exec("PRAGMA journal_mode=WAL"));
  FT_RETURN_IF_ERROR(state->Exec("PRAGMA synchronous=FULL"));
  FT_RETURN_IF_ERROR(state->Exec(
      "CREATE TABLE IF NOT EXISTS witness_log("
      " origin TEXT PRIMARY KEY,"
      " size INTEGER NOT NULL CHECK (size >= 0),"
      " root BLOB NOT NULL CHECK (length(root) = 32),"
      " checkpoint BLOB NOT NULL,"
      " updated_at INTEGER NOT NULL)"));
  return state;
}

WitnessState::~WitnessState() { sqlite3_close(db_); }

Status WitnessState::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err != nullptr ? err : "?";
    sqlite3_free(err);
    return IOError(std::string("witness state: ") + sql + ": " + msg);
  }
  return Status::Ok();
}

Status WitnessState::Begin() { return Exec("BEGIN IMMEDIATE"); }
Status WitnessState::Commit() { return Exec("COMMIT"); }
void WitnessState::Rollback() {
  if (!sqlite3_get_autocommit(db_)) Exec("ROLLBACK").IgnoreError();
}

StatusOr<std::optional<Witness::LogState>> WitnessState::Get(std::string_view origin) {
  Stmt st;
  if (sqlite3_prepare_v2(db_, "SELECT size, root, checkpoint FROM witness_log WHERE origin = ?",
                         -1, &st.s, nullptr) != SQLITE_OK) {
    return SqlError(db_, "prepare select");
  }
  sqlite3_bind_text(st.s, 1, origin.data(), static_cast<int>(origin.size()), SQLITE_TRANSIENT);
  int rc = sqlite3_step(st.s);
  if (rc == SQLITE_DONE) return std::optional<Witness::LogState>();
  if (rc != SQLITE_ROW) return SqlError(db_, "select");
  Witness::LogState out;
  sqlite3_int64 size = sqlite3_column_int64(st.s, 0);
  const void* root = sqlite3_column_blob(st.s, 1);
  int root_len = sqlite3_column_bytes(st.s, 1);
  if (size < 0 || root == nullptr || root_len != 32) {
    return DataLossError("witness state: corrupt row for origin " + std::string(origin));
  }
  out.size = static_cast<uint64_t>(size);
  std::memcpy(out.root.data(), root, 32);
  const void* cp = sqlite3_column_blob(st.s, 2);
  out.checkpoint.assign(static_cast<const char*>(cp),
                        static_cast<size_t>(sqlite3_column_bytes(st.s, 2)));
  return std::optional<Witness::LogState>(std::move(out));
}

Status WitnessState::Put(std::string_view origin, const Witness::LogState& state,
                         int64_t updated_at) {
  if (state.size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return InvalidArgumentError("witness state: size beyond 2^63-1");
  }
  Stmt st;
  if (sqlite3_prepare_v2(db_,
                         "INSERT INTO witness_log(origin, size, root, checkpoint, updated_at)"
                         " VALUES(?, ?, ?, ?, ?) ON CONFLICT(origin) DO UPDATE SET"
                         " size = excluded.size, root = excluded.root,"
                         " checkpoint = excluded.checkpoint, updated_at = excluded.updated_at",
                         -1, &st.s, nullptr) != SQLITE_OK) {
    return SqlError(db_, "prepare upsert");
  }
  sqlite3_bind_text(st.s, 1, origin.data(), static_cast<int>(origin.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(st.s, 2, static_cast<sqlite3_int64>(state.size));
  sqlite3_bind_blob(st.s, 3, state.root.data(), 32, SQLITE_TRANSIENT);
  sqlite3_bind_blob(st.s, 4, state.checkpoint.data(), static_cast<int>(state.checkpoint.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_int64(st.s, 5, updated_at);
  if (sqlite3_step(st.s) != SQLITE_DONE) return SqlError(db_, "upsert");
  return Status::Ok();
}

}  // namespace facetrail::witness
