// Leads and reviewer decisions (GOVERNANCE row 4: a match is an investigative lead until
// trained reviewers confirm it).
//
// Rules enforced here, whatever the HTTP layer does:
//  - a lead is confirmed only when `required_reviewers` distinct reviewers confirm it;
//  - one rejection rejects it (a lead must be confirmed unanimously);
//  - the officer who ran the query can never decide on its leads;
//  - a reviewer decides at most once per lead, and a decided lead takes no more decisions;
//  - blind review: while a lead is pending, listing it shows a reviewer only whether they
//    themselves have decided, never others' decisions or counts.
//
// Thread-safety: all methods are safe to call concurrently (one SQLite connection behind a
// mutex; each decision is one IMMEDIATE transaction, so two reviewers racing for the last
// confirmation cannot both "confirm" past k).
#ifndef FACETRAIL_NODE_LEAD_STORE_H_
#define FACETRAIL_NODE_LEAD_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/clock.h"
#include "facetrail/status.h"

namespace facetrail::node {

enum class LeadState { kPending, kConfirmed, kRejected };

// "L-" + 16 random hex characters. The node draws lead ids before it writes the query's
// audit entry, so the entry names the leads it created.
std::string NewLeadId();
std::string_view LeadStateName(LeadState s);
StatusOr<LeadState> ParseLeadState(std::string_view s);

struct NewLead {
  std::string id;  // from NewLeadId(); generated when empty
  std::string identity_id;
  int rank = 0;
  float score = 0;
  double estimated_fmr = 0;
};

struct Lead {
  std::string id;              // "L-" + 16 hex characters, random
  uint64_t query_index = 0;    // audit log index of the query that produced it
  std::string case_number;
  std::string officer_id;
  std::string identity_id;
  int rank = 0;
  float score = 0;
  double estimated_fmr = 0;
  int required_reviewers = 0;
  LeadState state = LeadState::kPending;
  int64_t created_at = 0;
  std::optional<int64_t> decided_at;
};

struct Decision {
  std::string lead_id;
  std::string reviewer_id;
  bool confirm = false;
  std::string note;
  int64_t decided_at = 0;
  uint64_t audit_index = 0;
};

// A lead as one reviewer may see it.
struct LeadView {
  Lead lead;
  bool decided_by_me = false;
  std::vector<Decision> decisions;  // empty while pending (blind review)
};

class LeadStore {
 public:
  static StatusOr<std::unique_ptr<LeadStore>> Open(const std::string& path, const Clock* clock);
  virtual ~LeadStore() = default;

  // Records the leads of one search. Returns them with ids, in rank order.
  virtual StatusOr<std::vector<Lead>> CreateLeads(uint64_t query_index,
                                                  std::string_view case_number,
                                                  std::string_view officer_id,
                                                  int required_reviewers,
                                                  const std::vector<NewLead>& leads) = 0;

  // Checks whether `reviewer_id` may decide on `lead_id` now, without recording anything
  // (the node calls this before writing the decision's audit entry). kNotFound,
  // kPermissionDenied (own query), kFailedPrecondition (already decided by this reviewer,
  // or lead no longer pending).
  virtual StatusOr<Lead> CheckDecision(std::string_view lead_id, std::string_view reviewer_id) const = 0;

  // Records a decision (re-checking the rules inside the transaction) and returns the
  // lead's new state.
  virtual StatusOr<Lead> Decide(std::string_view lead_id, std::string_view reviewer_id, bool confirm,
                                std::string_view note, uint64_t audit_index) = 0;

  // Leads in `state` (all states when nullopt) as `viewer_id` may see them; newest first,
  // at most `limit`.
  virtual StatusOr<std::vector<LeadView>> List(std::optional<LeadState> state,
                                               std::string_view viewer_id, int limit) const = 0;
  virtual StatusOr<LeadView> Get(std::string_view lead_id, std::string_view viewer_id) const = 0;

  // How many leads of the query at `query_index` are still pending.
  virtual StatusOr<int64_t> PendingForQuery(uint64_t query_index) const = 0;

  // Every lead of a case with all decisions (for the case export: auditors only).
  virtual StatusOr<std::vector<LeadView>> ForCase(std::string_view case_number) const = 0;
};

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_LEAD_STORE_H_
