// The node's accountability report (GET /v1/report) as JSON text: one serialisation for
// the HTTP API and for the copy a federated node posts to the hub (docs/api/openapi.yaml).
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_NODE_REPORT_JSON_H_
#define FACETRAIL_NODE_REPORT_JSON_H_

#include <string>

#include "node/node_service.h"

namespace facetrail::node {

std::string UsageReportJson(const UsageReport& report);
// {"hub","release","revocation_sequence","last_poll","grace_period_seconds",
//  "witnessed_size","queries":"open"|"closed","fail_closed_reason","last_error"}.
std::string FederationStatusJson(const FederationStatus& status);

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_REPORT_JSON_H_
