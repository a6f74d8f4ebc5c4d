// The hub's durable state: one SQLite database (WAL, synchronous=FULL) holding the agency
// registry, enrolment tokens, releases, revocation lists, every checkpoint seen, alerts
// with their evidence, and node reports. Tokens are stored as SHA-256 only.
//
// Thread-safety: none; the hub server serialises every call with its own mutex.
#ifndef FACETRAIL_HUB_HUB_STORE_H_
#define FACETRAIL_HUB_HUB_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/status.h"
#include "core/sqlite_db.h"

namespace facetrail::hub {

struct Agency {
  std::string id, name, jurisdiction, log_key, log_origin, node_key, contact;
  int64_t registered_at = 0;
  bool suspended = false;
  std::string suspended_reason;
  std::string disclosure_sha256;  // of the disclosure the node last posted; "" if none
};

struct StoredCheckpoint {
  std::string origin;
  uint64_t size = 0;
  std::string root_hex;
  std::string note;
  int64_t received_at = 0;
  int witness_status = 0;  // the witness's HTTP answer (200: cosigned)
  // The witness's cosignature line(s) from a 200 answer (each ending in "\n"): `note`
  // followed by these is the cosigned note. "" for refused checkpoints and for records
  // made before hub.db had this column.
  std::string cosignature;
};

struct Alert {
  int64_t id = 0;
  std::string agency, kind, message, evidence_a, evidence_b;
  int64_t raised_at = 0;
};

struct StoredReport {
  int64_t received_at = 0;
  std::string json;
  bool signed_by_node = false;  // verified under the agency's node_key when received
  std::string note;             // the signed report as received ("" for unsigned ones)
  std::string generated_at;     // the report's own "generated_at" (RFC 3339), "" if none
};

class HubStore {
 public:
  static StatusOr<std::unique_ptr<HubStore>> Open(const std::string& path);

  // Admin token hash (meta table); nullopt before the first start completes.
  StatusOr<std::optional<std::string>> AdminTokenHash();
  Status SetAdminTokenHash(const std::string& sha256_hex);

  Status AddEnrolment(const std::string& token_sha256, const std::string& agency_id, int64_t now);
  // Marks the token used if it is unused and issued for `agency_id`; false otherwise.
  StatusOr<bool> ConsumeEnrolment(const std::string& token_sha256, const std::string& agency_id, int64_t now);

  // kAlreadyExists for a taken id or log origin.
  Status AddAgency(const Agency& a, const std::string& token_sha256);
  StatusOr<std::vector<Agency>> Agencies();
  StatusOr<std::optional<Agency>> AgencyById(const std::string& id);
  StatusOr<std::optional<Agency>> AgencyByOrigin(const std::string& origin);
  StatusOr<std::string> AgencyTokenHash(const std::string& id);
  Status SetSuspended(const std::string& id, bool suspended, const std::string& reason);
  Status SetDisclosure(const std::string& id, const std::string& sha256_hex, const std::string& bytes);

  Status AddRelease(const std::string& id, const std::string& bundle, const std::string& json, int64_t now);
  // The latest (most recently accepted) release's bundle and JSON.
  StatusOr<std::optional<std::pair<std::string, std::string>>> LatestRelease();
  // The latest release pinning the policy bundle with this SHA-256 (policies are per agency,
  // so each agency's node asks for the release that pins its own policy).
  StatusOr<std::optional<std::pair<std::string, std::string>>> LatestReleaseForPolicy(
      const std::string& policy_sha256);
  StatusOr<std::vector<std::string>> ReleaseJsons();
  // Every release's bundle and JSON, oldest first.
  StatusOr<std::vector<std::pair<std::string, std::string>>> Releases();

  Status AddRevocations(uint64_t sequence, const std::string& bundle, const std::string& json, int64_t now);
  StatusOr<std::optional<std::pair<std::string, std::string>>> LatestRevocations();

  Status AddCheckpoint(const StoredCheckpoint& c);
  // A recorded checkpoint note for `origin` at `size` with a root other than `root_hex`.
  StatusOr<std::optional<std::string>> ConflictingCheckpoint(const std::string& origin, uint64_t size,
                                                             const std::string& root_hex);
  StatusOr<bool> SeenNote(const std::string& origin, const std::string& note);
  // Latest cosigned checkpoint, and when its size was first cosigned.
  StatusOr<std::optional<StoredCheckpoint>> LatestCosigned(const std::string& origin);
  // The cosigned history of `origin`: for each size > after_size, the first record the
  // witness cosigned (200) at that size, in increasing size, at most `limit` of them.
  StatusOr<std::vector<StoredCheckpoint>> CosignedHistory(const std::string& origin, uint64_t after_size,
                                                          int limit);

  // Adds an alert unless the same (agency, kind, evidence_b) is already recorded.
  Status AddAlert(const Alert& a);
  StatusOr<std::vector<Alert>> Alerts();

  Status AddReport(const std::string& agency, const StoredReport& report);
  // The latest `limit` reports of `agency`, oldest first; `note` is not read (LatestReport
  // has it).
  StatusOr<std::vector<StoredReport>> Reports(const std::string& agency, int limit);
  StatusOr<std::optional<StoredReport>> LatestReport(const std::string& agency);

 private:
  explicit HubStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
  StatusOr<std::vector<Agency>> QueryAgencies(std::string_view where, const std::string& arg);
  StatusOr<std::optional<std::pair<std::string, std::string>>> LatestPair(std::string_view sql);
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace facetrail::hub

#endif  // FACETRAIL_HUB_HUB_STORE_H_
