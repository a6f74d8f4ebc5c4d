// libFuzzer harness for the tile body parsers the auditor's mirror runs on bytes fetched
// from a node (src/audit/log_tiles.h: ParseHashTile, ParseEntryBundle). The first byte
// picks the width the path would name (1..256). Properties: an accepted hash tile is
// exactly 32 * width bytes; an accepted entry bundle re-encodes to exactly the input, has
// `width` entries, none over the limit; nothing crashes or reads out of bounds.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "audit/log_tiles.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint64_t width = uint64_t{data[0]} + 1;
  std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  auto hashes = facetrail::logstore::ParseHashTile(body, width);
  if (hashes.ok() && (hashes->size() != width || body.size() != 32 * width)) std::abort();
  const size_t max_entry = 1000;
  auto entries = facetrail::logstore::ParseEntryBundle(body, width, max_entry);
  if (entries.ok()) {
    if (entries->size() != width) std::abort();
    std::string again;
    for (std::string_view e : *entries) {
      if (e.size() > max_entry) std::abort();
      again += static_cast<char>(e.size() >> 8);
      again += static_cast<char>(e.size() & 0xff);
      again += e;
    }
    if (again != body) std::abort();
  }
  return 0;
}
