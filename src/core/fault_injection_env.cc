#include "core/fault_injection_env.h"

namespace facetrail {
namespace {

class FaultWritableFile final : public WritableFile {
 public:
  FaultWritableFile(FaultInjectionEnv* env, std::string path, std::unique_ptr<WritableFile> base,
                    uint64_t initial_length)
      : env_(env), path_(std::move(path)), base_(std::move(base)), length_(initial_length) {}

  Status Append(std::string_view data) override {
    if (env_->ShouldFailWrite()) {
      // A torn write: part of the bytes reach the OS, then the error.
      std::string_view half = data.substr(0, data.size() / 2);
      if (base_->Append(half).ok() && base_->Flush().ok()) length_ += half.size();
      return IOError("injected write failure on " + path_);
    }
    FT_RETURN_IF_ERROR(base_->Append(data));
    length_ += data.size();
    return Status::Ok();
  }
  Status Flush() override { return base_->Flush(); }
  Status Sync() override {
    if (env_->ShouldFailSync()) {
      base_->Flush().IgnoreError();  // the bytes sit in the page cache, not durable
      return IOError("injected fsync failure on " + path_);
    }
    FT_RETURN_IF_ERROR(base_->Sync());
    env_->RecordSynced(path_, length_);
    return Status::Ok();
  }
  Status Close() override { return base_->Close(); }

 private:
  FaultInjectionEnv* env_;
  std::string path_;
  std::unique_ptr<WritableFile> base_;
  uint64_t length_;
};

}  // namespace

void FaultInjectionEnv::FailNthWrite(uint64_t n) {
  MutexLock l(&mu_);
  fail_write_at_ = n == 0 ? 0 : writes_ + n;
}

void FaultInjectionEnv::FailNthSync(uint64_t n) {
  MutexLock l(&mu_);
  fail_sync_at_ = n == 0 ? 0 : syncs_ + n;
}

uint64_t FaultInjectionEnv::writes() const {
  MutexLock l(&mu_);
  return writes_;
}

uint64_t FaultInjectionEnv::syncs() const {
  MutexLock l(&mu_);
  return syncs_;
}

void FaultInjectionEnv::ResetCounters() {
  MutexLock l(&mu_);
  writes_ = syncs_ = fail_write_at_ = fail_sync_at_ = 0;
}

bool FaultInjectionEnv::ShouldFailWrite() {
  MutexLock l(&mu_);
  ++writes_;
  if (fail_write_at_ != 0 && writes_ == fail_write_at_) {
    fail_write_at_ = 0;
    return true;
  }
  return false;
}

bool FaultInjectionEnv::ShouldFailSync() {
  MutexLock l(&mu_);
  ++syncs_;
  if (fail_sync_at_ != 0 && syncs_ == fail_sync_at_) {
    fail_sync_at_ = 0;
    return true;
  }
  return false;
}

void FaultInjectionEnv::RecordSynced(const std::string& path, uint64_t length) {
  MutexLock l(&mu_);
  files_[path].synced_length = length;
}

StatusOr<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(
    const std::string& path) {
  bool existed = base_->FileExists(path);
  FT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> base, base_->NewWritableFile(path));
  {
    MutexLock l(&mu_);
    FileState& st = files_[path];
    st.synced_length = 0;  // truncation is not durable either; power loss leaves 0 bytes
    if (!existed) st.created_unsynced = true;
  }
  return std::unique_ptr<WritableFile>(new FaultWritableFile(this, path, std::move(base), 0));
}

StatusOr<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewAppendableFile(
    const std::string& path) {
  bool existed = base_->FileExists(path);
  uint64_t length = 0;
  if (existed) {
    FT_ASSIGN_OR_RETURN(length, base_->GetFileSize(path));
  }
  FT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> base, base_->NewAppendableFile(path));
  {
    MutexLock l(&mu_);
    auto it = files_.find(path);
    if (it == files_.end()) {
      // First sight of a pre-existing file: what is on disk now counts as durable.
      FileState st;
      st.synced_length = length;
      st.created_unsynced = !existed;
      files_[path] = st;
    }
  }
  return std::unique_ptr<WritableFile>(
      new FaultWritableFile(this, path, std::move(base), length));
}

Status FaultInjectionEnv::RemoveFile(const std::string& path) {
  FT_RETURN_IF_ERROR(base_->RemoveFile(path));
  MutexLock l(&mu_);
  files_.erase(path);
  return Status::Ok();
}

Status FaultInjectionEnv::RenameFile(const std::string& from, const std::string& to) {
  FT_RETURN_IF_ERROR(base_->RenameFile(from, to));
  MutexLock l(&mu_);
  auto it = files_.find(from);
  if (it != files_.end()) {
    FileState st = it->second;
    st.created_unsynced = false;  // see the header: renames count as durable
    files_.erase(it);
    files_[to] = st;
  } else {
    files_.erase(to);
  }
  return Status::Ok();
}

Status FaultInjectionEnv::TruncateFile(const std::string& path, uint64_t size) {
  FT_RETURN_IF_ERROR(base_->TruncateFile(path, size));
  MutexLock l(&mu_);
  auto it = files_.find(path);
  if (it != files_.end() && it->second.synced_length > size) it->second.synced_length = size;
  return Status::Ok();
}

Status FaultInjectionEnv::SyncDir(const std::string& dir) {
  FT_RETURN_IF_ERROR(base_->SyncDir(dir));
  MutexLock l(&mu_);
  for (auto& [path, st] : files_) {
    if (DirName(path) == dir) st.created_unsynced = false;
  }
  return Status::Ok();
}

Status FaultInjectionEnv::DropUnsyncedData() {
  std::map<std::string, FileState> files;
  {
    MutexLock l(&mu_);
    files = files_;
  }
  for (const auto& [path, st] : files) {
    if (!base_->FileExists(path)) continue;
    if (st.created_unsynced) {
      FT_RETURN_IF_ERROR(base_->RemoveFile(path));
      continue;
    }
    FT_ASSIGN_OR_RETURN(uint64_t size, base_->GetFileSize(path));
    if (size > st.synced_length) FT_RETURN_IF_ERROR(base_->TruncateFile(path, st.synced_length));
  }
  MutexLock l(&mu_);
  for (auto it = files_.begin(); it != files_.end();) {
    if (it->second.created_unsynced) {
      it = files_.erase(it);
    } else {
      ++it;
    }
  }
  return Status::Ok();
}

}  // namespace facetrail
