// Case-export verification (case_export.h).
#include "audit/case_export.h"

#include <array>

#include <nlohmann/json.hpp>

#include "audit/json_nesting.h"
#include "facetrail/checkpoint.h"
#include "facetrail/encoding.h"

namespace facetrail::auditor {
namespace {

using nlohmann::json;

constexpr size_t kMaxProofHashes = 64;

StatusOr<merkle::Hash> HashField(const json& j, const char* what) {
  if (!j.is_string()) return DataLossError(std::string(what) + " is not a string");
  auto bytes = Base64Decode(j.get<std::string>());
  if (!bytes.ok()) return DataLossError(std::string(what) + " is not base64");
  auto h = merkle::HashFromBytes(*bytes);
  if (!h.ok()) return DataLossError(std::string(what) + " is not 32 bytes");
  return *h;
}

std::string StringAt(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key) || !obj[key].is_string()) return "";
  return obj[key].get<std::string>();
}

// One record: canonical bytes -> leaf -> inclusion in (size, root).
Status CheckRecord(const json& rec, uint64_t size, const merkle::Hash& root, const CaseExportLimits& limits,
                   std::string_view case_number, CaseRecordCheck* out) {
  if (!rec.is_object() || !rec.contains("index") || !rec["index"].is_number_unsigned() ||
      !rec.contains("entry") || !rec.contains("leaf_hash") || !rec.contains("inclusion_proof") ||
      !rec["inclusion_proof"].is_array()) {
    return DataLossError("record lacks index, entry, leaf_hash or inclusion_proof");
  }
  out->index = rec["index"].get<uint64_t>();
  const json& entry = rec["entry"];
  if (!entry.is_object()) return DataLossError("entry is not a JSON object");
  out->type = StringAt(entry, "type");
  out->outcome = StringAt(entry, "outcome");
  out->time = StringAt(entry, "time");
  out->names_case = entry.contains("details") && StringAt(entry["details"], "case_number") == case_number;
  // The node logs dump(-1, ' ', ensure_ascii=true) of the entry object; re-serialise the
  // same way. Strict UTF-8 handling: the node already replaced invalid input.
  std::string text;
  try {
    text = entry.dump(-1, ' ', true, json::error_handler_t::strict);
  } catch (const json::exception& e) {
    return DataLossError(std::string("entry cannot be serialised: ") + e.what());
  }
  if (text.size() > limits.max_entry_bytes) return DataLossError("entry is over " + std::to_string(limits.max_entry_bytes) + " bytes");
  const merkle::Hash leaf = merkle::HashLeaf(text);
  FT_ASSIGN_OR_RETURN(merkle::Hash claimed, HashField(rec["leaf_hash"], "leaf_hash"));
  if (claimed != leaf) return DataLossError("entry does not hash to the record's leaf_hash");
  if (rec["inclusion_proof"].size() > kMaxProofHashes) return DataLossError("inclusion proof is too long");
  std::vector<merkle::Hash> proof;
  for (const json& h : rec["inclusion_proof"]) {
    FT_ASSIGN_OR_RETURN(merkle::Hash p, HashField(h, "inclusion_proof hash"));
    proof.push_back(p);
  }
  Status ok = merkle::VerifyInclusion(leaf, out->index, size, proof, root);
  if (!ok.ok()) return DataLossError("inclusion proof of entry " + std::to_string(out->index) + ": " + ok.message());
  return Status::Ok();
}

Status CheckExport(const json& x, const note::Verifier& log_key, std::string_view case_number,
                   const CaseExportLimits& limits, CaseExportCheck* out) {
  if (!x.is_object() || !x.contains("case_number") || !x["case_number"].is_string() ||
      !x.contains("checkpoint") || !x["checkpoint"].is_object() || !x.contains("records") ||
      !x["records"].is_array()) {
    return DataLossError("not a case export: case_number, checkpoint or records missing");
  }
  out->case_number = x["case_number"].get<std::string>();
  if (out->case_number != case_number) {
    return DataLossError("the export is of case '" + out->case_number + "', not '" + std::string(case_number) + "'");
  }
  if (x.contains("export_audit_index") && x["export_audit_index"].is_number_unsigned()) {
    out->export_audit_index = x["export_audit_index"].get<uint64_t>();
  }
  if (x.contains("leads") && x["leads"].is_array()) out->leads = x["leads"].size();
  const json& c = x["checkpoint"];
  if (!c.contains("note") || !c["note"].is_string()) return DataLossError("the export's checkpoint has no note");
  out->note = c["note"].get<std::string>();
  std::array<const note::Verifier*, 1> keys{&log_key};
  auto opened = checkpoint::OpenSigned(out->note, keys);
  if (!opened.ok()) {
    return Status(opened.status().code() == StatusCode::kUnauthenticated ? StatusCode::kUnauthenticated
                                                                          : StatusCode::kDataLoss,
                  "the export's checkpoint does not verify under the log key " + log_key.name() + ": " +
                      opened.status().message());
  }
  out->size = opened->checkpoint.size;
  out->root = opened->checkpoint.root;
  // The unsigned size/root beside the note must not say anything else.
  if (!c.contains("size") || !c["size"].is_number_unsigned() || c["size"].get<uint64_t>() != out->size) {
    return DataLossError("the export's checkpoint size differs from its signed note");
  }
  FT_ASSIGN_OR_RETURN(merkle::Hash root, HashField(c.contains("root") ? c["root"] : json(), "checkpoint root"));
  if (root != out->root) return DataLossError("the export's checkpoint root differs from its signed note");
  if (x["records"].size() > limits.max_records) {
    return ResourceExhaustedError("the export has " + std::to_string(x["records"].size()) + " records, over the limit of " +
                                  std::to_string(limits.max_records));
  }
  size_t failed = 0;
  bool have_last = false;
  uint64_t last = 0;
  for (const json& rec : x["records"]) {
    CaseRecordCheck r;
    r.status = CheckRecord(rec, out->size, out->root, limits, case_number, &r);
    // Records are in log order, each once: a repeated entry would inflate what it shows.
    if (r.status.ok() && have_last && r.index <= last) {
      r.status = DataLossError("record " + std::to_string(r.index) + " is out of log order or repeated");
    }
    if (r.status.ok()) {
      have_last = true;
      last = r.index;
    } else {
      ++failed;
    }
    out->records.push_back(std::move(r));
  }
  if (failed > 0) {
    return DataLossError(std::to_string(failed) + " of " + std::to_string(out->records.size()) +
                         " records do not verify");
  }
  return Status::Ok();
}

}  // namespace

CaseExportCheck VerifyCaseExport(std::string_view body, const note::Verifier& log_key,
                                 std::string_view case_number, const CaseExportLimits& limits) {
  CaseExportCheck out;
  Status nesting = CheckJsonNesting(body, limits.max_depth);
  if (!nesting.ok()) {
    out.verification = DataLossError("case export: " + nesting.message());
    return out;
  }
  json x = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (x.is_discarded()) {
    out.verification = DataLossError("case export is not JSON");
    return out;
  }
  try {
    out.verification = CheckExport(x, log_key, case_number, limits, &out);
  } catch (const json::exception& e) {
    out.verification = DataLossError(std::string("case export: ") + e.what());
  }
  return out;
}

}  // namespace facetrail::auditor
