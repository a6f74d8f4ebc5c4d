// Fuzzes the node's request parsing: the JSON body check the HTTP layer runs before
// parsing (CheckJsonBody, nesting bound), the node config parser and the use-policy
// parser. The first byte picks the parser so one corpus covers all three. Properties:
// no crash, no unbounded recursion (the depth bound holds for any input), and a policy
// that parses re-serialises canonically to a text that parses to the same canonical text
// (one policy, one encoding: the property bundle signing relies on).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "facetrail/policy.h"
#include "node/http_api.h"
#include "node/node_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace facetrail;
  if (size == 0) return 0;
  const uint8_t selector = data[0];
  std::string_view in(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (selector % 3) {
    case 0: {
      Status s = node::CheckJsonBody(in, 16);
      // A body that passes has no '{' or '[' nesting deeper than the bound outside strings,
      // so parsing it cannot recurse deeply; a shallow bound refuses at least as much.
      if (s.ok() && !node::CheckJsonBody(in, 64).ok()) std::abort();
      (void)node::CheckJsonBody(in, 1);
      break;
    }
    case 1: {
      auto c = node::ParseNodeConfig(in);
      if (c.ok()) {
        // Whatever was accepted round-trips through the saved form.
        auto again = node::ParseNodeConfig(node::NodeConfigJson(*c));
        if (!again.ok() || node::NodeConfigJson(*again) != node::NodeConfigJson(*c)) std::abort();
      }
      std::string host;
      int port = 0;
      (void)node::SplitListen(in, &host, &port);
      break;
    }
    default: {
      auto p = policy::ParsePolicyJson(in);
      if (p.ok()) {
        const std::string canon = policy::CanonicalPolicyJson(*p);
        auto again = policy::ParsePolicyJson(canon);
        if (!again.ok() || policy::CanonicalPolicyJson(*again) != canon) std::abort();
      }
      break;
    }
  }
  return 0;
}
