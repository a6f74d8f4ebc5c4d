#include "facetrail/encoding.h"

#include <sodium.h>

#include <array>

#include "core/sha256_x86.h"

namespace facetrail {
namespace {

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Character -> 6-bit value; 0xff for every byte outside the alphabet ('=' included).
constexpr std::array<uint8_t, 256> kB64Rev = [] {
  std::array<uint8_t, 256> t{};
  t.fill(0xff);
  for (int i = 0; i < 64; ++i) t[static_cast<uint8_t>(kB64[i])] = static_cast<uint8_t>(i);
  return t;
}();

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8) | p[i + 2];
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = uint32_t{p[i]} << 16;
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t v = (uint32_t{p[i]} << 16) | (uint32_t{p[i + 1]} << 8);
    out += kB64[(v >> 18) & 63];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

StatusOr<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) return InvalidArgumentError("base64: length is not a multiple of 4");
  if (text.empty()) return std::string();
  const auto* in = reinterpret_cast<const uint8_t*>(text.data());
  const size_t quads = text.size() / 4;
  int pad = 0;
  if (text.back() == '=') pad = text[text.size() - 2] == '=' ? 2 : 1;
  std::string out(quads * 3 - static_cast<size_t>(pad), '\0');
  auto* o = reinterpret_cast<uint8_t*>(out.data());
  // Every quad but a padded last one: table lookups, no branch per character. An invalid
  // character maps to 0xff, whose high bits survive the OR and fail the whole input.
  const size_t full = pad == 0 ? quads : quads - 1;
  uint32_t bad = 0;
  for (size_t q = 0; q < full; ++q, in += 4, o += 3) {
    const uint32_t a = kB64Rev[in[0]], b = kB64Rev[in[1]], c = kB64Rev[in[2]], d = kB64Rev[in[3]];
    bad |= a | b | c | d;
    const uint32_t v = (a << 18) | (b << 12) | (c << 6) | d;
    o[0] = static_cast<uint8_t>(v >> 16);
    o[1] = static_cast<uint8_t>(v >> 8);
    o[2] = static_cast<uint8_t>(v);
  }
  if (pad > 0) {
    const uint32_t a = kB64Rev[in[0]], b = kB64Rev[in[1]], c = pad == 1 ? kB64Rev[in[2]] : 0;
    bad |= a | b | c;
    const uint32_t v = (a << 18) | (b << 12) | (c << 6);
    // Canonical form: the bits dropped by padding must be zero.
    if ((bad & 0xc0) == 0 && (pad == 1 ? (v & 0xff) : (v & 0xffff)) != 0) {
      return InvalidArgumentError("base64: non-canonical trailing bits");
    }
    o[0] = static_cast<uint8_t>(v >> 16);
    if (pad == 1) o[1] = static_cast<uint8_t>(v >> 8);
  }
  if ((bad & 0xc0) != 0) return InvalidArgumentError("base64: invalid character");
  return out;
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

StatusOr<std::string> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) return InvalidArgumentError("hex: odd length");
  std::string out;
  out.reserve(text.size() / 2);
  for (size_t i = 0; i < text.size(); i += 2) {
    int hi = HexValue(text[i]), lo = HexValue(text[i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgumentError("hex: invalid character");
    out += static_cast<char>((hi << 4) | lo);
  }
  return out;
}

// The node hashes every probe image on the request path; SHA-NI is ~4x libsodium's portable
// code there. The CPU probe is cached, so dispatch costs one predictable branch.
Sha256Digest Sha256(std::string_view bytes) {
  if (internal::ShaNiSupported()) return internal::Sha256ShaNi(bytes);
  Sha256Digest d;
  crypto_hash_sha256(d.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  return d;
}

std::string Sha256Hex(std::string_view bytes) { return HexEncode(AsStringView(Sha256(bytes))); }

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace facetrail
