// libFuzzer harness for the tlog-tiles path parser (src/audit/log_tiles.h), which sees
// untrusted URL paths from the node's HTTP layer. Property: a path that parses is the one
// canonical name of its resource (format(parse(p)) == p), and parsing never crashes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "audit/log_tiles.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view path(reinterpret_cast<const char*>(data), size);
  auto t = facetrail::logstore::ParseTilePath(path);
  if (t.ok() && facetrail::logstore::FormatTilePath(*t) != path) std::abort();
  return 0;
}
