// The hub's checkpoint history against a mirrored log (hub_check.h, CheckHubHistory): page
// parsing, bounded like the portal's, and the same checks as the latest checkpoint's,
// applied to every checkpoint the hub's witness cosigned.
#include <array>
#include <cctype>
#include <memory>

#include <nlohmann/json.hpp>

#include "audit/hub_check.h"
#include "audit/json_nesting.h"
#include "facetrail/checkpoint.h"
#include "facetrail/encoding.h"

namespace facetrail::auditor {
namespace {

using nlohmann::json;

std::string B64(const merkle::Hash& h) { return Base64Encode(AsStringView(h)); }

// The agency id comes from the hub: one path segment, percent-encoded but for RFC 3986
// unreserved characters, so it can never change the request's path or query.
std::string EncodeSegment(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Status Malformed(const std::string& why) { return DataLossError("the hub's checkpoint history page " + why); }

StatusOr<std::string> StringField(const json& o, const char* key) {
  if (!o.contains(key) || !o[key].is_string()) return Malformed(std::string("lacks the string \"") + key + "\"");
  return o[key].get<std::string>();
}

StatusOr<HubHistoryPage> ParsePage(const json& doc, const HubCheckLimits& limits) {
  if (!doc.is_object()) return Malformed("is not a JSON object");
  HubHistoryPage page;
  FT_ASSIGN_OR_RETURN(page.agency, StringField(doc, "agency"));
  FT_ASSIGN_OR_RETURN(page.log_origin, StringField(doc, "log_origin"));
  if (!doc.contains("checkpoints") || !doc["checkpoints"].is_array()) return Malformed("lacks \"checkpoints\"");
  const json& list = doc["checkpoints"];
  if (list.size() > limits.history_page_size) {
    return Malformed("lists " + std::to_string(list.size()) + " checkpoints, more than the " +
                     std::to_string(limits.history_page_size) + " asked for");
  }
  if (!doc.contains("next_after_size")) return Malformed("lacks \"next_after_size\"");
  const json& next = doc["next_after_size"];
  if (next.is_number_unsigned()) {
    page.next_after_size = next.get<uint64_t>();
  } else if (!next.is_null()) {
    return Malformed("has a \"next_after_size\" that is neither a size nor null");
  }
  for (const json& c : list) {
    if (!c.is_object()) return Malformed("has a checkpoint that is not an object");
    HubHistoryEntry e;
    if (!c.contains("size") || !c["size"].is_number_unsigned()) return Malformed("has a checkpoint without a size");
    e.size = c["size"].get<uint64_t>();
    FT_ASSIGN_OR_RETURN(e.root, StringField(c, "root"));
    FT_ASSIGN_OR_RETURN(e.note, StringField(c, "note"));
    FT_ASSIGN_OR_RETURN(e.witnessed_at, StringField(c, "witnessed_at"));
    // Required: a hub that does not say whether it cosigned has not shown that it did.
    if (!c.contains("cosigned") || !c["cosigned"].is_boolean()) return Malformed("lacks the boolean \"cosigned\"");
    e.cosigned = c["cosigned"].get<bool>();
    page.checkpoints.push_back(std::move(e));
  }
  return page;
}

// The verdict on one listed checkpoint (kDataLoss, kUnauthenticated), or a mirror error.
Status CheckEntry(const HubHistoryEntry& e, const note::Verifier& log_key, const note::Verifier& cosigner,
                  LogMirror& mirror) {
  std::array<const note::Verifier*, 2> keys{&log_key, &cosigner};
  auto opened = note::Open(e.note, keys);
  if (!opened.ok()) {
    return Status(opened.status().code() == StatusCode::kUnauthenticated ? StatusCode::kUnauthenticated
                                                                          : StatusCode::kDataLoss,
                  "its note does not verify: " + opened.status().message());
  }
  bool log_signed = false, cosigned = false;
  for (const note::Signature& s : opened->verified) {
    if (s.name == log_key.name() && s.key_id == log_key.key_id()) log_signed = true;
    if (s.name == cosigner.name() && s.key_id == cosigner.key_id()) cosigned = true;
  }
  if (!log_signed) return UnauthenticatedError("it is not signed by the log key");
  // Fail closed: whatever claims to be cosigned must carry the hub's valid cosignature.
  if (e.cosigned && !cosigned) {
    return UnauthenticatedError("it carries no cosignature by the hub's witness key " + cosigner.name());
  }
  auto body = checkpoint::Parse(opened->text);
  if (!body.ok()) return DataLossError("its checkpoint is malformed: " + body.status().message());
  const checkpoint::Checkpoint& mirrored = mirror.checkpoint();
  if (body->origin != mirrored.origin) return DataLossError("its checkpoint has origin " + body->origin);
  if (body->size != e.size || e.root != HexEncode(AsStringView(body->root))) {
    return DataLossError("the listed size/root differ from its signed checkpoint");
  }
  if (body->size > mirrored.size) {
    return DataLossError("the hub witnessed size " + std::to_string(body->size) + " but the node serves only " +
                         std::to_string(mirrored.size) + " entries: the node shows the auditor an older or other history");
  }
  merkle::Hash at = merkle::EmptyRoot();
  if (body->size > 0) {
    FT_ASSIGN_OR_RETURN(at, mirror.RootAt(body->size));
  }
  if (at != body->root) {
    return DataLossError("split view: the hub witnessed root " + B64(body->root) + " at size " +
                         std::to_string(body->size) + ", the node's log has " + B64(at) + " there");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<HubHistoryPage> ParseHubHistoryPage(std::string_view body, const HubCheckLimits& limits) {
  if (body.size() > limits.max_history_page_bytes) {
    return ResourceExhaustedError("the hub's checkpoint history page is over " +
                                  std::to_string(limits.max_history_page_bytes) + " bytes");
  }
  Status nesting = CheckJsonNesting(body, limits.max_depth);
  if (!nesting.ok()) return Malformed(nesting.message());
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Malformed("is not JSON");
  try {
    return ParsePage(doc, limits);
  } catch (const json::exception& e) {
    return Malformed(e.what());
  }
}

StatusOr<HubHistoryCheck> CheckHubHistory(Fetcher& hub, const HubCheck& latest, std::string_view pinned_witness_key,
                                          const note::Verifier& log_key, LogMirror& mirror,
                                          const HubCheckLimits& limits) {
  if (latest.agency.empty()) return FailedPreconditionError("the hub check names no agency to fetch the history of");
  const std::string& origin = mirror.checkpoint().origin;
  if (origin.empty()) return FailedPreconditionError("the mirror holds no checkpoint to compare with the hub's");
  if (limits.history_page_size == 0) return InvalidArgumentError("history_page_size must be positive");
  HubHistoryCheck out;
  auto fail = [&out](std::optional<uint64_t> size, const Status& why) {
    out.failed_size = size;
    out.verification = Status(why.code(), "hub history: " +
                                              (size ? "checkpoint of size " + std::to_string(*size) + ": " : "") +
                                              why.message());
    return out;
  };
  const std::string witness_key = pinned_witness_key.empty() ? latest.witness_key : std::string(pinned_witness_key);
  auto cosigner = checkpoint::CosignatureVerifier::FromKey(witness_key);
  if (!cosigner.ok()) return fail(std::nullopt, DataLossError("the hub's witness key is malformed"));
  // The portal's latest checkpoint, when it verified, must be in the history too.
  const bool want_latest = latest.verification.ok() && !latest.note.empty();
  bool latest_listed = false;
  bool last_cosigned = true;
  uint64_t after = 0;
  while (true) {
    const std::string path = "agencies/" + EncodeSegment(latest.agency) + "/checkpoints?after_size=" +
                             std::to_string(after) + "&limit=" + std::to_string(limits.history_page_size);
    FT_ASSIGN_OR_RETURN(std::string body, hub.Get(path, limits.max_history_page_bytes));
    auto page = ParseHubHistoryPage(body, limits);
    if (!page.ok()) {
      if (!IsVerificationFailure(page.status())) return page.status();
      return fail(std::nullopt, page.status());
    }
    if (page->agency != latest.agency || page->log_origin != origin) {
      return fail(std::nullopt, DataLossError("the page is of agency '" + page->agency + "', log '" +
                                              page->log_origin + "', not the one asked for"));
    }
    for (const HubHistoryEntry& e : page->checkpoints) {
      if (out.checkpoints >= limits.max_history_checkpoints) {
        return ResourceExhaustedError("the hub lists more than " + std::to_string(limits.max_history_checkpoints) +
                                      " checkpoints");
      }
      // Increasing sizes, each past the page's after_size: a hub cannot make the auditor
      // loop, and one size is listed once.
      if (e.size <= after || (out.last_size && e.size <= *out.last_size)) {
        return fail(e.size, DataLossError("listed out of increasing size order"));
      }
      ++out.checkpoints;
      if (!out.first_size) out.first_size = e.size;
      out.last_size = e.size;
      Status s = CheckEntry(e, log_key, **cosigner, mirror);
      if (!s.ok()) {
        if (!IsVerificationFailure(s)) return s;
        return fail(e.size, s);
      }
      ++(e.cosigned ? out.verified : out.legacy_uncosigned);
      // Both roots equal the mirror's at this size (checked here and by CheckHubCheckpoint).
      if (want_latest && e.size == latest.size) latest_listed = true;
      last_cosigned = e.cosigned;
    }
    if (!page->next_after_size) break;
    if (page->checkpoints.empty() || !out.last_size || *page->next_after_size != *out.last_size) {
      return fail(std::nullopt, DataLossError("a page's next_after_size is not its last checkpoint's size"));
    }
    after = *page->next_after_size;
  }
  // A record without cosignature is tolerated in the past only: the latest is what the hub
  // vouches for now.
  if (!last_cosigned) {
    return fail(out.last_size, UnauthenticatedError("the latest checkpoint of the history is not cosigned"));
  }
  if (want_latest && !latest_listed) {
    return fail(latest.size, DataLossError("the history omits the portal's latest witnessed checkpoint"));
  }
  return out;
}

}  // namespace facetrail::auditor
