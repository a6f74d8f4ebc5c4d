// JSON serialisers for the evaluation results, shared by every `facetrail eval`
// subcommand and the disclosure report (which embeds these objects). Only the forward
// declaration of nlohmann::json is included here; the one translation unit that defines
// these functions pays for the full header.
//
// Conventions: rates are numbers in [0, 1]; a value that does not exist (no default
// threshold, a rate with no trials) is null, never 0; keys keyed by a target rate use the
// "1e-3" spelling.
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_EVAL_JSON_REPORT_H_
#define FACETRAIL_EVAL_JSON_REPORT_H_

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "eval/folds.h"
#include "eval/intervals.h"
#include "eval/metrics.h"
#include "eval/open_set.h"
#include "eval/pairs_eval.h"

namespace facetrail::eval {

// "1e-2", "1e-3", "1e-4" for decades; otherwise %g.
std::string RateKey(double rate);

nlohmann::json ToJson(const Interval& ci);
nlohmann::json ToJson(const ErrorRates& r);
nlohmann::json ToJson(const TarAtFar& t);
nlohmann::json ToJson(const FnirAtFpir& f);
nlohmann::json ToJson(const EerResult& e);
nlohmann::json ToJson(const CrossValidation& cv);
// [{"threshold":t,"fmr":x,"fnmr":y}, ...]; the +infinity threshold is written as null.
nlohmann::json CurveToJson(const std::vector<OperatingPoint>& curve);
// The `eval pairs` document (keys listed in docs/evaluation.md).
nlohmann::json ToJson(const PairsReport& r);

// Serialises with 2-space indentation and a trailing newline. Never throws (non-finite
// numbers become null).
std::string Dump(const nlohmann::json& j);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_JSON_REPORT_H_
