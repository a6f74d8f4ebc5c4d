// EntryIndex: derived, rebuildable index over the node's audit log: for each entry its
// type, case number, purpose and result. Case exports and usage counts read it instead of
// scanning the log. It is never the record: the log is. On open the node re-indexes every
// log entry past the last indexed one, so a crash between an append and its indexing
// loses nothing.
//
// Add() only queues: a background thread commits entries in batches, so requests do not
// wait for this derived index. Every read waits until each Add that returned before it is
// committed, so a case export never misses an entry the log already has. A failed write
// turns every later call into kUnavailable (fail closed: no incomplete exports) until the
// node restarts and re-indexes from the log.
//
// Thread-safety: all methods are safe to call concurrently.
#ifndef FACETRAIL_NODE_ENTRY_INDEX_H_
#define FACETRAIL_NODE_ENTRY_INDEX_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "facetrail/status.h"

namespace facetrail::node {

struct IndexedEntry {
  uint64_t index = 0;
  std::string type;         // e.g. "query.search"
  std::string case_number;  // "" when the entry names no case
  std::string purpose;
  std::string outcome;      // "ok" | "denied" | "error"
  std::string result;       // "match", "no_match", "inconclusive", "candidates", "no_candidate", ...
};

// Extracts the indexed fields from a canonical audit entry (JSON). kInvalidArgument if
// the entry is not a facetrail audit entry.
StatusOr<IndexedEntry> ParseIndexedEntry(uint64_t index, std::string_view entry);

// The same fields from the parts the entry was serialised from (SerializeAuditEntry's
// type, outcome and details), so the node indexes a fresh entry without re-parsing it.
// Equal to ParseIndexedEntry of that entry (entry_index_test.cc).
IndexedEntry IndexedEntryOf(uint64_t index, std::string_view type, std::string_view outcome,
                            const nlohmann::json& details);

class EntryIndex {
 public:
  static StatusOr<std::unique_ptr<EntryIndex>> Open(const std::string& path);
  virtual ~EntryIndex() = default;
  // n such that entries 0..n-1 are all indexed (0 when there is a hole).
  virtual StatusOr<uint64_t> IndexedCount() = 0;
  // Queues `e` (waits only when ~4,096 entries are already queued).
  virtual Status Add(const IndexedEntry& e) = 0;
  virtual StatusOr<std::vector<uint64_t>> EntriesForCase(std::string_view case_number) = 0;
  // type -> purpose -> result -> count over allowed and refused entries ("outcome:result").
  virtual StatusOr<std::map<std::string, std::map<std::string, std::map<std::string, int64_t>>>>
  Counts() = 0;
};

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_ENTRY_INDEX_H_
