// Clock: the one source of time for facetrail code. Core code never calls time() or
// std::chrono::system_clock directly, so tests can control time (expiry, rate limits,
// retention, checkpoint timestamps).
//
// Thread-safety: implementations are safe to call from any thread.
#ifndef FACETRAIL_CLOCK_H_
#define FACETRAIL_CLOCK_H_

#include <atomic>
#include <cstdint>
#include <string>

namespace facetrail {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, microseconds since the Unix epoch (UTC).
  virtual int64_t NowMicros() const = 0;
  // Monotonic time in microseconds from an arbitrary origin, for durations.
  virtual int64_t MonotonicMicros() const = 0;

  int64_t NowSeconds() const { return NowMicros() / 1000000; }

  // The process-wide real clock. Never null; lives forever.
  static Clock* Real();
};

// A clock tests set by hand. Both wall and monotonic time move only when told.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t now_micros = 1'700'000'000'000'000) : now_(now_micros) {}
  int64_t NowMicros() const override { return now_.load(); }
  int64_t MonotonicMicros() const override { return now_.load(); }
  void AdvanceMicros(int64_t d) { now_ += d; }
  void AdvanceSeconds(int64_t s) { now_ += s * 1000000; }
  void SetMicros(int64_t t) { now_ = t; }

 private:
  std::atomic<int64_t> now_;
};

// RFC 3339 UTC timestamp with second precision ("2026-11-27T23:15:00Z").
std::string FormatRfc3339(int64_t unix_seconds);

}  // namespace facetrail

#endif  // FACETRAIL_CLOCK_H_
