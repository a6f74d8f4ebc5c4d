#include "node/report_json.h"

#include <nlohmann/json.hpp>

#include "facetrail/encoding.h"
#include "node/audit_entry.h"

namespace facetrail::node {
namespace {

using nlohmann::json;

json FederationJson(const FederationStatus& f) {
  return {{"hub", f.hub_url},
          {"release", f.release_id.empty() ? json(nullptr) : json(f.release_id)},
          {"revocation_sequence", f.revocation_sequence},
          {"last_poll", f.last_poll_micros > 0 ? json(FormatMicrosRfc3339(f.last_poll_micros)) : json(nullptr)},
          {"grace_period_seconds", f.grace_period_seconds},
          {"witnessed_size", f.witnessed_size},
          {"queries", f.fail_closed_reason.empty() ? "open" : "closed"},
          {"fail_closed_reason", f.fail_closed_reason},
          {"last_error", f.last_error}};
}

}  // namespace

std::string UsageReportJson(const UsageReport& r) {
  json policy = nullptr;
  if (r.policy) policy = json::parse(policy::CanonicalPolicyJson(*r.policy));
  json checkpoint = {{"size", r.checkpoint.size},
                     {"root", Base64Encode(AsStringView(r.checkpoint.root))},
                     {"note", r.checkpoint.note}};
  json j = {{"generated_at", FormatMicrosRfc3339(r.generated_at_micros)},
            {"node", r.node_id}, {"agency", r.agency},
            {"model", {{"id", r.model_id}, {"sha256", r.model_sha256}}},
            {"detector", r.detector_id}, {"policy", policy},
            {"threshold", {{"score", r.threshold}, {"target_fmr", r.policy ? r.policy->target_fmr : 0.0}}},
            {"retention", r.policy ? json{{"probe_images_days", r.policy->probe_retention_days},
                                          {"audit_days", r.policy->audit_retention_days}}
                                   : json(nullptr)},
            {"gallery", {{"identities", r.gallery_identities}, {"version", r.gallery_version}}},
            {"log", {{"size", r.log_size}, {"checkpoint", checkpoint}}},
            {"usage", r.counts}, {"leads", r.leads_by_state}};
  if (r.federation) j["federation"] = FederationJson(*r.federation);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string FederationStatusJson(const FederationStatus& status) {
  return FederationJson(status).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace facetrail::node
