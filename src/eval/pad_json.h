// JSON form of the PAD evaluation (`facetrail eval pad`, and the "pad" object of the
// disclosure). Keys every tool can rely on: threshold, bpcer, apcer (object keyed by attack
// type), samples, for the primary (first) model; per-model detail under "models". Format:
// docs/liveness.md.
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_EVAL_PAD_JSON_H_
#define FACETRAIL_EVAL_PAD_JSON_H_

#include <nlohmann/json_fwd.hpp>

#include "eval/pad_run.h"

namespace facetrail::eval {

nlohmann::json PadToJson(const PadReport& report);

// One-line plain-language verdict for a model's held-out result, e.g. "not useful: lets
// through 41% of printed photos while rejecting 5% of live people".
std::string PadVerdict(const PadModelReport& m);

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_PAD_JSON_H_
