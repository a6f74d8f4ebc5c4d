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

StatusOr<int64_t> ParseMicrosRfc3339(std::string_view t) {
  // "YYYY-MM-DDTHH:MM:SS.ffffffZ"
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd.ddddddZ";
  auto bad = [&] { return InvalidArgumentError("not an RFC 3339 UTC time with microseconds"); };
  if (t.size() != kShape.size()) return bad();
  for (size_t i = 0; i < t.size(); ++i) {
    if (kShape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != kShape[i]) return bad();
  }
  auto num = [&](size_t pos, size_t len) {
    int64_t v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (t[i] - '0');
    return v;
  };
  const int64_t y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
                s = num(17, 2), us = num(20, 6);
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || (mo == 2 && d == 29 && !leap) ||
      h > 23 || mi > 59 || s > 59) {
    return bad();
  }
  // Days from the civil date (proleptic Gregorian; H. Hinnant's algorithm).
  const int64_t yy = mo <= 2 ? y - 1 : y;
  const int64_t era = yy / 400;  // yy >= 1969: no negative-era correction needed
  const int64_t yoe = yy - era * 400;
  const int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = era * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + mi) * 60 * 1000000 + s * 1000000 + us;
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
