#include "eval/template_cache.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "facetrail/encoding.h"

namespace facetrail::eval {
namespace {

constexpr std::string_view kMagic = "FTTC1\n";
constexpr uint32_t kMaxDim = 4096;

void PutU32(std::string* out, uint32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }
void PutF32(std::string* out, float v) { out->append(reinterpret_cast<const char*>(&v), 4); }

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  bool U32(uint32_t* v) { return Raw(v, 4); }
  bool F32(float* v) { return Raw(v, 4); }
  bool Bytes(size_t n, std::string* out) {
    if (b_.size() - pos_ < n) return false;
    out->assign(b_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool AtEnd() const { return pos_ == b_.size(); }

 private:
  bool Raw(void* v, size_t n) {
    if (b_.size() - pos_ < n) return false;
    std::memcpy(v, b_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  std::string_view b_;
  size_t pos_ = 0;
};

std::vector<float*> FaceFields(Face& f) {
  std::vector<float*> v = {&f.box.x, &f.box.y, &f.box.width, &f.box.height};
  for (auto& k : f.keypoints) {
    v.push_back(&k.x);
    v.push_back(&k.y);
  }
  v.push_back(&f.score);
  FaceQuality& q = f.quality;
  for (float* p : {&q.inter_eye_px, &q.sharpness, &q.exposure, &q.contrast, &q.yaw_deg, &q.roll_deg}) {
    v.push_back(p);
  }
  return v;
}

}  // namespace

TemplateCache::TemplateCache(Env* env, std::string dir, std::string model_id, std::string pipeline)
    : env_(env), dir_(std::move(dir)), model_id_(std::move(model_id)) {
  key_ = model_id_ + "|" + pipeline;
  model_dir_ = JoinPath(dir_, Sha256Hex(key_).substr(0, 16));
}

Status TemplateCache::Open() {
  // Create every missing ancestor (the default dir is several levels below $HOME).
  std::vector<std::string> chain;
  for (std::string d = model_dir_; !d.empty() && d != "." && d != "/"; d = DirName(d)) {
    chain.push_back(d);
    if (env_->FileExists(d)) break;
  }
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    FT_RETURN_IF_ERROR(env_->CreateDir(*it).WithContext("template cache"));
  }
  return Status::Ok();
}

std::string TemplateCache::PathFor(std::string_view sha_hex) const {
  return JoinPath(model_dir_, std::string(sha_hex) + ".ftt");
}

std::string TemplateCache::Encode(const std::string& key, const CachedResult& r) {
  std::string out(kMagic);
  PutU32(&out, static_cast<uint32_t>(key.size()));
  out += key;
  PutU32(&out, r.face_found ? 1 : 0);
  if (r.face_found) {
    Face f = r.face.face;
    for (float* p : FaceFields(f)) PutF32(&out, *p);
    PutU32(&out, static_cast<uint32_t>(r.face.tmpl.values.size()));
    for (float v : r.face.tmpl.values) PutF32(&out, v);
  }
  return out;
}

std::optional<CachedResult> TemplateCache::Decode(std::string_view bytes, const std::string& key,
                                                  const std::string& model_id) {
  if (bytes.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  Reader r(bytes.substr(kMagic.size()));
  uint32_t id_len = 0, found = 0;
  std::string id;
  if (!r.U32(&id_len) || id_len > 1024 || !r.Bytes(id_len, &id) || id != key) return std::nullopt;
  if (!r.U32(&found) || found > 1) return std::nullopt;
  CachedResult out;
  out.face_found = found == 1;
  if (out.face_found) {
    for (float* p : FaceFields(out.face.face)) {
      if (!r.F32(p)) return std::nullopt;
    }
    uint32_t dim = 0;
    if (!r.U32(&dim) || dim == 0 || dim > kMaxDim) return std::nullopt;
    out.face.tmpl.model_id = model_id;
    out.face.tmpl.values.resize(dim);
    for (auto& v : out.face.tmpl.values) {
      if (!r.F32(&v)) return std::nullopt;
    }
  }
  if (!r.AtEnd()) return std::nullopt;
  return out;
}

std::optional<CachedResult> TemplateCache::Get(std::string_view image_sha256_hex) const {
  auto bytes = env_->ReadFileToString(PathFor(image_sha256_hex), 1 << 20);
  if (!bytes.ok()) return std::nullopt;
  return Decode(*bytes, key_, model_id_);
}

Status TemplateCache::Put(std::string_view image_sha256_hex, const CachedResult& result) {
  const std::string path = PathFor(image_sha256_hex);
  const std::string tmp = path + ".tmp." + std::to_string(getpid()) + "." +
                          std::to_string(temp_counter_.fetch_add(1));
  FT_ASSIGN_OR_RETURN(auto file, env_->NewWritableFile(tmp));
  Status s = file->Append(Encode(key_, result));
  if (s.ok()) s = file->Close();
  if (s.ok()) s = env_->RenameFile(tmp, path);
  if (!s.ok()) env_->RemoveFile(tmp).IgnoreError();
  return s;
}

std::string TemplateCache::DefaultDir() {
  if (const char* d = std::getenv("FACETRAIL_CACHE"); d != nullptr && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x) return JoinPath(x, "facetrail");
  if (const char* h = std::getenv("HOME"); h != nullptr && *h) return JoinPath(JoinPath(h, ".cache"), "facetrail");
  return ".cache/facetrail";
}

}  // namespace facetrail::eval
