// Record framing shared by the log store's append-only files (entries.log and
// checkpoints.log); the byte layout is documented in docs/log-format.md.
//
//   record = u32be(length) || u32be(crc32c(u32be(length) || data)) || data
//
// The CRC covers the length too, so a torn or flipped length is caught before it is used
// to skip ahead. Thread-safety: pure functions.
#ifndef FACETRAIL_AUDIT_LOG_RECORD_H_
#define FACETRAIL_AUDIT_LOG_RECORD_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace facetrail::logstore {

inline constexpr size_t kRecordHeaderSize = 8;

// CRC-32C (Castagnoli), as in iSCSI/ext4/LevelDB.
uint32_t Crc32c(std::string_view data, uint32_t crc = 0);

// Appends one framed record for `data` to *out.
void AppendRecord(std::string_view data, std::string* out);

enum class RecordResult {
  kOk,         // *data holds the payload; *consumed the record's total size
  kTruncated,  // fewer bytes than the header or the length claims (a torn tail)
  kTooLong,    // the length exceeds max_length
  kBadCrc,     // the header and payload are present but the checksum does not match
};

// Decodes the record at the start of `in`. `data` views into `in`.
RecordResult DecodeRecord(std::string_view in, uint32_t max_length, std::string_view* data,
                          size_t* consumed);

void PutU32BE(uint32_t v, std::string* out);
void PutU64BE(uint64_t v, std::string* out);
uint32_t GetU32BE(const char* p);
uint64_t GetU64BE(const char* p);

}  // namespace facetrail::logstore

#endif  // FACETRAIL_AUDIT_LOG_RECORD_H_
