// Progress reporting for long evaluation runs, on stderr: a redrawn bar when stderr is a
// terminal, otherwise a plain line at every 10% (logs and CI stay readable).
//
// Thread-safety: Update may be called from any thread (internally locked).
#ifndef FACETRAIL_EVAL_PROGRESS_H_
#define FACETRAIL_EVAL_PROGRESS_H_

#include <cstddef>
#include <cstdio>
#include <string>

#include "core/thread_annotations.h"
#include "facetrail/clock.h"

namespace facetrail::eval {

class Progress {
 public:
  // `clock` is borrowed (Clock::Real() in the CLI). `tty` forces the mode; use
  // Progress::StderrIsTty().
  Progress(std::string label, FILE* out, bool tty, const Clock* clock);
  void Update(size_t done, size_t total) EXCLUDES(mu_);
  // Ends the bar's line (terminal mode).
  void Finish() EXCLUDES(mu_);

  static bool StderrIsTty();

 private:
  std::string label_;
  FILE* out_;
  bool tty_;
  const Clock* clock_;
  Mutex mu_;
  int64_t start_us_ GUARDED_BY(mu_) = 0;
  int last_decile_ GUARDED_BY(mu_) = -1;
  int last_width_ GUARDED_BY(mu_) = -1;
  bool drawn_ GUARDED_BY(mu_) = false;
};

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_PROGRESS_H_
