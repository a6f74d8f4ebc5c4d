// Fuzzes checkpoint::Parse (and the cosignature helpers): accepted bodies must format back
// to the identical bytes (one checkpoint, one encoding).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "facetrail/checkpoint.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace facetrail;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto c = checkpoint::Parse(in);
  if (c.ok()) {
    auto body = checkpoint::Format(*c);
    if (!body.ok() || *body != in) std::abort();
  }
  (void)checkpoint::CosignatureTimestamp(in);
  static const auto key = *note::ParseVerifierKey(
      "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  if (checkpoint::VerifyCosignature(in, key, in).ok()) std::abort();
  return 0;
}
