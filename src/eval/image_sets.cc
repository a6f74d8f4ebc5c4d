#include "eval/image_sets.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

namespace facetrail::eval {

StatusOr<std::vector<std::string>> ListImageFiles(Env* env, const std::string& dir, size_t max_files) {
  FT_ASSIGN_OR_RETURN(std::vector<std::string> names, env->GetChildren(dir));
  std::vector<std::string> out;
  for (const auto& n : names) {
    auto dot = n.find_last_of('.');
    if (dot == std::string::npos) continue;
    std::string ext = n.substr(dot + 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext != "jpg" && ext != "jpeg" && ext != "png") continue;
    out.push_back(n);
    if (out.size() > max_files) return ResourceExhaustedError("more than " + std::to_string(max_files) + " images in " + dir);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<size_t> FirstAcquiredPerIdentity(const std::vector<ImageOutcome>& outcomes,
                                             const std::vector<std::string>& identity) {
  std::vector<size_t> out;
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < outcomes.size() && i < identity.size(); ++i) {
    if (!outcomes[i].acquired() || seen.count(identity[i])) continue;
    seen.insert(identity[i]);
    out.push_back(i);
  }
  return out;
}

StatusOr<TemplateMatrix> StackTemplates(const std::vector<ImageOutcome>& outcomes,
                                        const std::vector<size_t>& chosen) {
  TemplateMatrix m;
  m.rows = chosen.size();
  if (chosen.empty()) return m;
  const Template& first = outcomes[chosen[0]].face.tmpl;
  m.dim = first.values.size();
  m.values.reserve(m.rows * m.dim);
  for (size_t i : chosen) {
    const ImageOutcome& o = outcomes[i];
    if (!o.acquired()) return InvalidArgumentError("StackTemplates: " + o.path + " has no template");
    if (o.face.tmpl.model_id != first.model_id || o.face.tmpl.values.size() != m.dim) {
      return InvalidArgumentError("templates of different models never compare: " + o.path);
    }
    m.values.insert(m.values.end(), o.face.tmpl.values.begin(), o.face.tmpl.values.end());
  }
  return m;
}

}  // namespace facetrail::eval
