#include "node/user_store.h"

#include <sodium.h>

#include <algorithm>

#include "core/thread_annotations.h"
#include "facetrail/encoding.h"
#include "core/sqlite_db.h"

namespace facetrail::node {
namespace {


constexpr std::string_view kTokenPrefix = "ft_";
constexpr size_t kTokenBytes = 32;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('officer','reviewer','auditor','enroller','admin')),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS tokens (
  hash BLOB PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS training (
  user_id TEXT NOT NULL REFERENCES users(id),
  training_id TEXT NOT NULL,
  attested_by TEXT NOT NULL,
  attested_at INTEGER NOT NULL,
  valid_until INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS training_by_user ON training(user_id, attested_at);
)sql";

bool ValidId(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '@';
  });
}

bool ValidName(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c != 0x7f; });
}

std::string NewToken() {
  unsigned char raw[kTokenBytes];
  randombytes_buf(raw, sizeof raw);
  char b64[sodium_base64_ENCODED_LEN(kTokenBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  sodium_memzero(raw, sizeof raw);
  return std::string(kTokenPrefix) + b64;
}

std::string TokenHash(std::string_view token) {
  return std::string(AsStringView(Sha256(token)));
}

class SqliteUserStore final : public UserStore {
 public:
  SqliteUserStore(std::unique_ptr<SqliteDb> db, const Clock* clock)
      : db_(std::move(db)), clock_(clock) {}

  StatusOr<std::string> AddUser(std::string_view user_id, std::string_view display_name,
                                Role role) override {
    if (!ValidId(user_id)) return InvalidArgumentError("user id must be 1..64 of [A-Za-z0-9._@-]");
    if (!ValidName(display_name)) return InvalidArgumentError("display name must be 1..128 printable characters");
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_.get(), true));
    {
      FT_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT 1 FROM users WHERE id = ?"));
      q.BindText(1, user_id);
      FT_ASSIGN_OR_RETURN(bool exists, q.Step());
      if (exists) return AlreadyExistsError("user '" + std::string(user_id) + "' exists");
    }
    FT_ASSIGN_OR_RETURN(auto ins, db_->Prepare(
        "INSERT INTO users (id, display_name, role, created_at) VALUES (?, ?, ?, ?)"));
    ins.BindText(1, user_id).BindText(2, display_name).BindText(3, RoleName(role))
        .Bind(4, clock_->NowSeconds());
    FT_RETURN_IF_ERROR(ins.Run());
    FT_ASSIGN_OR_RETURN(std::string token, InsertTokenLocked(user_id));
    FT_RETURN_IF_ERROR(txn->Commit());
    return token;
  }

  StatusOr<std::string> IssueToken(std::string_view user_id) override {
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_.get(), true));
    FT_RETURN_IF_ERROR(RequireActiveLocked(user_id));
    FT_ASSIGN_OR_RETURN(std::string token, InsertTokenLocked(user_id));
    FT_RETURN_IF_ERROR(txn->Commit());
    return token;
  }

  Status RevokeUser(std::string_view user_id) override {
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_.get(), true));
    FT_RETURN_IF_ERROR(RequireActiveLocked(user_id));
    int64_t now = clock_->NowSeconds();
    FT_ASSIGN_OR_RETURN(auto u, db_->Prepare("UPDATE users SET revoked_at = ? WHERE id = ?"));
    u.Bind(1, now).BindText(2, user_id);
    FT_RETURN_IF_ERROR(u.Run());
    FT_ASSIGN_OR_RETURN(auto t, db_->Prepare(
        "UPDATE tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL"));
    t.Bind(1, now).BindText(2, user_id);
    FT_RETURN_IF_ERROR(t.Run());
    return txn->Commit();
  }

  Status AttestTraining(std::string_view user_id, std::string_view training_id,
                        std::string_view attested_by, int valid_days) override {
    if (!ValidName(training_id)) return InvalidArgumentError("training id must be 1..128 printable characters");
    if (valid_days < 1 || valid_days > 3650) return InvalidArgumentError("validity must be 1..3650 days");
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto txn, SqliteTransaction::Begin(db_.get(), true));
    FT_RETURN_IF_ERROR(RequireActiveLocked(user_id));
    int64_t now = clock_->NowSeconds();
    FT_ASSIGN_OR_RETURN(auto ins, db_->Prepare(
        "INSERT INTO training (user_id, training_id, attested_by, attested_at, valid_until) "
        "VALUES (?, ?, ?, ?, ?)"));
    ins.BindText(1, user_id).BindText(2, training_id).BindText(3, attested_by).Bind(4, now)
        .Bind(5, now + int64_t{valid_days} * 86400);
    FT_RETURN_IF_ERROR(ins.Run());
    return txn->Commit();
  }

  StatusOr<Principal> Authenticate(std::string_view token) const override {
    const Status denied = UnauthenticatedError("invalid or revoked API token");
    if (token.size() != kTokenPrefix.size() + 43 || token.substr(0, 3) != kTokenPrefix) {
      return denied;
    }
    MutexLock lock(&mu_);
    // One statement (user and latest training together): this runs on every request.
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
        "SELECT u.id, u.display_name, u.role, tr.rowid IS NOT NULL, tr.training_id, "
        "tr.attested_by, tr.valid_until "
        "FROM tokens t JOIN users u ON u.id = t.user_id "
        "LEFT JOIN training tr ON tr.rowid = (SELECT rowid FROM training WHERE user_id = u.id "
        "ORDER BY attested_at DESC, rowid DESC LIMIT 1) "
        "WHERE t.hash = ? AND t.revoked_at IS NULL AND u.revoked_at IS NULL"));
    q.BindBlob(1, TokenHash(token));
    FT_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) return denied;
    Principal p;
    p.user_id = q.Text(0);
    p.display_name = q.Text(1);
    FT_ASSIGN_OR_RETURN(p.role, ParseRole(q.Text(2)));
    if (q.Int(3) == 0) return p;  // no training on record
    p.training = Training{q.Text(4), q.Text(5), q.Int(6)};
    return p;
  }

  StatusOr<std::vector<UserInfo>> ListUsers() const override {
    MutexLock lock(&mu_);
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
        "SELECT id, display_name, role, created_at, COALESCE(revoked_at, -1) FROM users ORDER BY id"));
    std::vector<UserInfo> out;
    while (true) {
      FT_ASSIGN_OR_RETURN(bool row, q.Step());
      if (!row) break;
      UserInfo u;
      u.principal.user_id = q.Text(0);
      u.principal.display_name = q.Text(1);
      FT_ASSIGN_OR_RETURN(u.principal.role, ParseRole(q.Text(2)));
      u.created_at = q.Int(3);
      if (q.Int(4) >= 0) u.revoked_at = q.Int(4);
      out.push_back(std::move(u));
    }
    for (auto& u : out) {
      FT_ASSIGN_OR_RETURN(u.principal.training, LatestTrainingLocked(u.principal.user_id));
    }
    return out;
  }

 private:
  Status RequireActiveLocked(std::string_view user_id) const REQUIRES(mu_) {
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare("SELECT revoked_at IS NULL FROM users WHERE id = ?"));
    q.BindText(1, user_id);
    FT_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) return NotFoundError("no user '" + std::string(user_id) + "'");
    if (q.Int(0) == 0) return FailedPreconditionError("user '" + std::string(user_id) + "' is revoked");
    return Status::Ok();
  }

  StatusOr<std::string> InsertTokenLocked(std::string_view user_id) REQUIRES(mu_) {
    std::string token = NewToken();
    FT_ASSIGN_OR_RETURN(auto ins, db_->Prepare(
        "INSERT INTO tokens (hash, user_id, created_at) VALUES (?, ?, ?)"));
    ins.BindBlob(1, TokenHash(token)).BindText(2, user_id).Bind(3, clock_->NowSeconds());
    FT_RETURN_IF_ERROR(ins.Run());
    return token;
  }

  StatusOr<std::optional<Training>> LatestTrainingLocked(const std::string& user_id) const
      REQUIRES(mu_) {
    FT_ASSIGN_OR_RETURN(auto q, db_->Prepare(
        "SELECT training_id, attested_by, valid_until FROM training WHERE user_id = ? "
        "ORDER BY attested_at DESC, rowid DESC LIMIT 1"));
    q.BindText(1, user_id);
    FT_ASSIGN_OR_RETURN(bool found, q.Step());
    if (!found) return std::optional<Training>();
    return std::optional<Training>(Training{q.Text(0), q.Text(1), q.Int(2)});
  }

  mutable Mutex mu_;
  std::unique_ptr<SqliteDb> db_ PT_GUARDED_BY(mu_);
  const Clock* clock_;
};

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kOfficer: return "officer";
    case Role::kReviewer: return "reviewer";
    case Role::kAuditor: return "auditor";
    case Role::kEnroller: return "enroller";
    case Role::kAdmin: return "admin";
  }
  return "unknown";
}

StatusOr<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kOfficer, Role::kReviewer, Role::kAuditor, Role::kEnroller, Role::kAdmin}) {
    if (RoleName(r) == name) return r;
  }
  return InvalidArgumentError("unknown role '" + std::string(name) +
                              "' (officer, reviewer, auditor, enroller, admin)");
}

bool TrainingValid(const Principal& p, int64_t now_seconds) {
  return p.training.has_value() && p.training->valid_until > now_seconds;
}

StatusOr<std::unique_ptr<UserStore>> UserStore::Open(const std::string& path, const Clock* clock) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialise");
  FT_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, /*create=*/true, /*busy_timeout_ms=*/5000));
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode=WAL"));
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
  FT_RETURN_IF_ERROR(db->Exec(kSchema));
  return std::unique_ptr<UserStore>(new SqliteUserStore(std::move(db), clock));
}

}  // namespace facetrail::node
