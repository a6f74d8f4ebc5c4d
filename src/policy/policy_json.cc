// Policy JSON parsing, validation and canonical serialisation. nlohmann-json is confined
// to this file.
#include <cmath>
#include <set>

#include <nlohmann/json.hpp>

#include "facetrail/policy.h"

namespace facetrail::policy {
namespace {

using nlohmann::json;

// Walks one JSON object, requiring every key it reads and refusing keys it never read.
class ObjectReader {
 public:
  ObjectReader(const json& j, std::string path) : j_(j), path_(std::move(path)) {}

  Status Check() const {
    if (!j_.is_object()) return InvalidArgumentError(Where("") + " must be an object");
    return Status::Ok();
  }

  StatusOr<const json*> Get(const std::string& key, json::value_t type) {
    seen_.insert(key);
    auto it = j_.find(key);
    if (it == j_.end()) return InvalidArgumentError(Where(key) + " is required");
    bool ok = it->type() == type ||
              (type == json::value_t::number_integer &&
               it->type() == json::value_t::number_unsigned) ||
              (type == json::value_t::number_float && it->is_number());
    if (!ok) return InvalidArgumentError(Where(key) + " has the wrong type");
    return &*it;
  }

  StatusOr<int64_t> Int(const std::string& key, int64_t lo, int64_t hi) {
    FT_ASSIGN_OR_RETURN(const json* v, Get(key, json::value_t::number_integer));
    int64_t x = v->is_number_unsigned() && v->get<uint64_t>() > uint64_t{INT64_MAX}
                    ? INT64_MAX
                    : v->get<int64_t>();
    if (x < lo || x > hi) {
      return InvalidArgumentError(Where(key) + " must be in [" + std::to_string(lo) + ", " +
                                  std::to_string(hi) + "]");
    }
    return x;
  }

  StatusOr<double> Double(const std::string& key, double lo, double hi) {
    FT_ASSIGN_OR_RETURN(const json* v, Get(key, json::value_t::number_float));
    double x = v->get<double>();
    if (!std::isfinite(x) || x < lo || x > hi) {
      return InvalidArgumentError(Where(key) + " is out of range");
    }
    return x;
  }

  StatusOr<bool> Bool(const std::string& key) {
    FT_ASSIGN_OR_RETURN(const json* v, Get(key, json::value_t::boolean));
    return v->get<bool>();
  }

  StatusOr<std::string> String(const std::string& key, size_t max_len) {
    FT_ASSIGN_OR_RETURN(const json* v, Get(key, json::value_t::string));
    std::string s = v->get<std::string>();
    if (!IsValidReference(s, max_len)) {
      return InvalidArgumentError(Where(key) + " must be 1.." + std::to_string(max_len) +
                                  " printable ASCII characters");
    }
    return s;
  }

  Status NoUnknownKeys() const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
      if (!seen_.count(it.key())) return InvalidArgumentError(Where(it.key()) + " is not a policy key");
    }
    return Status::Ok();
  }

  std::string Where(const std::string& key) const {
    if (key.empty()) return path_.empty() ? "policy" : path_;
    return path_.empty() ? key : path_ + "." + key;
  }

 private:
  const json& j_;
  std::string path_;
  std::set<std::string> seen_;
};

StatusOr<ModeRule> ReadMode(const json& j, const std::string& path) {
  ObjectReader r(j, path);
  FT_RETURN_IF_ERROR(r.Check());
  ModeRule m;
  FT_ASSIGN_OR_RETURN(m.allowed, r.Bool("allowed"));
  // Every query needs a case number: the key exists so the document says so explicitly,
  // and it cannot be switched off.
  FT_ASSIGN_OR_RETURN(bool case_required, r.Bool("case_number_required"));
  if (!case_required) {
    return InvalidArgumentError(path + ".case_number_required cannot be false: every query needs a case number");
  }
  FT_ASSIGN_OR_RETURN(m.legal_authority_required, r.Bool("legal_authority_required"));
  FT_RETURN_IF_ERROR(r.NoUnknownKeys());
  return m;
}

StatusOr<Policy> FromJson(const json& root) {
  ObjectReader r(root, "");
  FT_RETURN_IF_ERROR(r.Check());
  Policy p;
  FT_ASSIGN_OR_RETURN(const json* schema, r.Get("schema", json::value_t::string));
  if (schema->get<std::string>() != kSchema) {
    return InvalidArgumentError("schema must be \"" + std::string(kSchema) + "\"");
  }
  FT_ASSIGN_OR_RETURN(p.agency, r.String("agency", 64));
  FT_ASSIGN_OR_RETURN(int64_t serial, r.Int("serial", 1, INT64_MAX));
  p.serial = static_cast<uint64_t>(serial);
  FT_ASSIGN_OR_RETURN(p.issued_at, r.String("issued_at", 32));

  FT_ASSIGN_OR_RETURN(const json* purposes, r.Get("purposes", json::value_t::array));
  if (purposes->empty() || purposes->size() > 64) {
    return InvalidArgumentError("purposes must list 1..64 purpose codes");
  }
  std::set<std::string> unique;
  for (const json& code : *purposes) {
    if (!code.is_string() || !IsValidReference(code.get<std::string>(), 64)) {
      return InvalidArgumentError("purposes: each code must be 1..64 printable ASCII characters");
    }
    if (!unique.insert(code.get<std::string>()).second) {
      return InvalidArgumentError("purposes: duplicate code " + code.get<std::string>());
    }
    p.purposes.push_back(code.get<std::string>());
  }

  FT_ASSIGN_OR_RETURN(const json* modes, r.Get("modes", json::value_t::object));
  {
    ObjectReader mr(*modes, "modes");
    FT_ASSIGN_OR_RETURN(const json* v, mr.Get("verify", json::value_t::object));
    FT_ASSIGN_OR_RETURN(p.verify, ReadMode(*v, "modes.verify"));
    FT_ASSIGN_OR_RETURN(const json* s, mr.Get("search", json::value_t::object));
    FT_ASSIGN_OR_RETURN(p.search, ReadMode(*s, "modes.search"));
    // Only these two modes exist; a "live", "stream" or "crowd" key is refused here.
    FT_RETURN_IF_ERROR(mr.NoUnknownKeys());
  }
  if (p.search.allowed && !p.search.legal_authority_required) {
    return InvalidArgumentError(
        "modes.search.legal_authority_required cannot be false: a 1:N search needs a legal authority");
  }
  if (!p.verify.allowed && !p.search.allowed) {
    return InvalidArgumentError("modes: at least one of verify and search must be allowed");
  }

  FT_ASSIGN_OR_RETURN(p.target_fmr, r.Double("target_fmr", 1e-8, 1e-2));
  FT_ASSIGN_OR_RETURN(int64_t maxc, r.Int("max_candidates", 1, 50));
  p.max_candidates = static_cast<int>(maxc);

  FT_ASSIGN_OR_RETURN(const json* rates, r.Get("rate_limits", json::value_t::object));
  {
    ObjectReader rr(*rates, "rate_limits");
    FT_ASSIGN_OR_RETURN(int64_t h, rr.Int("per_officer_per_hour", 1, 10000));
    FT_ASSIGN_OR_RETURN(int64_t d, rr.Int("per_officer_per_day", 1, 100000));
    FT_RETURN_IF_ERROR(rr.NoUnknownKeys());
    if (d < h) return InvalidArgumentError("rate_limits.per_officer_per_day is below the hourly limit");
    p.rate_per_officer_hour = static_cast<int>(h);
    p.rate_per_officer_day = static_cast<int>(d);
  }
  FT_ASSIGN_OR_RETURN(int64_t k, r.Int("reviewers_required", 1, 10));
  p.reviewers_required = static_cast<int>(k);
  FT_ASSIGN_OR_RETURN(int64_t tv, r.Int("training_validity_days", 1, 3650));
  p.training_validity_days = static_cast<int>(tv);

  FT_ASSIGN_OR_RETURN(const json* ret, r.Get("retention", json::value_t::object));
  {
    ObjectReader rr(*ret, "retention");
    FT_ASSIGN_OR_RETURN(int64_t probe, rr.Int("probe_images_days", 0, 3650));
    // EU AI Act Art. 26(6): logs kept at least six months.
    FT_ASSIGN_OR_RETURN(int64_t audit, rr.Int("audit_days", 183, 36500));
    FT_RETURN_IF_ERROR(rr.NoUnknownKeys());
    p.probe_retention_days = static_cast<int>(probe);
    p.audit_retention_days = static_cast<int>(audit);
  }

  FT_ASSIGN_OR_RETURN(const json* q, r.Get("quality_gate", json::value_t::object));
  {
    ObjectReader qr(*q, "quality_gate");
    FT_ASSIGN_OR_RETURN(double eye, qr.Double("min_inter_eye_px", 0, 1000));
    FT_ASSIGN_OR_RETURN(double sharp, qr.Double("min_sharpness", 0, 1e6));
    FT_ASSIGN_OR_RETURN(p.quality.refuse, qr.Bool("refuse"));
    FT_RETURN_IF_ERROR(qr.NoUnknownKeys());
    p.quality.min_inter_eye_px = static_cast<float>(eye);
    p.quality.min_sharpness = static_cast<float>(sharp);
  }
  FT_ASSIGN_OR_RETURN(p.liveness_required, r.Bool("liveness_required"));
  FT_RETURN_IF_ERROR(r.NoUnknownKeys());
  return p;
}

}  // namespace

StatusOr<Policy> ParsePolicyJson(std::string_view text) {
  if (text.size() > (1 << 20)) return InvalidArgumentError("policy document over 1 MiB");
  json root;
  try {
    // Depth is bounded by the schema; a deeply nested document fails the type checks,
    // but nlohmann recurses while parsing, so refuse absurd nesting up front.
    int depth = 0, max_depth = 0;
    for (char c : text) {
      if (c == '{' || c == '[') max_depth = std::max(max_depth, ++depth);
      if (c == '}' || c == ']') --depth;
    }
    if (max_depth > 16) return InvalidArgumentError("policy JSON nested too deeply");
    root = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    return InvalidArgumentError(std::string("policy is not valid JSON: ") + e.what());
  }
  return FromJson(root);
}

std::string CanonicalPolicyJson(const Policy& p) {
  json j;  // nlohmann's object is a std::map: keys come out sorted
  j["schema"] = kSchema;
  j["agency"] = p.agency;
  j["serial"] = p.serial;
  j["issued_at"] = p.issued_at;
  j["purposes"] = p.purposes;
  auto mode = [](const ModeRule& m) {
    return json{{"allowed", m.allowed},
                {"case_number_required", true},
                {"legal_authority_required", m.legal_authority_required}};
  };
  j["modes"] = {{"verify", mode(p.verify)}, {"search", mode(p.search)}};
  j["target_fmr"] = p.target_fmr;
  j["max_candidates"] = p.max_candidates;
  j["rate_limits"] = {{"per_officer_per_hour", p.rate_per_officer_hour},
                      {"per_officer_per_day", p.rate_per_officer_day}};
  j["reviewers_required"] = p.reviewers_required;
  j["training_validity_days"] = p.training_validity_days;
  j["retention"] = {{"probe_images_days", p.probe_retention_days},
                    {"audit_days", p.audit_retention_days}};
  j["quality_gate"] = {{"min_inter_eye_px", p.quality.min_inter_eye_px},
                       {"min_sharpness", p.quality.min_sharpness},
                       {"refuse", p.quality.refuse}};
  j["liveness_required"] = p.liveness_required;
  return j.dump(-1, ' ', /*ensure_ascii=*/true);
}

}  // namespace facetrail::policy
