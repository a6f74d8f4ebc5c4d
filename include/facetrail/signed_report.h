// Signed accountability reports: a node's GET /v1/report JSON, signed by the node's report
// key (DATA/report.key, registered at the hub as the agency's `node_key`), so that the hub,
// and anyone who fetches a report from it, can check that the node itself said it
// (docs/hub.md "Reports", docs/node.md).
//
// Format (like policy bundles and releases): a C2SP signed note whose text is the schema
// line "facetrail-report/v1", "\n", the report as one line of canonical JSON (keys sorted,
// no insignificant white space, ASCII only with \u escapes), "\n". One report, one text: a
// signed note whose JSON is not canonical is refused even if the signature is valid.
//
// The report key is not the log key: a key that signs checkpoints signs nothing else, so a
// report can never be mistaken for (or replayed as) a checkpoint.
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_SIGNED_REPORT_H_
#define FACETRAIL_SIGNED_REPORT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "facetrail/note.h"
#include "facetrail/status.h"

namespace facetrail::report {

inline constexpr std::string_view kReportSchema = "facetrail-report/v1";
// Reports are refused past these bounds before or while parsing (untrusted input at the hub).
inline constexpr size_t kMaxReportBytes = 512 << 10;
inline constexpr int kMaxReportDepth = 16;

// The canonical form of a report's JSON text. kInvalidArgument if it is not a JSON object
// within the bounds above.
StatusOr<std::string> CanonicalReportJson(std::string_view report_json);

// Signs `report_json` (canonicalised first) with the node's report key.
StatusOr<std::string> SignReport(std::string_view report_json, const note::Signer& report_key);

// Checks a signed report and returns its canonical JSON: kUnauthenticated if `report_key`
// did not sign it, kDataLoss for a bad signature by that key, kInvalidArgument for a
// malformed note, another schema, more or less than one JSON line, non-canonical JSON or a
// report over the bounds.
StatusOr<std::string> OpenSignedReport(std::string_view signed_report, const note::Verifier& report_key);

}  // namespace facetrail::report

#endif  // FACETRAIL_SIGNED_REPORT_H_
