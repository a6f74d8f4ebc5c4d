// Verification of a node's case export (GET /v1/cases/{case}/export, docs/node.md): the
// export's checkpoint must be signed by the log key, and every record's entry must be in
// that tree: its canonical bytes (docs/audit-entries.md: keys sorted, no white space,
// ASCII with \u escapes, i.e. the node's own serialisation) hash to the record's leaf, and
// the leaf's RFC 9162 inclusion proof reproduces the checkpoint's root.
//
// Bounds on untrusted input: body size (checked by the caller's fetch), JSON nesting,
// number of records, entry size (65,535 bytes), proof length (64 hashes).
//
// Thread-safety: pure function.
#ifndef FACETRAIL_AUDIT_CASE_EXPORT_H_
#define FACETRAIL_AUDIT_CASE_EXPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/merkle.h"
#include "facetrail/note.h"
#include "facetrail/status.h"

namespace facetrail::auditor {

struct CaseExportLimits {
  size_t max_records = 100000;
  size_t max_entry_bytes = 65535;
  int max_depth = 32;
};

struct CaseRecordCheck {
  uint64_t index = 0;
  std::string type, outcome, time;  // from the entry, as logged ("" if absent)
  bool names_case = false;          // details.case_number is the exported case
  Status status;                    // OK: the entry is leaf `index` of the signed tree
};

struct CaseExportCheck {
  std::string case_number;
  uint64_t size = 0;  // the export's checkpoint
  merkle::Hash root{};
  std::string note;
  uint64_t export_audit_index = 0;  // the node's own audit entry for this export
  size_t leads = 0;
  std::vector<CaseRecordCheck> records;
  // OK, or why the export as a whole is refused (malformed, checkpoint not signed by the
  // log key, another case); record failures are in `records` and also make this kDataLoss.
  Status verification;
};

// Never fails for bad input: everything about the export goes into `verification`.
CaseExportCheck VerifyCaseExport(std::string_view body, const note::Verifier& log_key,
                                 std::string_view case_number, const CaseExportLimits& limits = {});

}  // namespace facetrail::auditor

#endif  // FACETRAIL_AUDIT_CASE_EXPORT_H_
