// SQLite store of a witness's per-log state (private to src/audit).
//
//   CREATE TABLE witness_log(origin TEXT PRIMARY KEY, size INTEGER NOT NULL,
//                            root BLOB NOT NULL, checkpoint BLOB NOT NULL,
//                            updated_at INTEGER NOT NULL)
//
// Opened with journal_mode=WAL and synchronous=FULL, so a committed update is on disk
// before Commit() returns. Thread-safety: none; the owner serialises all calls (the
// Witness holds its mutex across Begin..Commit).
#ifndef FACETRAIL_AUDIT_WITNESS_STATE_H_
#define FACETRAIL_AUDIT_WITNESS_STATE_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "facetrail/status.h"
#include "facetrail/witness.h"

struct sqlite3;

namespace facetrail::witness {

class WitnessState {
 public:
  static StatusOr<std::unique_ptr<WitnessState>> Open(const std::string& path);
  ~WitnessState();
  WitnessState(const WitnessState&) = delete;
  WitnessState& operator=(const WitnessState&) = delete;

  // BEGIN IMMEDIATE: takes the database write lock now, so a concurrent writer from
  // another process cannot interleave between our read and our update.
  Status Begin();
  Status Commit();
  void Rollback();

  StatusOr<std::optional<Witness::LogState>> Get(std::string_view origin);
  Status Put(std::string_view origin, const Witness::LogState& state, int64_t updated_at);

 private:
  explicit WitnessState(sqlite3* db) : db_(db) {}
  Status Exec(const char* sql);
  sqlite3* db_;
};

}  // namespace facetrail::witness

#endif  // FACETRAIL_AUDIT_WITNESS_STATE_H_
