// Fuzzes the tlog-witness add-checkpoint body parser: bounded, and accepted bodies
// re-format to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "facetrail/witness.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace facetrail::witness;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto req = ParseAddCheckpointRequest(in);
  if (req.ok()) {
    if (req->proof.size() > kMaxProofLines || req->checkpoint.empty()) std::abort();
    if (FormatAddCheckpointRequest(*req) != in) std::abort();
  }
  return 0;
}
