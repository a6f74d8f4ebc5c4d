// Query checks against a policy, and per-officer rate limits.
#include <algorithm>
#include <deque>
#include <unordered_map>

#include "core/thread_annotations.h"
#include "facetrail/policy.h"

namespace facetrail::policy {

std::string_view ModeName(Mode mode) { return mode == Mode::kVerify ? "verify" : "search"; }

bool IsValidReference(std::string_view s, size_t max_len) {
  if (s.empty() || s.size() > max_len) return false;
  if (s.front() == ' ' || s.back() == ' ') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

Status CheckQuery(const Policy& policy, const QueryContext& q) {
  const ModeRule& rule = q.mode == Mode::kVerify ? policy.verify : policy.search;
  const std::string mode(ModeName(q.mode));
  if (!rule.allowed) {
    return PermissionDeniedError("mode '" + mode + "' is not allowed by policy serial " +
                                 std::to_string(policy.serial));
  }
  if (q.purpose.empty()) return InvalidArgumentError("purpose is required");
  if (!IsValidReference(q.purpose, 64)) return InvalidArgumentError("purpose is malformed");
  if (std::find(policy.purposes.begin(), policy.purposes.end(), q.purpose) ==
      policy.purposes.end()) {
    return PermissionDeniedError("purpose '" + q.purpose + "' is not allowed by policy serial " +
                                 std::to_string(policy.serial));
  }
  if (q.case_number.empty()) return InvalidArgumentError("case_number is required");
  if (!IsValidReference(q.case_number)) return InvalidArgumentError("case_number is malformed");
  bool authority_required = rule.legal_authority_required || q.mode == Mode::kSearch;
  if (authority_required && q.legal_authority.empty()) {
    return InvalidArgumentError("legal_authority is required for " + mode);
  }
  if (!q.legal_authority.empty() && !IsValidReference(q.legal_authority)) {
    return InvalidArgumentError("legal_authority is malformed");
  }
  return Status::Ok();
}

struct RateLimiter::Impl {
  explicit Impl(const Clock* c) : clock(c) {}
  const Clock* clock;
  Mutex mu;
  // Per officer: times (monotonic microseconds) of queries in the last 24 hours.
  std::unordered_map<std::string, std::deque<int64_t>> recent GUARDED_BY(mu);
};

RateLimiter::RateLimiter(const Clock* clock) : impl_(std::make_unique<Impl>(clock)) {}
RateLimiter::~RateLimiter() = default;

Status RateLimiter::Acquire(std::string_view officer, int per_hour, int per_day) {
  constexpr int64_t kHour = 3600LL * 1000000, kDay = 24 * kHour;
  const int64_t now = impl_->clock->MonotonicMicros();
  MutexLock lock(&impl_->mu);
  auto& times = impl_->recent[std::string(officer)];
  while (!times.empty() && times.front() <= now - kDay) times.pop_front();
  auto hour_begin = std::upper_bound(times.begin(), times.end(), now - kHour);
  int64_t in_hour = times.end() - hour_begin;
  if (static_cast<int64_t>(times.size()) >= per_day) {
    int64_t wait = (times.front() + kDay - now) / 1000000 + 1;
    return ResourceExhaustedError("daily query limit of " + std::to_string(per_day) +
                                  " reached; retry in " + std::to_string(wait) + " s");
  }
  if (in_hour >= per_hour) {
    int64_t wait = (*hour_begin + kHour - now) / 1000000 + 1;
    return ResourceExhaustedError("hourly query limit of " + std::to_string(per_hour) +
                                  " reached; retry in " + std::to_string(wait) + " s");
  }
  times.push_back(now);
  return Status::Ok();
}

void RateLimiter::Restore(std::string_view officer, int64_t age_micros) {
  constexpr int64_t kDay = 24 * 3600LL * 1000000;
  if (age_micros >= kDay) return;
  const int64_t t = impl_->clock->MonotonicMicros() - std::max<int64_t>(age_micros, 0);
  MutexLock lock(&impl_->mu);
  auto& times = impl_->recent[std::string(officer)];
  // Acquire's window arithmetic needs the times sorted.
  times.insert(std::upper_bound(times.begin(), times.end(), t), t);
}

}  // namespace facetrail::policy
