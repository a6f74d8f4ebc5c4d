#include "node/lead_store.h"

#include <sodium.h>

#include "core/thread_annotations.h"
#include "facetrail/encoding.h"
#include "core/sqlite_db.h"

namespace facetrail::node {
namespace {


constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS leads (
  id TEXT PRIMARY KEY,
  query_index INTEGER NOT NULL,
  case_number TEXT NOT NULL,
  officer_id TEXT NOT NULL,
  identity_id TEXT NOT NULL,
  rank INTEGER NOT NULL,
  score REAL NOT NULL,
  estimated_fmr REAL NOT NULL,
  required_reviewers INTEGER NOT NULL CHECK (required_reviewers >= 1),
  state TEXT NOT NULL CHECK (state IN ('pending','confirmed','rejected')),
  created_at INTEGER NOT NULL,
  decided_at INTEGER
);
CREATE INDEX IF NOT EXISTS leads_by_state ON leads(state, created_at);
CREATE INDEX IF NOT EXISTS leads_by_case ON leads(case_number);
CREATE TABLE IF NOT EXISTS decisions (
  lead_id TEXT NOT NULL REFERENCES leads(id),
  reviewer_id TEXT NOT NULL,
  confirm INTEGER NOT NULL,
  note TEXT NOT NULL,
  decided_at INTEGER NOT NULL,
  audit_index INTEGER NOT NULL,
  PRIMARY KEY (lead_id, reviewer_id)
);
)sql";

constexpr const char* kLeadColumns =
    "id, query_index, case_number, officer_id, identity_id, rank, score, estimated_fmr, "
    "required_reviewers, state, created_at, COALESCE(decided_at, -1)";

StatusOr<Lead> ReadLead(const SqliteStmt& q) {
  Lead l;
  l.id = q.Text(0);
  l.query_index = static_cast<uint64_t>(q.Int(1));
  l.case_number = q.Text(2);
  l.officer_id = q.Text(3);
  l.identity_id = q.Text(4);
  l.rank = static_cast<int>(q.Int(5));
  l.score = static_cast<float>(q.Double(6));
  l.estimated_fmr = q.Double(7);
  l.required_reviewers = static_cast<int>(q.Int(8));
  FT_ASSIGN_OR_RETURN(l.state, ParseLeadState(q.Text(9)));
  l.created_at = q.Int(10);
  if (q.Int(11) >= 0) l.decided_at = q.Int(11);
  return l;
}

class SqliteLeadStore final : public LeadStore {
 public:
  SqliteLeadStore(std::unique_ptr<SqliteDb> db, const Clock* clock)
      : db_(std::move(db)), clock_(clock) {}

  StatusOr<std::vector<Lead>> CreateLeads(uint64_t query_index, std::string_view case_number,
                                          std::string_view officer_id, int required_reviewers,
                                          const std::vector<NewLead>& leads) override {
    if (required_reviewers < 1) return InvalidArgumentError("required_reviewers must be >= 1");
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_.get(), true));
    std::vector<Lead> out;
    const int64_t now = clock_->NowSeconds();
    for (const NewLead& n : leads) {
      Lead l;
      l.id = n.id.empty() ? NewLeadId() : n.id;
      l.query_index = query_index;
      l.case_number = std::string(case_number);
      l.officer_id = std::string(officer_id);
      l.identity_id = n.identity_id;
      l.rank = n.rank;
      l.score = n.score;
      l.estimated_fmr = n.estimated_fmr;
      l.required_reviewers = required_reviewers;
      l.created_at = now;
      FT_ASSIGN_OR_RETURN(auto ins, db_->Prepare(
          "INSERT INTO leads (id, query_index, case_number, officer_id, identity_id, rank, score, "
          "estimated_fmr, required_reviewers, state, created_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)"));
      ins.BindText(1, l.id).Bind(2, static_cast<int64_t>(query_index)).BindText(3, case_number)
          .BindText(4, officer_id).BindText(5, l.identity_id).Bind(6, int64_t{l.rank})
          .Bind(7, double{l.score}).Bind(8, l.estimated_fmr).Bind(9, int64_t{required_reviewers})
          .Bind(10, now);
      FT_RETURN_IF_ERROR(ins.Run());
      out.push_back(std::move(l));
    }
    FT_RETURN_IF_ERROR(txn->Commit());
    return out;
  }

  StatusOr<Lead> CheckDecision(std::string_view lead_id, std::string_view reviewer_id) const override {
    MutexLock lock(&mu_);
    return CheckLocked(lead_id, reviewer_id);
  }

  StatusOr<Lead> Decide(std::string_view lead_id, std::string_view reviewer_id, bool confirm,
                        std::string_view note, uint64_t audit_index) override {
    if (note.size() > 2000) return InvalidArgumentError("note over 2000 characters");
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_.get(), true));
    FT_ASSIGN_OR_RETURN(Lead lead, CheckLocked(lead_id, reviewer_id));
    const int64_t now = clock_->NowSeconds();
    FT_ASSIGN_OR_RETURN(auto ins, db_->Prepare(
        "INSERT INTO decisions (lead_id, reviewer_id, confirm, note, decided_at, audit_index) "
        "VALUES (?, ?, ?, ?, ?, ?)"));
    ins.BindText(1, lead_id).BindText(2, reviewer_id).Bind(3, int64_t{confirm ? 1 : 0})
        .BindText(4, note).Bind(5, now).Bind(6, static_cast<int64_t>(audit_index));
    FT_RETURN_IF_ERROR(ins.Run());

    FT_ASSIGN_OR_RETURN(auto count, db_->Prepare(
        "SELECT COUNT(*) FROM decisions WHERE lead_id = ? AND confirm = 1"));
    count.BindText(1, lead_id);
    FT_ASSIGN_OR_RETURN(bool row, count.Step());
    int64_t confirmations = row ? count.Int(0) : 0;

    LeadState next = LeadState::kPending;
    if (!confirm) {
      next = LeadState::kRejected;
    } else if (confirmations >= lead.required_reviewers) {
      next = LeadState::kConfirmed;
    }
    if (next != LeadState::kPending) {
      FT_ASSIGN_OR_RETURN(auto upd, db_->Prepare(
          "UPDATE leads SET state = ?, decided_at = ? WHERE id = ? AND state = 'pending'"));
      upd.BindText(1, LeadStateName(next)).Bind(2, now).BindText(3, lead_id);
      FT_RETURN_IF_ERROR(upd.Run());
      lead.state = next;
      lead.decided_at = now;
    }
    FT_RETURN_IF_ERROR(txn->Commit());
    return lead;
  }

  StatusOr<std::vector<LeadView>> List(std::optional<LeadState> state, std::string_view viewer_id,
                                       int limit) const override {
    if (limit < 1 || limit > 1000) return InvalidArgumentError("limit must be 1..1000");
    MutexLock lock(&mu_);
    std::string sql = std::string("SELECT ") + kLeadColumns + " FROM leads";
    if (state) sql += " WHERE state = ?";
    sql += " ORDER BY created_at DESC, rowid DESC LIMIT ?";
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(sql));
    int i = 1;
    if (state) q.BindText(i++, LeadStateName(*state));
    q.Bind(i, int64_t{limit});
    std::vector<Lead> leads;
    while (true) {
      FT_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      FT_ASSIGN_OR_RETURN(Lead l, ReadLead(q));
      leads.push_back(std::move(l));
    }
    std::vector<LeadView> out;
    for (Lead& l : leads) {
      FT_ASSIGN_OR_RETURN(LeadView v, ViewLocked(std::move(l), viewer_id, /*all=*/false));
      out.push_back(std::move(v));
    }
    return out;
  }

  StatusOr<LeadView> Get(std::string_view lead_id, std::string_view viewer_id) const override {
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(Lead l, LoadLocked(lead_id));
    return ViewLocked(std::move(l), viewer_id, /*all=*/false);
  }

  StatusOr<int64_t> PendingForQuery(uint64_t query_index) const override {
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
        "SELECT COUNT(*) FROM leads WHERE query_index = ? AND state = 'pending'"));
    q.Bind(1, static_cast<int64_t>(query_index));
    FT_ASSIGN_OR_RETURN(bool row, q.Step());
    return row ? q.Int(0) : int64_t{0};
  }

  StatusOr<std::vector<LeadView>> ForCase(std::string_view case_number) const override {
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(std::string("SELECT ") + kLeadColumns +
                                             " FROM leads WHERE case_number = ? "
                                             "ORDER BY query_index, rank"));
    q.BindText(1, case_number);
    std::vector<Lead> leads;
    while (true) {
      FT_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      FT_ASSIGN_OR_RETURN(Lead l, ReadLead(q));
      leads.push_back(std::move(l));
    }
    std::vector<LeadView> out;
    for (Lead& l : leads) {
      FT_ASSIGN_OR_RETURN(LeadView v, ViewLocked(std::move(l), "", /*all=*/true));
      out.push_back(std::move(v));
    }
    return out;
  }

 private:
  StatusOr<Lead> LoadLocked(std::string_view lead_id) const REQUIRES(mu_) {
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(std::string("SELECT ") + kLeadColumns +
                                             " FROM leads WHERE id = ?"));
    q.BindText(1, lead_id);
    FT_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) return NotFoundError("no lead '" + std::string(lead_id) + "'");
    return ReadLead(q);
  }

  StatusOr<Lead> CheckLocked(std::string_view lead_id, std::string_view reviewer_id) const
      REQUIRES(mu_) {
    FT_ASSIGN_OR_RETURN(Lead lead, LoadLocked(lead_id));
    if (lead.officer_id == reviewer_id) {
      return PermissionDeniedError("an officer cannot review the leads of their own query");
    }
    if (lead.state != LeadState::kPending) {
      return FailedPreconditionError("lead " + lead.id + " is already " +
                                     std::string(LeadStateName(lead.state)));
    }
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
        "SELECT 1 FROM decisions WHERE lead_id = ? AND reviewer_id = ?"));
    q.BindText(1, lead_id).BindText(2, reviewer_id);
    FT_ASSIGN_OR_RETURN(bool dup, q.Step());
    if (dup) return FailedPreconditionError("reviewer has already decided on lead " + lead.id);
    return lead;
  }

  StatusOr<LeadView> ViewLocked(Lead lead, std::string_view viewer_id, bool all) const
      REQUIRES(mu_) {
    LeadView v;
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
        "SELECT reviewer_id, confirm, note, decided_at, audit_index FROM decisions "
        "WHERE lead_id = ? ORDER BY decided_at, rowid"));
    q.BindText(1, lead.id);
    std::vector<Decision> decisions;
    while (true) {
      FT_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      Decision d{lead.id, q.Text(0), q.Int(1) != 0, q.Text(2), q.Int(3),
                 static_cast<uint64_t>(q.Int(4))};
      if (d.reviewer_id == viewer_id) v.decided_by_me = true;
      decisions.push_back(std::move(d));
    }
    // Blind review: decisions become visible only once the lead is decided.
    if (all || lead.state != LeadState::kPending) v.decisions = std::move(decisions);
    v.lead = std::move(lead);
    return v;
  }

  mutable Mutex mu_;
  std::unique_ptr<SqliteDb> db_ PT_GUARDED_BY(mu_);
  const Clock* clock_;
};

}  // namespace

std::string NewLeadId() {
  unsigned char raw[8];
  randombytes_buf(raw, sizeof raw);
  return "L-" + HexEncode(std::string_view(reinterpret_cast<const char*>(raw), sizeof raw));
}

std::string_view LeadStateName(LeadState s) {
  switch (s) {
    case LeadState::kPending: return "pending";
    case LeadState::kConfirmed: return "confirmed";
    case LeadState::kRejected: return "rejected";
  }
  return "unknown";
}

StatusOr<LeadState> ParseLeadState(std::string_view s) {
  for (LeadState st : {LeadState::kPending, LeadState::kConfirmed, LeadState::kRejected}) {
    if (LeadStateName(st) == s) return st;
  }
  return InvalidArgumentError("unknown lead state '" + std::string(s) +
                              "' (pending, confirmed, rejected)");
}

StatusOr<std::unique_ptr<LeadStore>> LeadStore::Open(const std::string& path, const Clock* clock) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  FT_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, /*create=*/true, /*busy_timeout_ms=*/5000));
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
  FT_RETURN_IF_ERROR(db->Exec(kSchema));
  return std::unique_ptr<LeadStore>(new SqliteLeadStore(std::move(db), clock));
}

}  // namespace facetrail::node
