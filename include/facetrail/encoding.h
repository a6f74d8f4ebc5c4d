// Byte encodings used on every wire and disk format: standard base64 (RFC 4648 section 4,
// with padding, as the C2SP specs and RFC 9162 tooling use), lower-case hex, and SHA-256.
//
// Decoders are strict: they reject non-canonical input (bad padding, stray characters,
// non-zero trailing bits) so that one value has exactly one encoding.
// Thread-safety: pure functions.
#ifndef FACETRAIL_ENCODING_H_
#define FACETRAIL_ENCODING_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "facetrail/status.h"

namespace facetrail {

using Sha256Digest = std::array<uint8_t, 32>;

std::string Base64Encode(std::string_view bytes);
StatusOr<std::string> Base64Decode(std::string_view text);

std::string HexEncode(std::string_view bytes);
StatusOr<std::string> HexDecode(std::string_view text);

Sha256Digest Sha256(std::string_view bytes);
std::string Sha256Hex(std::string_view bytes);

inline std::string_view AsStringView(const Sha256Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

// Constant-time comparison of equal-length secrets (token hashes, MACs).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace facetrail

#endif  // FACETRAIL_ENCODING_H_
