// libFuzzer harness for the case-export verifier (src/audit/case_export.h), which parses
// JSON fetched from a node. The seed corpus (fuzz/corpus/case_export) holds a real export
// signed by the fixed test key below, so mutations reach the per-record checks.
// Properties: never crashes; an export that verifies has every record verified, records
// in strictly increasing log order, each inside the signed tree.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "audit/case_export.h"
#include "facetrail/note.h"

namespace {
// Public half of a key derived for this corpus only (seed: SHA-256 of "facetrail
// case_export fuzz corpus key"); valid_export.json's checkpoint is signed by it.
constexpr char kLogKey[] =
    "facetrail.local/demo-pd/fuzz+3dc50729+AVOSe1ZndURzFpVjgTvr673HtWeHPxhjUG4YY6UM7R5J";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::unique_ptr<facetrail::note::Ed25519Verifier> key = [] {
    auto k = facetrail::note::Ed25519Verifier::FromKey(kLogKey);
    if (!k.ok()) std::abort();
    return std::move(*k);
  }();
  std::string_view body(reinterpret_cast<const char*>(data), size);
  facetrail::auditor::CaseExportCheck x = facetrail::auditor::VerifyCaseExport(body, *key, "C-42");
  if (x.verification.ok()) {
    bool first = true;
    uint64_t last = 0;
    for (const auto& r : x.records) {
      if (!r.status.ok() || r.index >= x.size || (!first && r.index <= last)) std::abort();
      first = false;
      last = r.index;
    }
  }
  return 0;
}
