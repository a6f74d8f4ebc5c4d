#include "core/env.h"

namespace facetrail {

std::string JoinPath(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out += '/';
  out += name;
  return out;
}

std::string DirName(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

StatusOr<std::string> Env::ReadFileToString(const std::string& path, uint64_t max_bytes) {
  FT_ASSIGN_OR_RETURN(uint64_t size, GetFileSize(path));
  if (size > max_bytes) {
    return ResourceExhaustedError(path + ": " + std::to_string(size) + " bytes exceeds the " +
                                  std::to_string(max_bytes) + "-byte limit");
  }
  FT_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, NewRandomAccessFile(path));
  std::string out;
  FT_RETURN_IF_ERROR(file->Read(0, static_cast<size_t>(size), &out));
  return out;
}

Status Env::WriteStringToFileSync(const std::string& path, std::string_view data) {
  const std::string tmp = path + ".tmp";
  {
    FT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, NewWritableFile(tmp));
    Status s = file->Append(data);
    if (s.ok()) s = file->Sync();
    Status c = file->Close();
    if (s.ok()) s = c;
    if (!s.ok()) {
      RemoveFile(tmp).IgnoreError();
      return s;
    }
  }
  FT_RETURN_IF_ERROR(RenameFile(tmp, path));
  return SyncDir(DirName(path));
}

}  // namespace facetrail
