#include "node/entry_index.h"

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/thread_annotations.h"
#include "core/sqlite_db.h"
#include "node/audit_entry.h"

namespace facetrail::node {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS entries (
  log_index INTEGER PRIMARY KEY,
  type TEXT NOT NULL,
  case_number TEXT NOT NULL,
  purpose TEXT NOT NULL,
  outcome TEXT NOT NULL,
  result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_by_case ON entries(case_number) WHERE case_number != '';
)sql";

// Writes happen on one background thread, in batches (one transaction each), so a request
// does not wait for the index: it is derived state and its write cost ~0.1 ms per query
// (docs/benchmarks.md "Node API"). Every read first waits until every Add that returned
// before it is committed, so readers never see the index behind the log.
class SqliteEntryIndex final : public EntryIndex {
 public:
  explicit SqliteEntryIndex(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {
    writer_ = std::thread([this] { WriteLoop(); });
  }
  ~SqliteEntryIndex() override {
    {
      std::lock_guard<std::mutex> l(q_mu_);
      stop_ = true;
    }
    q_cv_.notify_all();
    writer_.join();  // drains what was queued first
  }

  StatusOr<uint64_t> IndexedCount() override {
    FT_RETURN_IF_ERROR(WaitCommitted());
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
        "SELECT COUNT(*), COALESCE(MAX(log_index) + 1, 0) FROM entries"));
    FT_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return uint64_t{0};
    // Concurrent requests index out of order; a crash can leave a hole below the maximum.
    // Then report 0 so the node re-indexes everything (Add is idempotent).
    return q.Int(0) == q.Int(1) ? static_cast<uint64_t>(q.Int(0)) : uint64_t{0};
  }

  Status Add(const IndexedEntry& e) override {
    std::unique_lock<std::mutex> l(q_mu_);
    // Bounded: past kMaxQueued the caller waits for the writer (never unbounded memory).
    q_cv_.wait(l, [this] { return queue_.size() < kMaxQueued || !error_.ok(); });
    if (!error_.ok()) return error_;
    queue_.push_back(e);
    // Wake the writer only to start a batch or when one is full: a wake-up per entry would
    // cost a context switch per request on a one-core node.
    if (queue_.size() == 1 || queue_.size() == kBatch) q_cv_.notify_all();
    return Status::Ok();
  }

  StatusOr<std::vector<uint64_t>> EntriesForCase(std::string_view case_number) override {
    FT_RETURN_IF_ERROR(WaitCommitted());
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
        "SELECT log_index FROM entries WHERE case_number = ? ORDER BY log_index"));
    q.BindText(1, case_number);
    std::vector<uint64_t> out;
    while (true) {
      FT_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      out.push_back(static_cast<uint64_t>(q.Int(0)));
    }
    return out;
  }

  StatusOr<std::map<std::string, std::map<std::string, std::map<std::string, int64_t>>>> Counts()
      override {
    FT_RETURN_IF_ERROR(WaitCommitted());
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
        "SELECT type, purpose, outcome, result, COUNT(*) FROM entries "
        "WHERE type LIKE 'query.%' GROUP BY type, purpose, outcome, result"));
    std::map<std::string, std::map<std::string, std::map<std::string, int64_t>>> out;
    while (true) {
      FT_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      std::string type = q.Text(0);
      std::string mode = type.substr(type.find('.') + 1);
      std::string purpose = q.Text(1).empty() ? "(none)" : q.Text(1);
      std::string key = q.Text(2) == "ok" ? q.Text(3) : q.Text(2);
      out[mode][purpose][key] += q.Int(4);
    }
    return out;
  }

 private:
  static constexpr size_t kMaxQueued = 4096;
  // A batch is committed when it holds kBatch entries, kLinger after its first entry, or at
  // once when a reader waits: one transaction for many entries, off the request path.
  static constexpr size_t kBatch = 256;
  static constexpr std::chrono::milliseconds kLinger{50};

  // Until everything queued so far is committed. A failed write makes every later read and
  // Add fail (kUnavailable): an index missing an entry would give an incomplete case
  // export. The next start re-indexes from the log.
  Status WaitCommitted() {
    std::unique_lock<std::mutex> l(q_mu_);
    ++readers_waiting_;
    q_cv_.notify_all();
    q_cv_.wait(l, [this] { return (queue_.empty() && !writing_) || !error_.ok(); });
    --readers_waiting_;
    return error_;
  }

  void WriteLoop() {
    std::vector<IndexedEntry> batch;
    while (true) {
      {
        std::unique_lock<std::mutex> l(q_mu_);
        q_cv_.wait(l, [this] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stop_ and drained
        q_cv_.wait_for(l, kLinger, [this] { return stop_ || readers_waiting_ > 0 || queue_.size() >= kBatch; });
        batch.swap(queue_);
        writing_ = true;
      }
      Status s = WriteBatch(batch);
      batch.clear();
      {
        std::lock_guard<std::mutex> l(q_mu_);
        writing_ = false;
        if (!s.ok() && error_.ok()) {
          error_ = UnavailableError("case index write failed (" + s.ToString() +
                                    "); restart the node to re-index from the audit log");
        }
      }
      q_cv_.notify_all();
    }
  }

  Status WriteBatch(const std::vector<IndexedEntry>& batch) {
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_.get(), /*immediate=*/true));
    for (const IndexedEntry& e : batch) {
      FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
          "INSERT OR REPLACE INTO entries (log_index, type, case_number, purpose, outcome, result) "
          "VALUES (?, ?, ?, ?, ?, ?)"));
      q.Bind(1, static_cast<int64_t>(e.index)).BindText(2, e.type).BindText(3, e.case_number)
          .BindText(4, e.purpose).BindText(5, e.outcome).BindText(6, e.result);
      FT_RETURN_IF_ERROR(q.Run());
    }
    return txn->Commit();
  }

  Mutex mu_;
  std::unique_ptr<SqliteDb> db_ PT_GUARDED_BY(mu_);

  std::mutex q_mu_;
  std::condition_variable q_cv_;
  std::vector<IndexedEntry> queue_;  // guarded by q_mu_
  bool writing_ = false;             // guarded by q_mu_: a batch is being committed
  bool stop_ = false;                // guarded by q_mu_
  int readers_waiting_ = 0;          // guarded by q_mu_: commit now, do not linger
  Status error_;                     // guarded by q_mu_: the first failed write
  std::thread writer_;
};

std::string StringAt(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

StatusOr<IndexedEntry> ParseIndexedEntry(uint64_t index, std::string_view entry) {
  nlohmann::json j = nlohmann::json::parse(entry.begin(), entry.end(), nullptr,
                                           /*allow_exceptions=*/false);
  if (!j.is_object() || StringAt(j, "schema") != kAuditSchema) {
    return InvalidArgumentError("log entry " + std::to_string(index) +
                                " is not a facetrail audit entry");
  }
  IndexedEntry e;
  e.index = index;
  e.type = StringAt(j, "type");
  e.outcome = StringAt(j, "outcome");
  auto d = j.find("details");
  if (d != j.end() && d->is_object()) {
    e.case_number = StringAt(*d, "case_number");
    e.purpose = StringAt(*d, "purpose");
    e.result = StringAt(*d, "result");
  }
  return e;
}

IndexedEntry IndexedEntryOf(uint64_t index, std::string_view type, std::string_view outcome,
                            const nlohmann::json& details) {
  IndexedEntry e;
  e.index = index;
  e.type = std::string(type);
  e.outcome = std::string(outcome);
  if (details.is_object()) {
    e.case_number = StringAt(details, "case_number");
    e.purpose = StringAt(details, "purpose");
    e.result = StringAt(details, "result");
  }
  return e;
}

StatusOr<std::unique_ptr<EntryIndex>> EntryIndex::Open(const std::string& path) {
  FT_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, /*create=*/true, /*busy_timeout_ms=*/5000));
  // Derived state: rebuilt from the log after a crash, so NORMAL durability is enough.
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=NORMAL"));
  FT_RETURN_IF_ERROR(db->Exec(kSchema));
  return std::unique_ptr<EntryIndex>(new SqliteEntryIndex(std::move(db)));
}

}  // namespace facetrail::node
