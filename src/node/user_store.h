// Users, roles, API tokens and training attestations of one node (GOVERNANCE rows 4, 5).
//
// Tokens are 256 random bits ("ft_" + base64url), shown once at creation and stored only
// as SHA-256 hashes. A plain hash suffices because the tokens carry full entropy (a slow
// password hash would add ~50 ms to every request and protect nothing more). Lookups
// compare hashes through a unique index, never the token text.
//
// Roles: officer (queries), reviewer (lead decisions), auditor (read the log, exports,
// report), enroller (gallery changes), admin (users, policy). One role per user, so
// separation of duties is visible in the audit log.
//
// Thread-safety: all methods are safe to call concurrently (one connection per store,
// serialised by a mutex; SQLite in WAL mode with synchronous=FULL).
#ifndef FACETRAIL_NODE_USER_STORE_H_
#define FACETRAIL_NODE_USER_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/clock.h"
#include "facetrail/status.h"

namespace facetrail::node {

enum class Role { kOfficer, kReviewer, kAuditor, kEnroller, kAdmin };
std::string_view RoleName(Role role);
StatusOr<Role> ParseRole(std::string_view name);

struct Training {
  std::string training_id;   // e.g. the course certificate reference
  std::string attested_by;   // admin who recorded it
  int64_t valid_until = 0;   // unix seconds
};

// Who a request comes from, after authentication.
struct Principal {
  std::string user_id;
  std::string display_name;
  Role role = Role::kOfficer;
  std::optional<Training> training;  // the latest attestation, if any
};

struct UserInfo {
  Principal principal;
  int64_t created_at = 0;
  std::optional<int64_t> revoked_at;
};

class UserStore {
 public:
  // Opens or creates the store at `path`. `clock` must outlive the store.
  static StatusOr<std::unique_ptr<UserStore>> Open(const std::string& path, const Clock* clock);
  virtual ~UserStore() = default;

  // Creates a user and returns their API token (the only time it exists in clear).
  // kAlreadyExists for a taken id; kInvalidArgument for a malformed id or name.
  virtual StatusOr<std::string> AddUser(std::string_view user_id, std::string_view display_name,
                                        Role role) = 0;
  // Issues an additional token for an active user (rotation); old tokens stay valid until
  // revoked.
  virtual StatusOr<std::string> IssueToken(std::string_view user_id) = 0;
  // Revokes the user and every token of theirs. kNotFound for an unknown user.
  virtual Status RevokeUser(std::string_view user_id) = 0;
  // Records a training attestation valid for `valid_days` from now.
  virtual Status AttestTraining(std::string_view user_id, std::string_view training_id,
                                std::string_view attested_by, int valid_days) = 0;

  // kUnauthenticated for an unknown, malformed or revoked token (one message for all, so
  // a caller cannot probe which).
  virtual StatusOr<Principal> Authenticate(std::string_view token) const = 0;

  virtual StatusOr<std::vector<UserInfo>> ListUsers() const = 0;
};

// True when `p` holds a training attestation valid at `now_seconds`.
bool TrainingValid(const Principal& p, int64_t now_seconds);

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_USER_STORE_H_
