// SQLite schema and queries of the hub (hub_store.h). Every value is bound, never spliced.
#include "hub/hub_store.h"

namespace facetrail::hub {
namespace {

constexpr const char* kSchemaSql = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS enrolments(token_sha256 TEXT PRIMARY KEY, agency_id TEXT NOT NULL,
  created_at INTEGER NOT NULL, used_at INTEGER);
CREATE TABLE IF NOT EXISTS agencies(id TEXT PRIMARY KEY, name TEXT NOT NULL,
  jurisdiction TEXT NOT NULL, log_key TEXT NOT NULL, log_origin TEXT NOT NULL UNIQUE,
  node_key TEXT NOT NULL, contact TEXT NOT NULL, token_sha256 TEXT NOT NULL,
  registered_at INTEGER NOT NULL, suspended INTEGER NOT NULL DEFAULT 0,
  suspended_reason TEXT NOT NULL DEFAULT '', disclosure_sha256 TEXT NOT NULL DEFAULT '',
  disclosure BLOB);
CREATE TABLE IF NOT EXISTS releases(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
  bundle TEXT NOT NULL, json TEXT NOT NULL, received_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS revocations(sequence INTEGER PRIMARY KEY, bundle TEXT NOT NULL,
  json TEXT NOT NULL, received_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints(id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL,
  size INTEGER NOT NULL, root TEXT NOT NULL, note TEXT NOT NULL, received_at INTEGER NOT NULL,
  witness_status INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS checkpoints_by_origin ON checkpoints(origin, size);
CREATE TABLE IF NOT EXISTS alerts(id INTEGER PRIMARY KEY AUTOINCREMENT, agency TEXT NOT NULL,
  kind TEXT NOT NULL, message TEXT NOT NULL, evidence_a TEXT NOT NULL, evidence_b TEXT NOT NULL,
  raised_at INTEGER NOT NULL, UNIQUE(agency, kind, evidence_b));
CREATE TABLE IF NOT EXISTS reports(id INTEGER PRIMARY KEY AUTOINCREMENT, agency TEXT NOT NULL,
  received_at INTEGER NOT NULL, json TEXT NOT NULL);
-- Columns added after the first release are in Migrate(), for hub.db files that predate them.
CREATE INDEX IF NOT EXISTS reports_by_agency ON reports(agency, id);
)sql";

constexpr const char* kAgencyColumns =
    "id, name, jurisdiction, log_key, log_origin, node_key, contact, registered_at, suspended, "
    "suspended_reason, disclosure_sha256";

// Adds `column` (with its SQL declaration) to `table` unless it is there already.
Status AddColumnIfMissing(SqliteDb* db, std::string_view table, std::string_view column,
                          std::string_view declaration) {
  FT_ASSIGN_OR_RETURN(auto st, db->Prepare("SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = ?"));
  st.BindText(1, table).BindText(2, column);
  FT_ASSIGN_OR_RETURN(bool row, st.Step());
  if (row && st.Int(0) > 0) return Status::Ok();
  // Names and declarations are constants of this file, never input.
  return db->Exec("ALTER TABLE " + std::string(table) + " ADD COLUMN " + std::string(column) + " " +
                  std::string(declaration));
}

// Schema changes since the first hub.db format, applied at every open (idempotent).
Status Migrate(SqliteDb* db) {
  // Signed reports (facetrail/signed_report.h): whether the node's report key signed it,
  // the signed note as received, and the report's own generated_at (replay check).
  FT_RETURN_IF_ERROR(AddColumnIfMissing(db, "reports", "signed", "INTEGER NOT NULL DEFAULT 0"));
  FT_RETURN_IF_ERROR(AddColumnIfMissing(db, "reports", "note", "TEXT NOT NULL DEFAULT ''"));
  FT_RETURN_IF_ERROR(AddColumnIfMissing(db, "reports", "generated_at", "TEXT NOT NULL DEFAULT ''"));
  // The witness's cosignature line(s) of each cosigned checkpoint, so the hub can publish
  // every cosigned note, not only the latest (which the witness state holds). Records made
  // before keep '' and are published as log-signed only.
  FT_RETURN_IF_ERROR(AddColumnIfMissing(db, "checkpoints", "cosignature", "TEXT NOT NULL DEFAULT ''"));
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<HubStore>> HubStore::Open(const std::string& path) {
  FT_ASSIGN_OR_RETURN(auto db, SqliteDb::Open(path, /*create=*/true, 5000));
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode = WAL").WithContext(path));
  FT_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous = FULL").WithContext(path));
  FT_RETURN_IF_ERROR(db->Exec(kSchemaSql).WithContext(path));
  FT_RETURN_IF_ERROR(Migrate(db.get()).WithContext(path));
  return std::unique_ptr<HubStore>(new HubStore(std::move(db)));
}

StatusOr<std::optional<std::string>> HubStore::AdminTokenHash() {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT value FROM meta WHERE key = 'admin_token_sha256'"));
  FT_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.Text(0));
}

Status HubStore::SetAdminTokenHash(const std::string& h) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO meta(key, value) VALUES('admin_token_sha256', ?)"));
  return st.BindText(1, h).Run();
}

Status HubStore::AddEnrolment(const std::string& token, const std::string& agency, int64_t now) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO enrolments(token_sha256, agency_id, created_at) VALUES(?,?,?)"));
  return st.BindText(1, token).BindText(2, agency).Bind(3, now).Run();
}

StatusOr<bool> HubStore::ConsumeEnrolment(const std::string& token, const std::string& agency, int64_t now) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE enrolments SET used_at = ? WHERE token_sha256 = ? "
                                            "AND agency_id = ? AND used_at IS NULL"));
  FT_RETURN_IF_ERROR(st.Bind(1, now).BindText(2, token).BindText(3, agency).Run());
  return sqlite3_changes(db_->raw()) == 1;
}

Status HubStore::AddAgency(const Agency& a, const std::string& token) {
  FT_ASSIGN_OR_RETURN(auto exists, db_->Prepare("SELECT 1 FROM agencies WHERE id = ? OR log_origin = ?"));
  exists.BindText(1, a.id).BindText(2, a.log_origin);
  FT_ASSIGN_OR_RETURN(bool taken, exists.Step());
  if (taken) return AlreadyExistsError("agency id or log origin already registered");
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare(
      "INSERT INTO agencies(id, name, jurisdiction, log_key, log_origin, node_key, contact, "
      "token_sha256, registered_at) VALUES(?,?,?,?,?,?,?,?,?)"));
  return st.BindText(1, a.id).BindText(2, a.name).BindText(3, a.jurisdiction).BindText(4, a.log_key)
      .BindText(5, a.log_origin).BindText(6, a.node_key).BindText(7, a.contact).BindText(8, token)
      .Bind(9, a.registered_at).Run();
}

StatusOr<std::vector<Agency>> HubStore::QueryAgencies(std::string_view where, const std::string& arg) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare(std::string("SELECT ") + kAgencyColumns + " FROM agencies " +
                                            std::string(where) + " ORDER BY id"));
  if (!arg.empty()) st.BindText(1, arg);
  std::vector<Agency> out;
  while (true) {
    FT_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    Agency a;
    a.id = st.Text(0);
    a.name = st.Text(1);
    a.jurisdiction = st.Text(2);
    a.log_key = st.Text(3);
    a.log_origin = st.Text(4);
    a.node_key = st.Text(5);
    a.contact = st.Text(6);
    a.registered_at = st.Int(7);
    a.suspended = st.Int(8) != 0;
    a.suspended_reason = st.Text(9);
    a.disclosure_sha256 = st.Text(10);
    out.push_back(std::move(a));
  }
  return out;
}

StatusOr<std::vector<Agency>> HubStore::Agencies() { return QueryAgencies("", ""); }

StatusOr<std::optional<Agency>> HubStore::AgencyById(const std::string& id) {
  FT_ASSIGN_OR_RETURN(auto v, QueryAgencies("WHERE id = ?", id));
  if (v.empty()) return std::optional<Agency>();
  return std::optional<Agency>(std::move(v[0]));
}

StatusOr<std::optional<Agency>> HubStore::AgencyByOrigin(const std::string& origin) {
  FT_ASSIGN_OR_RETURN(auto v, QueryAgencies("WHERE log_origin = ?", origin));
  if (v.empty()) return std::optional<Agency>();
  return std::optional<Agency>(std::move(v[0]));
}

StatusOr<std::string> HubStore::AgencyTokenHash(const std::string& id) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT token_sha256 FROM agencies WHERE id = ?"));
  st.BindText(1, id);
  FT_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFoundError("no agency " + id);
  return st.Text(0);
}

Status HubStore::SetSuspended(const std::string& id, bool suspended, const std::string& reason) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE agencies SET suspended = ?, suspended_reason = ? WHERE id = ?"));
  FT_RETURN_IF_ERROR(st.Bind(1, int64_t{suspended ? 1 : 0}).BindText(2, reason).BindText(3, id).Run());
  if (sqlite3_changes(db_->raw()) != 1) return NotFoundError("no agency " + id);
  return Status::Ok();
}

Status HubStore::SetDisclosure(const std::string& id, const std::string& sha, const std::string& bytes) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("UPDATE agencies SET disclosure_sha256 = ?, disclosure = ? WHERE id = ?"));
  return st.BindText(1, sha).BindBlob(2, bytes).BindText(3, id).Run();
}

Status HubStore::AddRelease(const std::string& id, const std::string& bundle, const std::string& json, int64_t now) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO releases(id, bundle, json, received_at) VALUES(?,?,?,?)"));
  Status s = st.BindText(1, id).BindText(2, bundle).BindText(3, json).Bind(4, now).Run();
  if (!s.ok()) return AlreadyExistsError("release " + id + " already published");
  return s;
}

StatusOr<std::optional<std::pair<std::string, std::string>>> HubStore::LatestPair(std::string_view sql) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare(sql));
  FT_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::pair<std::string, std::string>>();
  return std::optional<std::pair<std::string, std::string>>(std::make_pair(st.Text(0), st.Text(1)));
}

StatusOr<std::optional<std::pair<std::string, std::string>>> HubStore::LatestRelease() {
  return LatestPair("SELECT bundle, json FROM releases ORDER BY seq DESC LIMIT 1");
}

StatusOr<std::optional<std::pair<std::string, std::string>>> HubStore::LatestReleaseForPolicy(
    const std::string& policy_sha256) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT bundle, json FROM releases WHERE "
                                            "json_extract(json, '$.policy_bundle_sha256') = ? "
                                            "ORDER BY seq DESC LIMIT 1"));
  st.BindText(1, policy_sha256);
  FT_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::pair<std::string, std::string>>();
  return std::optional<std::pair<std::string, std::string>>(std::make_pair(st.Text(0), st.Text(1)));
}

StatusOr<std::vector<std::string>> HubStore::ReleaseJsons() {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT json FROM releases ORDER BY seq"));
  std::vector<std::string> out;
  while (true) {
    FT_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(st.Text(0));
  }
  return out;
}

StatusOr<std::vector<std::pair<std::string, std::string>>> HubStore::Releases() {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT bundle, json FROM releases ORDER BY seq"));
  std::vector<std::pair<std::string, std::string>> out;
  while (true) {
    FT_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.emplace_back(st.Text(0), st.Text(1));
  }
  return out;
}

Status HubStore::AddRevocations(uint64_t seq, const std::string& bundle, const std::string& json, int64_t now) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT OR IGNORE INTO revocations(sequence, bundle, json, received_at) "
                                            "VALUES(?,?,?,?)"));
  return st.Bind(1, static_cast<int64_t>(seq)).BindText(2, bundle).BindText(3, json).Bind(4, now).Run();
}

StatusOr<std::optional<std::pair<std::string, std::string>>> HubStore::LatestRevocations() {
  return LatestPair("SELECT bundle, json FROM revocations ORDER BY sequence DESC LIMIT 1");
}

Status HubStore::AddCheckpoint(const StoredCheckpoint& c) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO checkpoints(origin, size, root, note, received_at, "
                                            "witness_status, cosignature) VALUES(?,?,?,?,?,?,?)"));
  return st.BindText(1, c.origin).Bind(2, static_cast<int64_t>(c.size)).BindText(3, c.root_hex)
      .BindText(4, c.note).Bind(5, c.received_at).Bind(6, int64_t{c.witness_status})
      .BindText(7, c.cosignature).Run();
}

StatusOr<std::optional<std::string>> HubStore::ConflictingCheckpoint(const std::string& origin, uint64_t size,
                                                                     const std::string& root_hex) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT note FROM checkpoints WHERE origin = ? AND size = ? "
                                            "AND root <> ? ORDER BY id LIMIT 1"));
  st.BindText(1, origin).Bind(2, static_cast<int64_t>(size)).BindText(3, root_hex);
  FT_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(st.Text(0));
}

StatusOr<bool> HubStore::SeenNote(const std::string& origin, const std::string& note) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT 1 FROM checkpoints WHERE origin = ? AND note = ? LIMIT 1"));
  st.BindText(1, origin).BindText(2, note);
  return st.Step();
}

StatusOr<std::optional<StoredCheckpoint>> HubStore::LatestCosigned(const std::string& origin) {
  // received_at is when the largest size was first cosigned: the log's last advance.
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare(
      "SELECT size, root, note, received_at FROM checkpoints WHERE origin = ? AND witness_status = 200 "
      "ORDER BY size DESC, id ASC LIMIT 1"));
  st.BindText(1, origin);
  FT_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<StoredCheckpoint>();
  StoredCheckpoint c;
  c.origin = origin;
  c.size = static_cast<uint64_t>(st.Int(0));
  c.root_hex = st.Text(1);
  c.note = st.Text(2);
  c.received_at = st.Int(3);
  c.witness_status = 200;
  return std::optional<StoredCheckpoint>(std::move(c));
}

StatusOr<std::vector<StoredCheckpoint>> HubStore::CosignedHistory(const std::string& origin, uint64_t after_size,
                                                                   int limit) {
  // SQLite takes the bare columns of a MIN() aggregate from the row holding the minimum:
  // per size, the first record cosigned (a size re-cosigned later keeps its first time).
  // The (origin, size) index yields the groups in size order, so LIMIT stops the scan.
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare(
      "SELECT size, root, note, received_at, cosignature, MIN(id) FROM checkpoints WHERE origin = ? "
      "AND size > ? AND witness_status = 200 GROUP BY size ORDER BY size LIMIT ?"));
  st.BindText(1, origin).Bind(2, static_cast<int64_t>(after_size)).Bind(3, int64_t{limit});
  std::vector<StoredCheckpoint> out;
  while (true) {
    FT_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    StoredCheckpoint c;
    c.origin = origin;
    c.size = static_cast<uint64_t>(st.Int(0));
    c.root_hex = st.Text(1);
    c.note = st.Text(2);
    c.received_at = st.Int(3);
    c.witness_status = 200;
    c.cosignature = st.Text(4);
    out.push_back(std::move(c));
  }
  return out;
}

Status HubStore::AddAlert(const Alert& a) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT OR IGNORE INTO alerts(agency, kind, message, evidence_a, "
                                            "evidence_b, raised_at) VALUES(?,?,?,?,?,?)"));
  return st.BindText(1, a.agency).BindText(2, a.kind).BindText(3, a.message).BindText(4, a.evidence_a)
      .BindText(5, a.evidence_b).Bind(6, a.raised_at).Run();
}

StatusOr<std::vector<Alert>> HubStore::Alerts() {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT id, agency, kind, message, evidence_a, evidence_b, "
                                            "raised_at FROM alerts ORDER BY id"));
  std::vector<Alert> out;
  while (true) {
    FT_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back({st.Int(0), st.Text(1), st.Text(2), st.Text(3), st.Text(4), st.Text(5), st.Int(6)});
  }
  return out;
}

Status HubStore::AddReport(const std::string& agency, const StoredReport& r) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("INSERT INTO reports(agency, received_at, json, signed, note, "
                                            "generated_at) VALUES(?,?,?,?,?,?)"));
  return st.BindText(1, agency).Bind(2, r.received_at).BindText(3, r.json).Bind(4, int64_t{r.signed_by_node})
      .BindText(5, r.note).BindText(6, r.generated_at).Run();
}

StatusOr<std::vector<StoredReport>> HubStore::Reports(const std::string& agency, int limit) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT received_at, json, signed, generated_at FROM (SELECT id, "
                                            "received_at, json, signed, generated_at FROM reports WHERE "
                                            "agency = ? ORDER BY id DESC LIMIT ?) ORDER BY id"));
  st.BindText(1, agency).Bind(2, int64_t{limit});
  std::vector<StoredReport> out;
  while (true) {
    FT_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    StoredReport r;
    r.received_at = st.Int(0);
    r.json = st.Text(1);
    r.signed_by_node = st.Int(2) != 0;
    r.generated_at = st.Text(3);
    out.push_back(std::move(r));
  }
  return out;
}

StatusOr<std::optional<StoredReport>> HubStore::LatestReport(const std::string& agency) {
  FT_ASSIGN_OR_RETURN(auto st, db_->Prepare("SELECT received_at, json, signed, note, generated_at FROM reports "
                                            "WHERE agency = ? ORDER BY id DESC LIMIT 1"));
  st.BindText(1, agency);
  FT_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return std::optional<StoredReport>();
  StoredReport r;
  r.received_at = st.Int(0);
  r.json = st.Text(1);
  r.signed_by_node = st.Int(2) != 0;
  r.note = st.Text(3);
  r.generated_at = st.Text(4);
  return std::optional<StoredReport>(std::move(r));
}

}  // namespace facetrail::hub
