// libFuzzer harness for the hub's checkpoint history page (GET
// /hub/v1/agencies/{id}/checkpoints), which `facetrail audit fetch --hub` parses from the
// network (auditor::ParseHubHistoryPage). Properties: never crashes under the small limits
// set here; an accepted page respects them; an accepted page written back as JSON parses to
// the same page (nothing is lost or invented in parsing).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "audit/hub_check.h"

namespace {

bool Same(const facetrail::auditor::HubHistoryPage& a, const facetrail::auditor::HubHistoryPage& b) {
  if (a.agency != b.agency || a.log_origin != b.log_origin || a.next_after_size != b.next_after_size ||
      a.checkpoints.size() != b.checkpoints.size()) {
    return false;
  }
  for (size_t i = 0; i < a.checkpoints.size(); ++i) {
    const auto& x = a.checkpoints[i];
    const auto& y = b.checkpoints[i];
    if (x.size != y.size || x.root != y.root || x.note != y.note || x.witnessed_at != y.witnessed_at ||
        x.cosigned != y.cosigned) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using facetrail::auditor::HubCheckLimits;
  using nlohmann::json;
  HubCheckLimits limits;
  limits.max_history_page_bytes = 64 << 10;
  limits.max_depth = 8;
  limits.history_page_size = 4;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto page = facetrail::auditor::ParseHubHistoryPage(in, limits);
  if (!page.ok()) return 0;
  if (size > limits.max_history_page_bytes || page->checkpoints.size() > limits.history_page_size) std::abort();

  json list = json::array();
  for (const auto& c : page->checkpoints) {
    list.push_back({{"size", c.size}, {"root", c.root}, {"note", c.note}, {"witnessed_at", c.witnessed_at},
                    {"cosigned", c.cosigned}});
  }
  json doc = {{"agency", page->agency}, {"log_origin", page->log_origin}, {"checkpoints", list},
              {"next_after_size", page->next_after_size ? json(*page->next_after_size) : json(nullptr)}};
  std::string text;
  try {
    text = doc.dump();
  } catch (const json::exception&) {
    return 0;  // strings that are not UTF-8 cannot be written back as JSON; nothing to compare
  }
  HubCheckLimits wide = limits;
  wide.max_history_page_bytes = text.size() + 1;  // escaping may lengthen what was accepted
  auto again = facetrail::auditor::ParseHubHistoryPage(text, wide);
  if (!again.ok() || !Same(*page, *again)) std::abort();
  return 0;
}
