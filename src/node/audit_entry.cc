#include "node/audit_entry.h"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "facetrail/clock.h"

namespace facetrail::node {

std::string FormatMicrosRfc3339(int64_t micros) {
  int64_t secs = micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000;
  int64_t frac = micros - secs * 1000000;
  std::string base = FormatRfc3339(secs);  // "...:SSZ"
  char buf[16];
  std::snprintf(buf, sizeof buf, ".%06lldZ", static_cast<long long>(frac));
  base.pop_back();
  return base + buf;
}

StatusOr<std::string> SerializeAuditEntry(const AuditContext& ctx, std::string_view type,
                                          int64_t time_micros, const AuditActor& actor,
                                          std::string_view outcome, std::string_view reason,
                                          const nlohmann::json& details) {
  if (!details.is_object()) return InvalidArgumentError("audit details must be an object");
  nlohmann::json j;
  j["schema"] = kAuditSchema;
  j["type"] = type;
  j["time"] = FormatMicrosRfc3339(time_micros);
  j["node"] = ctx.node_id;
  j["agency"] = ctx.agency;
  j["policy_serial"] = ctx.policy_serial;
  if (!actor.id.empty()) {
    nlohmann::json a = {{"id", actor.id}, {"role", actor.role}};
    if (!actor.training_id.empty()) a["training_id"] = actor.training_id;
    j["actor"] = a;
  }
  j["outcome"] = outcome;
  if (!reason.empty()) j["reason"] = reason;
  j["details"] = details;
  std::string out;
  try {
    // Replace invalid UTF-8 instead of throwing: entries record what was received.
    out = j.dump(-1, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::replace);
  } catch (const nlohmann::json::exception& e) {
    return InternalError(std::string("audit entry serialisation: ") + e.what());
  }
  if (out.size() > 60 * 1024) return InvalidArgumentError("audit entry over 60 KiB");
  return out;
}

}  // namespace facetrail::node
