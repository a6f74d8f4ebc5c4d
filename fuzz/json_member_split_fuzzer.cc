// Differential fuzzer for SplitJsonMember (src/node/json_member_split.h), the fast path
// that cuts a probe's base64 text out of a JSON request body. Property: whenever it
// answers, the answer equals parsing the whole body with nlohmann and removing the member
// (same validity, same remaining object, same strings); anything else aborts.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "node/json_member_split.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using nlohmann::json;
  const std::string body(reinterpret_cast<const char*>(data), size);
  for (const char* key : {"image", "images"}) {
    auto fast = facetrail::node::SplitJsonMember(body, key);
    if (!fast) continue;
    json slow = json::parse(body, nullptr, false);
    if (fast->rest.is_discarded() != slow.is_discarded()) std::abort();
    if (slow.is_discarded()) continue;
    if (!slow.is_object()) std::abort();
    auto it = slow.find(key);
    if (it == slow.end()) std::abort();  // the fast path only answers when the member is there
    std::vector<std::string> want;
    if (it->is_string()) {
      want.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const json& x : *it) {
        if (!x.is_string()) std::abort();
        want.push_back(x.get<std::string>());
      }
    } else {
      std::abort();
    }
    slow.erase(key);
    if (fast->rest != slow) std::abort();
    if (std::vector<std::string>(fast->values.begin(), fast->values.end()) != want) std::abort();
  }
  return 0;
}
