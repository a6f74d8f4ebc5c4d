#include "audit/log_record.h"

#include <array>

#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

namespace facetrail::logstore {
namespace {

#if !defined(__SSE4_2__)
std::array<uint32_t, 256> MakeTable() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    t[i] = c;
  }
  return t;
}
#endif

}  // namespace

uint32_t Crc32c(std::string_view data, uint32_t crc) {
  uint32_t c = ~crc;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
#if defined(__SSE4_2__)
  uint64_t c64 = c;
  while (n >= 8) {
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
    c64 = _mm_crc32_u64(c64, v);
    p += 8;
    n -= 8;
  }
  c = static_cast<uint32_t>(c64);
  while (n-- > 0) c = _mm_crc32_u8(c, *p++);
#else
  static const std::array<uint32_t, 256> table = MakeTable();
  while (n-- > 0) c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
#endif
  return ~c;
}

void PutU32BE(uint32_t v, std::string* out) {
  for (int s = 24; s >= 0; s -= 8) out->push_back(static_cast<char>((v >> s) & 0xff));
}

void PutU64BE(uint64_t v, std::string* out) {
  for (int s = 56; s >= 0; s -= 8) out->push_back(static_cast<char>((v >> s) & 0xff));
}

uint32_t GetU32BE(const char* p) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

uint64_t GetU64BE(const char* p) {
  return (uint64_t{GetU32BE(p)} << 32) | GetU32BE(p + 4);
}

void AppendRecord(std::string_view data, std::string* out) {
  std::string len;
  PutU32BE(static_cast<uint32_t>(data.size()), &len);
  uint32_t crc = Crc32c(data, Crc32c(len));
  out->append(len);
  PutU32BE(crc, out);
  out->append(data);
}

RecordResult DecodeRecord(std::string_view in, uint32_t max_length, std::string_view* data,
                          size_t* consumed) {
  if (in.size() < kRecordHeaderSize) return RecordResult::kTruncated;
  uint32_t len = GetU32BE(in.data());
  uint32_t crc = GetU32BE(in.data() + 4);
  if (len > max_length) return RecordResult::kTooLong;
  if (in.size() - kRecordHeaderSize < len) return RecordResult::kTruncated;
  std::string_view payload = in.substr(kRecordHeaderSize, len);
  if (Crc32c(payload, Crc32c(in.substr(0, 4))) != crc) return RecordResult::kBadCrc;
  *data = payload;
  *consumed = kRecordHeaderSize + len;
  return RecordResult::kOk;
}

}  // namespace facetrail::logstore
