// LogStore: group-committed appends, checkpoint signing and the background signer.
#include "audit/log_record.h"
#include "audit/log_store_impl.h"
#include "facetrail/checkpoint.h"

namespace facetrail::logstore {
namespace {

// Waits on `cv`, releasing and re-taking `mu` (a facetrail::Mutex held by the caller).
void WaitOn(std::condition_variable& cv, Mutex* mu) REQUIRES(mu) {
  std::unique_lock<std::mutex> lock(mu->native(), std::adopt_lock);
  cv.wait(lock);
  lock.release();
}

}  // namespace

StatusOr<uint64_t> LogStoreImpl::Append(std::string_view entry) {
  return AppendBatch(std::span<const std::string_view>(&entry, 1));
}

StatusOr<uint64_t> LogStoreImpl::AppendBatch(std::span<const std::string_view> entries) {
  if (entries.empty()) return InvalidArgumentError("empty batch of log entries");
  Writer w;
  w.entries = entries;
  for (std::string_view e : entries) {
    if (e.size() > options_.max_entry_bytes) {
      return InvalidArgumentError("log entry of " + std::to_string(e.size()) +
                                  " bytes exceeds the " +
                                  std::to_string(options_.max_entry_bytes) + "-byte limit");
    }
    w.bytes += e.size();
  }
  if (entries.size() > options_.max_batch_entries || w.bytes > options_.max_batch_bytes) {
    return InvalidArgumentError("batch of " + std::to_string(entries.size()) + " entries (" +
                                std::to_string(w.bytes) + " bytes) exceeds the batch limits");
  }
  RunWriter(&w);
  if (!w.status.ok()) return w.status;
  return w.index;
}

StatusOr<SignedCheckpoint> LogStoreImpl::Checkpoint() {
  if (options_.signer == nullptr) {
    return FailedPreconditionError("log store opened without a signing key");
  }
  Writer w;
  w.checkpoint = true;
  RunWriter(&w);
  if (!w.status.ok()) return w.status;
  return w.signed_checkpoint;
}

void LogStoreImpl::RunWriter(Writer* w) {
  mu_.Lock();
  writers_.push_back(w);
  while (!w->done && w != writers_.front()) WaitOn(w->cv, &mu_);
  if (w->done) {
    mu_.Unlock();
    return;
  }
  // This thread leads: it alone touches the writable files until it pops itself.
  if (!bg_error_.ok()) {
    w->status = FailedPreconditionError("log store stopped after an I/O error (" +
                                        bg_error_.ToString() + "); reopen it to recover");
    w->done = true;
    writers_.pop_front();
  } else if (w->checkpoint) {
    const uint64_t n = size_;
    mu_.Unlock();
    StatusOr<SignedCheckpoint> r = SignCheckpoint(n);
    mu_.Lock();
    if (r.ok()) {
      if (r->size != latest_.size) {
        latest_ = *r;
        last_signed_mono_ = clock_->MonotonicMicros();
      }
      w->signed_checkpoint = *r;
    } else {
      bg_error_ = r.status();
      w->status = r.status();
    }
    w->done = true;
    writers_.pop_front();
  } else {
    std::vector<Writer*> batch;
    size_t bytes = 0, count = 0;
    for (Writer* x : writers_) {
      if (x->checkpoint) break;
      if (!batch.empty() && (count + x->entries.size() > options_.max_batch_entries ||
                             bytes + x->bytes > options_.max_batch_bytes)) {
        break;
      }
      batch.push_back(x);
      bytes += x->bytes;
      count += x->entries.size();
    }
    const uint64_t first = size_;
    mu_.Unlock();
    Status s = WriteBatch(batch);
    mu_.Lock();
    if (s.ok()) {
      size_ = first + count;
    } else {
      bg_error_ = s;
    }
    uint64_t next = first;
    for (size_t i = 0; i < batch.size(); ++i) {
      Writer* x = writers_.front();
      writers_.pop_front();
      x->status = s;
      x->index = next;
      next += x->entries.size();
      x->done = true;
      if (x != w) x->cv.notify_one();
    }
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  mu_.Unlock();
}

Status LogStoreImpl::WriteBatch(const std::vector<Writer*>& batch) {
  std::string records;
  std::vector<uint64_t> ends;
  for (const Writer* w : batch) {
    for (std::string_view e : w->entries) {
      AppendRecord(e, &records);
      ends.push_back(entries_end_ + records.size());
    }
  }
  // Durable first: the records are the source of truth; everything else is re-derivable.
  FT_RETURN_IF_ERROR(entries_writer_->Append(records));
  FT_RETURN_IF_ERROR(entries_writer_->Sync());
  entries_end_ += records.size();
  size_t i = 0;
  for (const Writer* w : batch) {
    for (std::string_view e : w->entries) FT_RETURN_IF_ERROR(Integrate(e, ends[i++]));
  }
  // Readers pread the tree files below the published size: hand the bytes to the OS first.
  return FlushTreeFiles();
}

Status LogStoreImpl::Integrate(std::string_view entry, uint64_t end_offset) {
  std::string idx;
  PutU64BE(end_offset, &idx);
  FT_RETURN_IF_ERROR(index_writer_->Append(idx));
  Status s;
  frontier_.Push(merkle::HashLeaf(entry), [&](int level, uint64_t, const merkle::Hash& h) {
    if (!s.ok()) return;
    s = OpenLevelWriter(level);
    if (s.ok()) s = level_writers_[level]->Append(AsStringView(h));
    level_dirty_[level] = true;
    level_unsynced_[level] = true;
  });
  return s;
}

Status LogStoreImpl::FlushTreeFiles() {
  FT_RETURN_IF_ERROR(index_writer_->Flush());
  for (int level = 0; level < kMaxLevels; ++level) {
    if (level_dirty_[level]) {
      FT_RETURN_IF_ERROR(level_writers_[level]->Flush());
      level_dirty_[level] = false;
    }
  }
  return Status::Ok();
}

StatusOr<SignedCheckpoint> LogStoreImpl::SignCheckpoint(uint64_t size) {
  SignedCheckpoint prev = LatestCheckpoint();
  if (size == prev.size) return prev;
  // The guard against ever signing a fork: the tree we are about to sign must contain the
  // last signed one. Recomputed from the stored hashes, not from memory.
  if (size < prev.size) {
    return InternalError("refusing to sign size " + std::to_string(size) +
                         " below the signed size " + std::to_string(prev.size));
  }
  if (prev.size > 0) {
    FT_ASSIGN_OR_RETURN(merkle::Hash old_root, merkle::RootHash(prev.size, HashFn()));
    if (old_root != prev.root) {
      return InternalError("refusing to sign: the stored tree no longer has the signed root "
                           "at size " + std::to_string(prev.size));
    }
  }
  // Hashes behind the checkpoint must be durable before the checkpoint is: recovery trusts
  // the derived files exactly up to the signed size.
  FT_RETURN_IF_ERROR(index_writer_->Sync());
  for (int level = 0; level < kMaxLevels; ++level) {
    if (level_writers_[level] && level_unsynced_[level]) {
      FT_RETURN_IF_ERROR(level_writers_[level]->Sync());
      level_unsynced_[level] = false;
    }
  }
  checkpoint::Checkpoint cp;
  cp.origin = origin_;
  cp.size = size;
  cp.root = frontier_.Root();
  FT_ASSIGN_OR_RETURN(std::string text, checkpoint::Format(cp));
  const note::Signer* signers[] = {options_.signer};
  FT_ASSIGN_OR_RETURN(std::string signed_note, note::Sign(text, signers));
  FT_RETURN_IF_ERROR(env_->WriteStringToFileSync(Path(kCheckpointFile), signed_note));
  std::string rec;
  AppendRecord(signed_note, &rec);
  FT_RETURN_IF_ERROR(history_writer_->Append(rec));
  FT_RETURN_IF_ERROR(history_writer_->Sync());
  return SignedCheckpoint{signed_note, size, cp.root};
}

void LogStoreImpl::BackgroundLoop() {
  const auto poll = std::chrono::milliseconds(options_.checkpoint_poll_millis);
  while (true) {
    {
      std::unique_lock<std::mutex> l(bg_mu_);
      bg_cv_.wait_for(l, poll, [this] { return bg_stop_; });
      if (bg_stop_) return;
    }
    bool due;
    {
      MutexLock l(&mu_);
      due = bg_error_.ok() && size_ > latest_.size &&
            clock_->MonotonicMicros() - last_signed_mono_ >= options_.checkpoint_interval_micros;
    }
    // An error stops the store (bg_error_); callers see it on their next call.
    if (due) Checkpoint().status().IgnoreError();
  }
}

}  // namespace facetrail::logstore
