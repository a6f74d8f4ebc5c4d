// libFuzzer harness for ParseMicrosRfc3339 (node/audit_entry.h), which reads the `time` of
// audit log entries back at start (the rate-limit windows). Properties: never crashes;
// whatever it accepts is exactly what FormatMicrosRfc3339 writes for the value it returns.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "node/audit_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto t = facetrail::node::ParseMicrosRfc3339(input);
  if (t.ok() && facetrail::node::FormatMicrosRfc3339(*t) != input) std::abort();
  return 0;
}
