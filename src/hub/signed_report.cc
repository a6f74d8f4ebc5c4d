// Signed accountability reports (facetrail/signed_report.h).
#include "facetrail/signed_report.h"

#include <array>

#include <nlohmann/json.hpp>

#include "audit/json_nesting.h"

namespace facetrail::report {

StatusOr<std::string> CanonicalReportJson(std::string_view report_json) {
  if (report_json.size() > kMaxReportBytes) {
    return InvalidArgumentError("report over " + std::to_string(kMaxReportBytes) + " bytes");
  }
  FT_RETURN_IF_ERROR(auditor::CheckJsonNesting(report_json, kMaxReportDepth).WithContext("report"));
  nlohmann::json j = nlohmann::json::parse(report_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("report must be a JSON object");
  // nlohmann objects are std::map: dump() sorts keys. ensure_ascii gives one byte form.
  // The parser already refused invalid UTF-8; strict dumping cannot throw, but nothing
  // escapes this function if it ever did.
  try {
    return j.dump(-1, ' ', /*ensure_ascii=*/true, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::exception& e) {
    return InvalidArgumentError(std::string("report JSON: ") + e.what());
  }
}

StatusOr<std::string> SignReport(std::string_view report_json, const note::Signer& report_key) {
  FT_ASSIGN_OR_RETURN(std::string canonical, CanonicalReportJson(report_json));
  std::string text = std::string(kReportSchema) + "\n" + canonical + "\n";
  const note::Signer* signers[] = {&report_key};
  return note::Sign(text, signers);
}

StatusOr<std::string> OpenSignedReport(std::string_view signed_report, const note::Verifier& report_key) {
  if (signed_report.size() > kMaxReportBytes + 4096) {
    return InvalidArgumentError("signed report over " + std::to_string(kMaxReportBytes) + " bytes");
  }
  std::array<const note::Verifier*, 1> verifiers{&report_key};
  FT_ASSIGN_OR_RETURN(note::Opened opened, note::Open(signed_report, verifiers));
  std::string_view text = opened.text;
  const size_t first = text.find('\n');
  if (first == std::string_view::npos || text.substr(0, first) != kReportSchema) {
    return InvalidArgumentError("signed report does not start with " + std::string(kReportSchema));
  }
  std::string_view body = text.substr(first + 1);
  if (body.empty() || body.back() != '\n' || body.find('\n') != body.size() - 1) {
    return InvalidArgumentError("signed report must hold exactly one JSON line");
  }
  body.remove_suffix(1);
  FT_ASSIGN_OR_RETURN(std::string canonical, CanonicalReportJson(body));
  if (canonical != body) return InvalidArgumentError("signed report JSON is not in canonical form");
  return canonical;
}

}  // namespace facetrail::report
