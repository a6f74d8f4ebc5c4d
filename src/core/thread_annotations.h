// Clang thread-safety annotations (checked with -Wthread-safety under clang; no-ops
// elsewhere). Use facetrail::Mutex / MutexLock so the analysis can see lock scopes.
#ifndef FACETRAIL_CORE_THREAD_ANNOTATIONS_H_
#define FACETRAIL_CORE_THREAD_ANNOTATIONS_H_

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define FT_THREAD_ANNOTATION_(x) __attribute__((x))
#else
#define FT_THREAD_ANNOTATION_(x)
#endif

#define GUARDED_BY(x) FT_THREAD_ANNOTATION_(guarded_by(x))
#define PT_GUARDED_BY(x) FT_THREAD_ANNOTATION_(pt_guarded_by(x))
#define REQUIRES(...) FT_THREAD_ANNOTATION_(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) FT_THREAD_ANNOTATION_(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) FT_THREAD_ANNOTATION_(acquire_capability(__VA_ARGS__))
#define RELEASE(...) FT_THREAD_ANNOTATION_(release_capability(__VA_ARGS__))
#define CAPABILITY(x) FT_THREAD_ANNOTATION_(capability(x))
#define SCOPED_CAPABILITY FT_THREAD_ANNOTATION_(scoped_lockable)
#define NO_THREAD_SAFETY_ANALYSIS FT_THREAD_ANNOTATION_(no_thread_safety_analysis)

namespace facetrail {

// std::mutex with capability annotations.
class CAPABILITY("mutex") Mutex {
 public:
  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }
  std::mutex& native() { return mu_; }

 private:
  std::mutex mu_;
};

class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* mu_;
};

// Condition variable usable with facetrail::Mutex (caller holds the mutex).
class CondVar {
 public:
  explicit CondVar(Mutex* mu) : mu_(mu) {}
  void Wait() REQUIRES(mu_) {
    std::unique_lock<std::mutex> lock(mu_->native(), std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  Mutex* mu_;
  std::condition_variable cv_;
};

}  // namespace facetrail

#endif  // FACETRAIL_CORE_THREAD_ANNOTATIONS_H_
