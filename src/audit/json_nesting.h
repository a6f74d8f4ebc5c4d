// A pre-parse bound for untrusted JSON: nlohmann's parser builds any depth and its dump()
// recurses, so documents from the network are refused above a nesting depth first.
//
// Thread-safety: pure function.
#ifndef FACETRAIL_AUDIT_JSON_NESTING_H_
#define FACETRAIL_AUDIT_JSON_NESTING_H_

#include <string_view>

#include "facetrail/status.h"

namespace facetrail::auditor {

// kInvalidArgument if arrays/objects nest deeper than max_depth (strings are skipped,
// escapes included). Says nothing else about validity.
Status CheckJsonNesting(std::string_view text, int max_depth);

}  // namespace facetrail::auditor

#endif  // FACETRAIL_AUDIT_JSON_NESTING_H_
