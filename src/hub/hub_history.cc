// GET /hub/v1/agencies/{id}/checkpoints: every checkpoint the hub's witness cosigned for
// one agency log, as full cosigned notes, so an auditor can check a mirrored log against
// the hub's whole witnessed history and not only the latest checkpoint the portal shows
// (docs/hub.md "Checkpoint history", auditor side in src/audit/hub_history.cc).
#include <charconv>
#include <limits>

#include <nlohmann/json.hpp>

#include "facetrail/encoding.h"
#include "hub/hub_core.h"

namespace facetrail::hub {
namespace {

using json = nlohmann::json;

constexpr uint64_t kDefaultLimit = 1000;
constexpr uint64_t kMaxLimit = 1000;
// A page ends early once its notes pass this many bytes (next_after_size says where to go
// on): a note may be up to 64 KiB (the witness request limit), so 1000 of them could reach
// 64 MiB, more than an auditor should have to buffer for one response.
constexpr size_t kMaxPageNoteBytes = size_t{4} << 20;

// A query parameter: absent takes `fallback`; present must be plain decimal in [lo, hi].
StatusOr<uint64_t> ParseParam(const char* name, const std::optional<std::string>& text, uint64_t fallback,
                              uint64_t lo, uint64_t hi) {
  if (!text) return fallback;
  uint64_t v = 0;
  const char* end = text->data() + text->size();
  auto [p, ec] = std::from_chars(text->data(), end, v);
  if (text->empty() || ec != std::errc() || p != end || v < lo || v > hi) {
    return InvalidArgumentError(std::string("\"") + name + "\" must be a decimal number in " + std::to_string(lo) +
                                ".." + std::to_string(hi));
  }
  return v;
}

// The recorded request's note as the witness re-signs it: the checkpoint text, then the
// first signature line by the log key. The witness (src/audit/witness.cc) keeps the log
// signature it verified and drops lines by unknown keys before adding its own, so this +
// the recorded cosignature line(s) are the bytes the witness state holds (and the portal
// shows for the latest). The record was made only after that log signature verified.
std::string LogSignedNote(const std::string& recorded, const note::VerifierKey& log_key) {
  auto parsed = note::Parse(recorded);
  if (!parsed.ok()) return recorded;
  for (const note::Signature& s : parsed->signatures) {
    if (s.name == log_key.name && s.key_id == log_key.key_id) {
      return parsed->text + "\n" + note::FormatSignatureLine(s);
    }
  }
  return recorded;
}

}  // namespace

Reply HubCore::CheckpointHistory(const std::string& id, const std::optional<std::string>& after_size_param,
                                 const std::optional<std::string>& limit_param) {
  // SQLite sizes are signed 64-bit.
  auto after_size = ParseParam("after_size", after_size_param, 0, 0,
                               static_cast<uint64_t>(std::numeric_limits<int64_t>::max()));
  if (!after_size.ok()) return ErrorReply(after_size.status());
  auto limit = ParseParam("limit", limit_param, kDefaultLimit, 1, kMaxLimit);
  if (!limit.ok()) return ErrorReply(limit.status());

  // Under the write mutex only for the reads (one indexed range of at most limit + 1 rows);
  // the notes and the JSON are assembled after it is released.
  std::optional<Agency> agency;
  std::vector<StoredCheckpoint> rows;
  std::optional<witness::Witness::LogState> state;
  {
    MutexLock lock(&mu_);
    auto a = store_->AgencyById(id);
    if (!a.ok()) return ErrorReply(a.status());
    if (!*a) return ErrorReply(NotFoundError("no agency " + id));
    agency = std::move(*a);
    // One row more than the page tells whether there is a next page.
    auto r = store_->CosignedHistory(agency->log_origin, *after_size, static_cast<int>(*limit) + 1);
    if (!r.ok()) return ErrorReply(r.status());
    rows = std::move(*r);
    bool legacy = false;
    for (const auto& c : rows) legacy = legacy || c.cosignature.empty();
    if (legacy && witness_ != nullptr) {
      auto st = witness_->State(agency->log_origin);
      if (st.ok()) state = *st;
    }
  }
  auto log_key = note::ParseVerifierKey(agency->log_key);
  if (!log_key.ok()) return ErrorReply(log_key.status().WithContext("agency " + id + " log_key"));

  json list = json::array();
  bool more = rows.size() > *limit;
  if (more) rows.resize(*limit);
  size_t note_bytes = 0;
  uint64_t last_size = 0;
  for (const StoredCheckpoint& c : rows) {
    if (!list.empty() && note_bytes > kMaxPageNoteBytes) {
      more = true;
      break;
    }
    std::string note;
    bool cosigned = true;
    if (!c.cosignature.empty()) {
      note = LogSignedNote(c.note, *log_key) + c.cosignature;
    } else if (state && state->size == c.size && HexEncode(AsStringView(state->root)) == c.root_hex) {
      // Recorded before the cosignature was kept, but the witness still holds this one.
      note = state->checkpoint;
    } else {
      // Recorded before the cosignature was kept: the log's signature only.
      note = LogSignedNote(c.note, *log_key);
      cosigned = false;
    }
    note_bytes += note.size();
    last_size = c.size;
    list.push_back({{"size", c.size}, {"root", c.root_hex}, {"note", std::move(note)},
                    {"witnessed_at", FormatRfc3339(c.received_at)}, {"cosigned", cosigned}});
  }
  json out = {{"agency", agency->id}, {"log_origin", agency->log_origin}, {"checkpoints", std::move(list)},
              {"next_after_size", more ? json(last_size) : json(nullptr)}};
  try {
    return {200, "application/json", out.dump() + "\n"};
  } catch (const json::exception& e) {  // dump() throws on invalid UTF-8; notes are checked on receipt
    return ErrorReply(InternalError(std::string("checkpoint history: ") + e.what()));
  }
}

}  // namespace facetrail::hub
