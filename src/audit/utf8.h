// Strict UTF-8 decoding for the note parser and key-name checks (private to src/audit).
// Matches Go's utf8.DecodeRune acceptance: rejects overlong forms, surrogates and code
// points above U+10FFFF. Thread-safety: pure functions.
#ifndef FACETRAIL_AUDIT_UTF8_H_
#define FACETRAIL_AUDIT_UTF8_H_

#include <cstdint>
#include <string_view>

namespace facetrail::internal {

// Decodes the first code point of `s` (non-empty); returns it and sets *len, or returns
// -1 for an invalid or truncated sequence.
inline int32_t DecodeUtf8(std::string_view s, int* len) {
  auto b = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  uint8_t c = b(0);
  if (c < 0x80) {
    *len = 1;
    return c;
  }
  int n;
  int32_t cp;
  int32_t min;
  if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (s.size() < static_cast<size_t>(n)) return -1;
  for (int i = 1; i < n; ++i) {
    if ((b(static_cast<size_t>(i)) & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (b(static_cast<size_t>(i)) & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
  *len = n;
  return cp;
}

// Go's unicode.IsSpace.
inline bool IsUnicodeSpace(int32_t cp) {
  switch (cp) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

}  // namespace facetrail::internal

#endif  // FACETRAIL_AUDIT_UTF8_H_
