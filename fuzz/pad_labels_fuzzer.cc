// Fuzzes eval::ParsePadLabels (the `facetrail eval pad --labels` CSV): never crashes, and
// every accepted row keeps the contract (non-empty image; attacks carry an attack type,
// bona fide rows none).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "eval/pad_run.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto labels = facetrail::eval::ParsePadLabels(in, "printed_photo");
  if (!labels.ok()) return 0;
  for (const auto& l : *labels) {
    if (l.image.empty()) std::abort();
    if (l.attack == l.attack_type.empty()) std::abort();
  }
  return 0;
}
