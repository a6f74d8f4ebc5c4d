// RequestTrace: where one HTTP request's server-side time went, stage by stage (HTTP body
// read, JSON parse, base64, auth, policy gate, face engine, gallery match, audit entry
// build / durable append / index, lead and media writes, response). The HTTP layer owns
// one per request, hands it to NodeService through RequestMeta::trace, and exports the
// stages as the Prometheus histogram facetrail_request_stage_seconds{route,stage}
// (docs/node.md, "Metrics"); bench/node_load.sh reads them to split request time into
// engine and everything else from the same requests.
//
// Thread-safety: none; a trace belongs to the one thread serving its request.
#ifndef FACETRAIL_NODE_REQUEST_TRACE_H_
#define FACETRAIL_NODE_REQUEST_TRACE_H_

#include <array>
#include <chrono>
#include <cstddef>
#include <string_view>

namespace facetrail::node {

enum class Stage : int {
  kBodyRead,     // headers parsed -> body in memory (httplib reads it before the handler)
  kParse,        // JSON nesting check + parse, or multipart field copy
  kBase64,       // base64 decode of the image(s)
  kAuth,         // token lookup + role check
  kPolicy,       // policy gate: training, purpose/case/authority, rate limit
  kEngine,       // Engine::EmbedProminent: decode + detect + align + embed
  kMatch,        // 1:1 comparison or 1:N matcher search
  kAuditBuild,   // canonical audit entry serialisation
  kAuditAppend,  // LogStore::Append: write + fdatasync (group commit), i.e. durable
  kAuditIndex,   // derived case index (entries.db)
  kLeads,        // lead rows (leads.db)
  kMedia,        // probe image kept for review (media.db)
  kRespond,      // response JSON
  kCount,
};

constexpr std::array<std::string_view, static_cast<size_t>(Stage::kCount)> kStageNames = {
    "body_read",   "parse",       "base64", "auth",  "policy", "engine",  "match",
    "audit_build", "audit_append", "audit_index", "leads", "media", "respond"};

class RequestTrace {
 public:
  using Clock = std::chrono::steady_clock;

  void Add(Stage s, Clock::duration d) { total_[static_cast<size_t>(s)] += d; }
  Clock::duration Get(Stage s) const { return total_[static_cast<size_t>(s)]; }
  bool Touched(Stage s) const { return Get(s) != Clock::duration::zero(); }

 private:
  std::array<Clock::duration, static_cast<size_t>(Stage::kCount)> total_{};
};

// Adds the time from construction to destruction (or Stop) to `stage` of `trace`, which
// may be null (then it times nothing).
class StageTimer {
 public:
  StageTimer(RequestTrace* trace, Stage stage)
      : trace_(trace), stage_(stage), start_(RequestTrace::Clock::now()) {}
  ~StageTimer() { Stop(); }
  // Records now instead of at destruction; later calls and the destructor do nothing.
  void Stop() {
    if (trace_ != nullptr) trace_->Add(stage_, RequestTrace::Clock::now() - start_);
    trace_ = nullptr;
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  RequestTrace* trace_;
  Stage stage_;
  RequestTrace::Clock::time_point start_;
};

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_REQUEST_TRACE_H_
