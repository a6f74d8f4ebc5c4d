// GET /hub/v1/portal: everything the transparency portal shows, as one JSON document, so
// journalists and auditors can script the same questions the page answers (docs/hub.md).
#include <nlohmann/json.hpp>

#include "facetrail/checkpoint.h"
#include "facetrail/encoding.h"
#include "hub/hub_core.h"

namespace facetrail::hub {
namespace {

using json = nlohmann::json;

// Reports kept per agency in the portal's time series.
constexpr int kReportsPerAgency = 200;

// Sums the node report's usage (mode -> purpose -> outcome -> count) by purpose and by
// outcome. Malformed parts are skipped: the report is the node's claim, shown as such.
json Counts(const json& report) {
  json by_purpose = json::object(), by_outcome = json::object();
  int64_t total = 0;
  if (report.contains("usage") && report["usage"].is_object()) {
    for (const auto& [mode, purposes] : report["usage"].items()) {
      (void)mode;
      if (!purposes.is_object()) continue;
      for (const auto& [purpose, outcomes] : purposes.items()) {
        if (!outcomes.is_object()) continue;
        for (const auto& [outcome, n] : outcomes.items()) {
          if (!n.is_number_integer()) continue;
          int64_t v = n.get<int64_t>();
          total += v;
          by_purpose[purpose] = by_purpose.value(purpose, int64_t{0}) + v;
          by_outcome[outcome] = by_outcome.value(outcome, int64_t{0}) + v;
        }
      }
    }
  }
  return {{"total", total}, {"by_purpose", by_purpose}, {"by_outcome", by_outcome}};
}

}  // namespace

Reply HubCore::Portal() {
  MutexLock lock(&mu_);
  int64_t now = NowSeconds();
  auto agencies = store_->Agencies();
  auto latest = store_->LatestRelease();
  auto revs = store_->LatestRevocations();
  auto alerts = store_->Alerts();
  if (!agencies.ok()) return ErrorReply(agencies.status());
  if (!latest.ok()) return ErrorReply(latest.status());
  if (!revs.ok()) return ErrorReply(revs.status());
  if (!alerts.ok()) return ErrorReply(alerts.status());

  std::optional<release::RevocationList> revocations;
  if (*revs) {
    auto l = release::ParseRevocationJson((*revs)->second);
    if (l.ok()) revocations = std::move(*l);
  }
  std::optional<release::Release> current;
  if (*latest) {
    auto r = release::ParseReleaseJson((*latest)->second);
    if (r.ok()) current = std::move(*r);
  }
  auto release_json = [&](const release::Release& r) {
    json j = json::parse(release::CanonicalReleaseJson(r));
    j["revoked"] = revocations && (release::IsReleaseRevoked(*revocations, r.release_id) ||
                                   !release::CheckNotRevoked(*revocations, r, "").ok());
    return j;
  };
  auto all_releases = store_->ReleaseJsons();
  std::vector<release::Release> releases;
  if (all_releases.ok()) {
    for (const auto& s : *all_releases) {
      auto r = release::ParseReleaseJson(s);
      if (r.ok()) releases.push_back(std::move(*r));
    }
  }

  json alert_list = json::array();
  for (const auto& a : *alerts) {
    alert_list.push_back({{"id", a.id}, {"agency", a.agency}, {"kind", a.kind}, {"message", a.message},
                          {"raised_at", FormatRfc3339(a.raised_at)}, {"evidence", {a.evidence_a, a.evidence_b}}});
  }
  json out_agencies = json::array();
  for (const auto& a : *agencies) {
    json reports = json::array();
    json last_report = nullptr;
    bool last_signed = false;
    auto rs = store_->Reports(a.id, kReportsPerAgency);
    if (rs.ok()) {
      for (const auto& r : *rs) {
        json j = json::parse(r.json, nullptr, false);
        if (j.is_discarded()) continue;
        json c = Counts(j);
        c["received_at"] = FormatRfc3339(r.received_at);
        c["generated_at"] = r.generated_at.empty() ? json(nullptr) : json(r.generated_at);
        c["signed"] = r.signed_by_node;
        last_signed = r.signed_by_node;
        reports.push_back(std::move(c));
        last_report = std::move(j);
      }
    }
    // The release an agency runs: the one its federated node reports having adopted, if that
    // release pins the reported model; otherwise the latest pinning the model it names.
    json running = nullptr;
    if (last_report.is_object() && last_report.contains("model") && last_report["model"].is_object()) {
      std::string sha = last_report["model"].value("sha256", "");
      std::string adopted;
      const json& fed = last_report.contains("federation") ? last_report["federation"] : json();
      if (fed.is_object() && fed.contains("release") && fed["release"].is_string()) {
        adopted = fed["release"].get<std::string>();
      }
      for (int pass = adopted.empty() ? 1 : 0; pass < 2 && running.is_null(); ++pass) {
      for (auto it = releases.rbegin(); it != releases.rend() && running.is_null(); ++it) {
        if (pass == 0 && it->release_id != adopted) continue;
        for (const auto& m : it->models) {
          if (m.sha256 == sha) {
            running = release_json(*it);
            break;
          }
        }
      }
      }
    }
    bool policy_published = last_report.is_object() && last_report.contains("policy") &&
                            last_report["policy"].is_object();
    bool disclosure_published =
        !a.disclosure_sha256.empty() &&
        (running.is_null() || running.value("disclosure_sha256", "") == a.disclosure_sha256);
    json checkpoint = nullptr;
    auto cp = store_->LatestCosigned(a.log_origin);
    int64_t last_advance = a.registered_at;
    if (cp.ok() && *cp) {
      // The note as the hub's witness keeps it, with the hub's cosignature, so an auditor
      // can check both signatures (the recorded request carries the log's only).
      std::string note = (*cp)->note;
      if (witness_ != nullptr) {
        auto st = witness_->State(a.log_origin);
        if (st.ok() && *st && (*st)->size == (*cp)->size &&
            HexEncode(AsStringView((*st)->root)) == (*cp)->root_hex) {
          note = (*st)->checkpoint;
        }
      }
      checkpoint = {{"size", (*cp)->size}, {"root", (*cp)->root_hex}, {"note", note},
                    {"witnessed_at", FormatRfc3339((*cp)->received_at)}};
      last_advance = (*cp)->received_at;
    }
    // A silent log is computed, not stored: it clears itself once the log advances again.
    if (options_.stale_after_s > 0 && now - last_advance > options_.stale_after_s) {
      alert_list.push_back({{"id", nullptr}, {"agency", a.id}, {"kind", "stale"},
                            {"message", "log " + a.log_origin + " has not advanced since " +
                                            FormatRfc3339(last_advance)},
                            {"raised_at", FormatRfc3339(now)}, {"evidence", json::array()}});
    }
    bool suspended_by_list = revocations && release::IsAgencySuspended(*revocations, a.id);
    out_agencies.push_back({{"id", a.id}, {"name", a.name}, {"jurisdiction", a.jurisdiction},
                            {"contact", a.contact}, {"log_origin", a.log_origin},
                            {"suspended", a.suspended || suspended_by_list},
                            {"suspended_reason", a.suspended_reason}, {"release", running},
                            {"policy_published", policy_published},
                            {"disclosure_published", disclosure_published},
                            {"node_key", a.node_key.empty() ? json(nullptr) : json(a.node_key)},
                            {"report_signed", last_report.is_object() && last_signed},
                            {"checkpoint", checkpoint}, {"reports", reports}});
  }
  json out = {{"generated_at", FormatRfc3339(now)},
              {"hub", {{"witness_key", witness_vkey()}, {"authority_key", options_.authority_vkey}}},
              {"latest_release", current ? release_json(*current) : json(nullptr)},
              {"revocations", revocations ? json::parse(release::CanonicalRevocationJson(*revocations)) : json(nullptr)},
              {"agencies", out_agencies},
              {"alerts", alert_list}};
  return {200, "application/json", out.dump() + "\n"};
}

}  // namespace facetrail::hub
