// Federation's outbound side: reports, the disclosure, witnessing the audit log, and the
// background loop that schedules them and the polls.
#include <algorithm>
#include <chrono>

#include "core/env.h"
#include "node/federation.h"

namespace facetrail::node {

void Federation::Attach(NodeService* node) {
  MutexLock lock(&mu_);
  node_ = node;
}

Status Federation::PostReport() {
  NodeService* node;
  {
    MutexLock lock(&mu_);
    node = node_;
  }
  if (node == nullptr) return FailedPreconditionError("federation: no node attached");
  // Signed by the node's report key: the hub checks it against the agency's node_key.
  FT_ASSIGN_OR_RETURN(std::string signed_report, node->SignedReport(RequestMeta{}));
  return hub_->Post("/hub/v1/agencies/" + options_.agency + "/report", signed_report,
                    "text/plain; charset=utf-8");
}

Status Federation::PostDisclosure() {
  FT_ASSIGN_OR_RETURN(std::string bytes,
                      Env::Default()->ReadFileToString(options_.disclosure_path, 16 << 20));
  FT_RETURN_IF_ERROR(hub_->Post("/hub/v1/agencies/" + options_.agency + "/disclosure", bytes,
                                "application/octet-stream"));
  MutexLock lock(&mu_);
  disclosure_due_ = false;
  return Status::Ok();
}

Status Federation::Witness() {
  NodeService* node;
  {
    MutexLock lock(&mu_);
    node = node_;
  }
  if (node == nullptr) return FailedPreconditionError("federation: no node attached");
  if (witness_ == nullptr) return FailedPreconditionError("federation: no hub witness key configured");
  MutexLock round(&witness_mu_);
  SignedCheckpoint cp = node->Checkpoint();
  {
    MutexLock lock(&mu_);
    if (cp.size == 0 || cp.size <= witnessed_size_) return Status::Ok();
  }
  LogStore* log = node->log();
  FT_ASSIGN_OR_RETURN(witness::CosignResult r,
                      witness_->Cosign(cp.note, [log](uint64_t a, uint64_t b) {
                        return log->ConsistencyProof(a, b);
                      }));
  if (r.cosigned.empty()) {
    std::string why = r.failures.empty() ? "no answer" : r.failures.front().second.ToString();
    return UnavailableError("the hub witness did not cosign checkpoint " + std::to_string(cp.size) +
                            ": " + why);
  }
  // Keep the cosigned note: the node's evidence that the hub saw this history.
  FT_RETURN_IF_ERROR(Env::Default()->WriteStringToFileSync(
      JoinPath(options_.state_dir, "witnessed.note"), r.note));
  MutexLock lock(&mu_);
  witnessed_size_ = std::max(witnessed_size_, cp.size);
  return Status::Ok();
}

void Federation::Start() {
  std::lock_guard<std::mutex> l(loop_mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void Federation::Stop() {
  {
    std::lock_guard<std::mutex> l(loop_mu_);
    stop_ = true;
  }
  loop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Federation::Loop() {
  const int64_t poll_us = options_.poll_interval_seconds * 1000000;
  const int64_t report_us = options_.report_interval_seconds * 1000000;
  int64_t next_poll = clock_->NowMicros() + poll_us;  // the owner polled once before Start
  int64_t next_report = 0;                            // report at once
  int64_t next_witness = 0;
  int64_t next_disclosure = 0;
  // A failed round is retried at the poll cadence, not at every wake-up, so an unreachable
  // or refusing hub is not flooded.
  auto attempt = [this](int64_t now, int64_t* next, int64_t ok_delay, int64_t fail_delay,
                        const Status& s) {
    *next = now + (s.ok() ? ok_delay : fail_delay);
    if (s.ok()) return;
    MutexLock lock(&mu_);
    last_error_ = s.message();
  };
  while (true) {
    {
      std::unique_lock<std::mutex> l(loop_mu_);
      // Wakes often enough to notice a ManualClock step or a new checkpoint; the clock,
      // not this wait, decides when a poll or report is due.
      loop_cv_.wait_for(l, std::chrono::milliseconds(200), [this] { return stop_ || poll_now_; });
      if (stop_) return;
      if (poll_now_) {
        poll_now_ = false;
        next_poll = 0;
      }
    }
    const int64_t now = clock_->NowMicros();
    if (now >= next_poll) {
      next_poll = now + poll_us;
      Poll().IgnoreError();  // Poll records its own error
    }
    if (witness_ != nullptr && now >= next_witness) attempt(now, &next_witness, 0, poll_us, Witness());
    bool disclosure_due;
    {
      MutexLock lock(&mu_);
      disclosure_due = disclosure_due_ && release_.has_value();
    }
    if (disclosure_due && now >= next_disclosure) {
      attempt(now, &next_disclosure, 0, poll_us, PostDisclosure());
    }
    if (now >= next_report) attempt(now, &next_report, report_us, poll_us, PostReport());
  }
}

}  // namespace facetrail::node
