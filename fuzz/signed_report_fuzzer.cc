// libFuzzer harness for signed accountability reports (facetrail/signed_report.h), which the
// hub parses from the network. Properties: never crashes; canonicalisation is idempotent;
// any input signed as a report opens again to exactly its canonical JSON (and is refused
// exactly when canonicalisation refuses it); raw input as a signed note never opens unless
// the key really signed it (a random key per process: a mutation cannot forge it).
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "facetrail/note.h"
#include "facetrail/signed_report.h"

namespace {

struct Keys {
  std::unique_ptr<facetrail::note::Ed25519Signer> signer;
  std::unique_ptr<facetrail::note::Ed25519Verifier> verifier;
};

const Keys& TheKeys() {
  static const Keys* keys = [] {
    auto k = facetrail::note::GenerateKey("fuzz.example/node-1/report");
    if (!k.ok()) std::abort();
    auto* out = new Keys;
    out->signer = std::move(*facetrail::note::Ed25519Signer::FromKey(k->private_key));
    out->verifier = std::move(*facetrail::note::Ed25519Verifier::FromKey(k->verifier_key));
    return out;
  }();
  return *keys;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace report = facetrail::report;
  const Keys& keys = TheKeys();
  std::string_view input(reinterpret_cast<const char*>(data), size);

  if (report::OpenSignedReport(input, *keys.verifier).ok()) std::abort();  // unforgeable

  auto canonical = report::CanonicalReportJson(input);
  if (canonical.ok()) {
    auto twice = report::CanonicalReportJson(*canonical);
    if (!twice.ok() || *twice != *canonical) std::abort();
  }
  auto signed_report = report::SignReport(input, *keys.signer);
  if (signed_report.ok() != canonical.ok()) std::abort();
  if (signed_report.ok()) {
    auto opened = report::OpenSignedReport(*signed_report, *keys.verifier);
    if (!opened.ok() || *opened != *canonical) std::abort();
  }
  return 0;
}
