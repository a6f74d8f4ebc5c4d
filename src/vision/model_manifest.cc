#include "vision/model_manifest.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

namespace facetrail::vision {
namespace {

using nlohmann::json;

bool IsHex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A scalar or a 3-vector.
bool ReadTriple(const json& j, std::array<float, 3>* out) {
  if (j.is_number()) {
    out->fill(j.get<float>());
    return true;
  }
  if (j.is_array() && j.size() == 3 && std::all_of(j.begin(), j.end(), [](const json& v) {
        return v.is_number();
      })) {
    for (int i = 0; i < 3; ++i) (*out)[i] = j[i].get<float>();
    return true;
  }
  return false;
}

StatusOr<ModelEntry> ParseEntry(const json& m) {
  if (!m.is_object()) return InvalidArgumentError("model entry is not an object");
  ModelEntry e;
  e.name = Str(m, "name");
  e.role = Str(m, "role");
  e.version = Str(m, "version");
  e.file = Str(m, "file");
  e.sha256 = Str(m, "sha256");
  std::transform(e.sha256.begin(), e.sha256.end(), e.sha256.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (e.name.empty() || e.role.empty() || e.version.empty() || e.file.empty()) {
    return InvalidArgumentError("model entry lacks name, role, version or file");
  }
  if (!IsHex64(e.sha256)) return InvalidArgumentError("model " + e.name + ": bad sha256");
  if (e.file.find("..") != std::string::npos || e.file.front() == '/') {
    return InvalidArgumentError("model " + e.name + ": file must be inside the models dir");
  }
  if (auto in = m.find("input"); in != m.end() && in->is_object()) {
    e.input_name = Str(*in, "name");
    if (auto shape = in->find("shape"); shape != in->end() && shape->is_array()) {
      for (const auto& d : *shape) e.input_shape.push_back(d.is_number_integer() ? d.get<int>() : -1);
    }
  }
  if (auto outs = m.find("outputs"); outs != m.end() && outs->is_array()) {
    for (const auto& o : *outs) {
      if (o.is_string()) {
        e.output_names.push_back(o.get<std::string>());
      } else if (o.is_object() && !Str(o, "name").empty()) {
        e.output_names.push_back(Str(o, "name"));
      }
    }
  }
  if (auto od = m.find("output_dim"); od != m.end() && od->is_number_integer()) {
    e.output_dim = od->get<int>();
  }
  auto pre = m.find("preprocess");
  if (pre == m.end() || !pre->is_object()) {
    return InvalidArgumentError("model " + e.name + ": no preprocess");
  }
  e.preprocess.rgb = Str(*pre, "color") != "BGR";
  auto size = pre->find("size");
  if (size == pre->end() || !size->is_array() || size->size() != 2 || !(*size)[0].is_number_integer() ||
      !(*size)[1].is_number_integer()) {
    return InvalidArgumentError("model " + e.name + ": preprocess.size must be [w, h]");
  }
  e.preprocess.width = (*size)[0].get<int>();
  e.preprocess.height = (*size)[1].get<int>();
  if (e.preprocess.width <= 0 || e.preprocess.height <= 0 || e.preprocess.width > 4096 ||
      e.preprocess.height > 4096) {
    return InvalidArgumentError("model " + e.name + ": preprocess.size out of range");
  }
  if (auto mean = pre->find("mean"); mean != pre->end() && !ReadTriple(*mean, &e.preprocess.mean)) {
    return InvalidArgumentError("model " + e.name + ": preprocess.mean");
  }
  if (auto scale = pre->find("scale"); scale != pre->end() && !ReadTriple(*scale, &e.preprocess.scale)) {
    return InvalidArgumentError("model " + e.name + ": preprocess.scale");
  }
  return e;
}

}  // namespace

const ModelEntry* ModelManifest::FindByName(std::string_view name) const {
  for (const auto& m : models) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const ModelEntry* ModelManifest::FindByRole(std::string_view role) const {
  for (const auto& m : models) {
    if (m.role == role) return &m;
  }
  return nullptr;
}

StatusOr<ModelManifest> ParseModelManifest(std::string_view json_text) {
  if (json_text.size() > (1 << 20)) return InvalidArgumentError("manifest larger than 1 MiB");
  json root = json::parse(json_text.begin(), json_text.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object()) {
    return InvalidArgumentError("manifest is not a JSON object");
  }
  auto format = root.find("format");
  if (format == root.end() || !format->is_number_integer() || format->get<int>() != 1) {
    return InvalidArgumentError("manifest format is not 1");
  }
  auto models = root.find("models");
  if (models == root.end() || !models->is_array()) {
    return InvalidArgumentError("manifest has no models array");
  }
  ModelManifest manifest;
  for (const auto& m : *models) {
    FT_ASSIGN_OR_RETURN(ModelEntry e, ParseEntry(m));
    manifest.models.push_back(std::move(e));
  }
  return manifest;
}

}  // namespace facetrail::vision
