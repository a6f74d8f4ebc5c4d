#include "eval/progress.h"

#include <unistd.h>

namespace facetrail::eval {

Progress::Progress(std::string label, FILE* out, bool tty, const Clock* clock)
    : label_(std::move(label)), out_(out), tty_(tty), clock_(clock) {
  MutexLock lock(&mu_);
  start_us_ = clock_->MonotonicMicros();
}

bool Progress::StderrIsTty() { return isatty(STDERR_FILENO) == 1; }

void Progress::Update(size_t done, size_t total) {
  MutexLock lock(&mu_);
  if (total == 0) return;
  const double frac = static_cast<double>(done) / static_cast<double>(total);
  const double secs = static_cast<double>(clock_->MonotonicMicros() - start_us_) / 1e6;
  const double eta = frac > 0 ? secs * (1 - frac) / frac : 0;
  if (tty_) {
    constexpr int kWidth = 40;
    int filled = static_cast<int>(frac * kWidth);
    // Redraw only when the bar or the percentage changes, to keep the terminal cheap.
    int key = static_cast<int>(frac * 1000);
    if (key == last_width_ && done != total) return;
    last_width_ = key;
    std::string bar(static_cast<size_t>(filled), '#');
    bar.append(static_cast<size_t>(kWidth - filled), '.');
    std::fprintf(out_, "\r%s [%s] %zu/%zu %5.1f%% %4.0fs eta %4.0fs", label_.c_str(), bar.c_str(),
                 done, total, frac * 100, secs, eta);
    std::fflush(out_);
    drawn_ = true;
    return;
  }
  int decile = static_cast<int>(frac * 10);
  if (decile == last_decile_) return;
  last_decile_ = decile;
  std::fprintf(out_, "%s: %zu/%zu (%d%%) %.0fs\n", label_.c_str(), done, total, decile * 10, secs);
  std::fflush(out_);
}

void Progress::Finish() {
  MutexLock lock(&mu_);
  if (tty_ && drawn_) std::fprintf(out_, "\n");
  drawn_ = false;
}

}  // namespace facetrail::eval
