// Directory and memory MirrorStores.
#include "audit/mirror_store.h"

#include <map>
#include <utility>

namespace facetrail::auditor {
namespace {

// Paths come from FormatTilePath or the mirror itself, never from the network; still,
// refuse anything that could leave the root.
Status CheckRelative(const std::string& path) {
  if (path.empty() || path[0] == '/' || path.find("..") != std::string::npos ||
      path.find("//") != std::string::npos) {
    return InvalidArgumentError("bad mirror path '" + path + "'");
  }
  return Status::Ok();
}

class DirStore final : public MirrorStore {
 public:
  DirStore(Env* env, std::string root, std::unique_ptr<FileLock> lock)
      : env_(env), root_(std::move(root)), lock_(std::move(lock)) {}

  StatusOr<std::string> Read(const std::string& path, size_t max_bytes) override {
    FT_RETURN_IF_ERROR(CheckRelative(path));
    const std::string full = JoinPath(root_, path);
    if (!env_->FileExists(full)) return NotFoundError(full + " is missing");
    return env_->ReadFileToString(full, max_bytes);
  }
  bool Exists(const std::string& path) override { return env_->FileExists(JoinPath(root_, path)); }

  Status Write(const std::string& path, std::string_view data) override {
    FT_RETURN_IF_ERROR(CheckRelative(path));
    FT_RETURN_IF_ERROR(MakeParents(path));
    const std::string full = JoinPath(root_, path);
    FT_ASSIGN_OR_RETURN(auto f, env_->NewWritableFile(full));
    FT_RETURN_IF_ERROR(f->Append(data));
    FT_RETURN_IF_ERROR(f->Sync());
    FT_RETURN_IF_ERROR(f->Close());
    return env_->SyncDir(DirName(full));
  }
  Status Replace(const std::string& path, std::string_view data) override {
    FT_RETURN_IF_ERROR(CheckRelative(path));
    FT_RETURN_IF_ERROR(MakeParents(path));
    return env_->WriteStringToFileSync(JoinPath(root_, path), data);
  }
  Status Move(const std::string& from, const std::string& to) override {
    FT_RETURN_IF_ERROR(CheckRelative(from));
    FT_RETURN_IF_ERROR(CheckRelative(to));
    FT_RETURN_IF_ERROR(MakeParents(to));
    const std::string dst = JoinPath(root_, to);
    FT_RETURN_IF_ERROR(env_->RenameFile(JoinPath(root_, from), dst));
    return env_->SyncDir(DirName(dst));
  }
  Status Remove(const std::string& path) override {
    FT_RETURN_IF_ERROR(CheckRelative(path));
    return env_->RemoveFile(JoinPath(root_, path));
  }
  std::string Describe(const std::string& path) const override { return JoinPath(root_, path); }
  bool in_memory() const override { return false; }

 private:
  Status MakeParents(const std::string& path) {
    size_t slash = 0;
    while ((slash = path.find('/', slash)) != std::string::npos) {
      FT_RETURN_IF_ERROR(env_->CreateDir(JoinPath(root_, path.substr(0, slash))));
      ++slash;
    }
    return Status::Ok();
  }

  Env* env_;
  std::string root_;
  std::unique_ptr<FileLock> lock_;
};

class MemoryStore final : public MirrorStore {
 public:
  StatusOr<std::string> Read(const std::string& path, size_t max_bytes) override {
    auto it = files_.find(path);
    if (it == files_.end()) return NotFoundError(Describe(path) + " is missing");
    if (it->second.size() > max_bytes) return ResourceExhaustedError(Describe(path) + " is too large");
    return it->second;
  }
  bool Exists(const std::string& path) override { return files_.count(path) != 0; }
  Status Write(const std::string& path, std::string_view data) override {
    files_[path] = std::string(data);
    return Status::Ok();
  }
  Status Replace(const std::string& path, std::string_view data) override { return Write(path, data); }
  Status Move(const std::string& from, const std::string& to) override {
    auto it = files_.find(from);
    if (it == files_.end()) return NotFoundError(Describe(from) + " is missing");
    files_[to] = std::move(it->second);
    files_.erase(from);
    return Status::Ok();
  }
  Status Remove(const std::string& path) override {
    files_.erase(path);
    return Status::Ok();
  }
  std::string Describe(const std::string& path) const override { return "memory:" + path; }
  bool in_memory() const override { return true; }

 private:
  std::map<std::string, std::string> files_;
};

}  // namespace

StatusOr<std::unique_ptr<MirrorStore>> OpenDirMirrorStore(Env* env, const std::string& root) {
  if (root.empty()) return InvalidArgumentError("mirror directory is empty");
  FT_RETURN_IF_ERROR(env->CreateDir(root));
  FT_ASSIGN_OR_RETURN(auto lock, env->LockFile(JoinPath(root, "LOCK")));
  return std::unique_ptr<MirrorStore>(new DirStore(env, root, std::move(lock)));
}

std::unique_ptr<MirrorStore> NewMemoryMirrorStore() { return std::make_unique<MemoryStore>(); }

}  // namespace facetrail::auditor
