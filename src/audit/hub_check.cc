// Hub portal parsing and the witnessed-checkpoint check (hub_check.h).
#include "audit/hub_check.h"

#include <array>
#include <memory>

#include <nlohmann/json.hpp>

#include "audit/json_nesting.h"
#include "facetrail/checkpoint.h"
#include "facetrail/encoding.h"

namespace facetrail::auditor {
namespace {

using nlohmann::json;

std::string B64(const merkle::Hash& h) { return Base64Encode(AsStringView(h)); }

// The verdict part: every failure here is the hub's or the node's evidence failing.
Status Check(const json& portal, const note::Verifier& log_key, std::string_view pinned,
             LogMirror& mirror, HubCheck* out) {
  if (!portal.is_object() || !portal.contains("hub") || !portal["hub"].is_object() ||
      !portal["hub"].contains("witness_key") || !portal["hub"]["witness_key"].is_string() ||
      !portal.contains("agencies") || !portal["agencies"].is_array()) {
    return DataLossError("the hub's portal JSON lacks hub.witness_key or agencies");
  }
  out->witness_key = portal["hub"]["witness_key"].get<std::string>();
  if (!pinned.empty() && out->witness_key != pinned) {
    return DataLossError("the hub's witness key is " + out->witness_key + ", not the pinned " + std::string(pinned));
  }
  auto cosigner = checkpoint::CosignatureVerifier::FromKey(out->witness_key);
  if (!cosigner.ok()) return DataLossError("the hub's witness key is malformed: " + cosigner.status().message());
  const std::string& origin = mirror.checkpoint().origin;
  const json* agency = nullptr;
  for (const json& a : portal["agencies"]) {
    if (a.is_object() && a.contains("log_origin") && a["log_origin"].is_string() &&
        a["log_origin"].get<std::string>() == origin) {
      if (agency != nullptr) return DataLossError("the hub lists two agencies with log origin " + origin);
      agency = &a;
    }
  }
  if (agency == nullptr) return DataLossError("the hub lists no agency with log origin '" + origin + "'");
  if (agency->contains("id") && (*agency)["id"].is_string()) out->agency = (*agency)["id"].get<std::string>();
  if (!agency->contains("checkpoint") || (*agency)["checkpoint"].is_null()) {
    return DataLossError("the hub has not witnessed a checkpoint of agency " + out->agency + "'s log yet");
  }
  const json& c = (*agency)["checkpoint"];
  if (!c.is_object() || !c.contains("note") || !c["note"].is_string() || !c.contains("size") ||
      !c["size"].is_number_unsigned() || !c.contains("root") || !c["root"].is_string()) {
    return DataLossError("the hub's checkpoint entry for " + out->agency + " is malformed");
  }
  out->note = c["note"].get<std::string>();
  if (c.contains("witnessed_at") && c["witnessed_at"].is_string()) out->witnessed_at = c["witnessed_at"].get<std::string>();

  // Both signatures: the log's (it is this log's checkpoint) and the hub's cosignature.
  std::array<const note::Verifier*, 2> keys{&log_key, cosigner->get()};
  auto opened = note::Open(out->note, keys);
  if (!opened.ok()) {
    return Status(opened.status().code() == StatusCode::kUnauthenticated ? StatusCode::kUnauthenticated
                                                                          : StatusCode::kDataLoss,
                  "the hub's witnessed checkpoint does not verify: " + opened.status().message());
  }
  bool log_signed = false, cosigned = false;
  for (const note::Signature& s : opened->verified) {
    if (s.name == log_key.name() && s.key_id == log_key.key_id()) log_signed = true;
    if (s.name == (*cosigner)->name() && s.key_id == (*cosigner)->key_id()) {
      cosigned = true;
      auto ts = checkpoint::CosignatureTimestamp(s.signature);
      if (ts.ok()) out->cosigned_at = *ts;
    }
  }
  if (!log_signed) return UnauthenticatedError("the hub's witnessed checkpoint is not signed by the log key");
  if (!cosigned) return UnauthenticatedError("the hub's witnessed checkpoint carries no cosignature by " + out->witness_key);
  auto body = checkpoint::Parse(opened->text);
  if (!body.ok()) return DataLossError("the hub's witnessed checkpoint is malformed: " + body.status().message());
  out->size = body->size;
  out->root = body->root;
  if (body->origin != origin) return DataLossError("the hub's witnessed checkpoint has origin " + body->origin);
  // The portal writes the root in hex; base64 is accepted too.
  const std::string shown_root = c["root"].get<std::string>();
  if (c["size"].get<uint64_t>() != body->size ||
      (shown_root != HexEncode(AsStringView(body->root)) && shown_root != B64(body->root))) {
    return DataLossError("the hub's portal size/root differ from its signed checkpoint");
  }
  const uint64_t mirrored = mirror.checkpoint().size;
  if (body->size > mirrored) {
    return DataLossError("the hub witnessed size " + std::to_string(body->size) + " but the node serves only " +
                         std::to_string(mirrored) + " entries: the node shows the auditor an older or other history");
  }
  if (body->size == 0) return Status::Ok();
  FT_ASSIGN_OR_RETURN(merkle::Hash at, mirror.RootAt(body->size));
  if (at != body->root) {
    return DataLossError("split view: the hub witnessed root " + B64(body->root) + " at size " +
                         std::to_string(body->size) + ", the node's log has " + B64(at) + " there");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<HubCheck> CheckHubCheckpoint(std::string_view portal, const note::Verifier& log_key,
                                      std::string_view pinned_witness_key, LogMirror& mirror,
                                      const HubCheckLimits& limits) {
  if (mirror.checkpoint().origin.empty()) {
    return FailedPreconditionError("the mirror holds no checkpoint to compare with the hub's");
  }
  if (portal.size() > limits.max_portal_bytes) return ResourceExhaustedError("the hub's portal JSON is too large");
  HubCheck out;
  Status nesting = CheckJsonNesting(portal, limits.max_depth);
  if (!nesting.ok()) {
    out.verification = DataLossError("the hub's portal JSON: " + nesting.message());
    return out;
  }
  json doc = json::parse(portal, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    out.verification = DataLossError("the hub's portal is not JSON");
    return out;
  }
  Status s;
  try {
    s = Check(doc, log_key, pinned_witness_key, mirror, &out);
  } catch (const json::exception& e) {
    s = DataLossError(std::string("the hub's portal JSON: ") + e.what());
  }
  if (!s.ok() && !IsVerificationFailure(s)) return s;
  out.verification = s;
  return out;
}

}  // namespace facetrail::auditor
