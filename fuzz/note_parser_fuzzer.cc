// Fuzzes note::Parse and note::Open (with two fixed verifiers): no crash, no unbounded
// work, and every accepted note re-serialises to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "facetrail/note.h"

namespace {

const facetrail::note::Ed25519Verifier& Peter() {
  static auto* v = facetrail::note::Ed25519Verifier::FromKey(
                       "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
                       ->release();
  return *v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace facetrail::note;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto n = Parse(in);
  if (n.ok()) {
    if (n->signatures.empty() || n->signatures.size() > kMaxSignatures) std::abort();
    // Parse is a bijection on what it accepts: text + "\n" + lines == input.
    std::string again = n->text + "\n";
    for (const Signature& s : n->signatures) again += FormatSignatureLine(s);
    if (again != in) std::abort();
  }
  const Verifier* vs[] = {&Peter()};
  auto opened = Open(in, vs);
  if (opened.ok() && opened->verified.empty()) std::abort();
  // Keys share the input too.
  (void)ParseVerifierKey(in);
  (void)IsValidKeyName(in);
  return 0;
}
