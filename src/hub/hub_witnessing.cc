// The hub as witness of every registered agency log: the C2SP tlog-witness decision
// (witness.h) plus what the hub adds around it, inside one critical section:
//  - every checkpoint validly signed by a registered log key is recorded (with the
//    cosignature when the witness cosigned it);
//  - evidence of equivocation keeps BOTH signed notes and raises an alert:
//      split_view   same size, different root as a checkpoint seen or cosigned before
//                   (two notes signed by one key that cannot both be true);
//      inconsistent the witness refused it for a failed consistency proof (422);
//      rollback     a smaller tree than the one already cosigned, never seen before.
#include <array>

#include "facetrail/checkpoint.h"
#include "facetrail/encoding.h"
#include "hub/hub_core.h"

namespace facetrail::hub {
namespace {

std::string RootHex(const merkle::Hash& h) {
  return HexEncode(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

}  // namespace

Status HubCore::RaiseAlert(const std::string& agency, const std::string& kind, const std::string& message,
                           const std::string& a, const std::string& b) {
  return store_->AddAlert({0, agency, kind, message, a, b, NowSeconds()});
}

Reply HubCore::AddCheckpoint(std::string_view body) {
  MutexLock lock(&mu_);
  if (witness_ == nullptr) return {404, "text/plain; charset=utf-8", "no agency log is registered\n"};
  // What the witness held before this request: the cosigned note a conflict is shown against.
  std::optional<witness::Witness::LogState> before;
  auto req = witness::ParseAddCheckpointRequest(body);
  if (req.ok()) {
    auto parsed = note::Parse(req->checkpoint);
    auto c = parsed.ok() ? checkpoint::Parse(parsed->text) : StatusOr<checkpoint::Checkpoint>(parsed.status());
    if (c.ok()) {
      auto st = witness_->State(c->origin);
      if (st.ok()) before = *st;
    }
  }
  witness::Response answer = witness_->AddCheckpoint(body);
  Examine(body, answer, before);
  return {answer.status, answer.content_type, answer.body};
}

void HubCore::Examine(std::string_view body, const witness::Response& answer,
                      const std::optional<witness::Witness::LogState>& before) {
  auto req = witness::ParseAddCheckpointRequest(body);
  if (!req.ok()) return;
  auto parsed = note::Parse(req->checkpoint);
  if (!parsed.ok()) return;
  auto c = checkpoint::Parse(parsed->text);
  if (!c.ok()) return;
  auto agency = store_->AgencyByOrigin(c->origin);
  if (!agency.ok() || !*agency) return;
  // Only a note the registered key really signed is evidence (anyone can send junk).
  auto v = note::Ed25519Verifier::FromKey((*agency)->log_key);
  if (!v.ok()) return;
  std::array<const note::Verifier*, 1> verifiers{v->get()};
  if (!note::Open(req->checkpoint, verifiers).ok()) return;

  const std::string& id = (*agency)->id;
  std::string root = RootHex(c->root);
  std::string size = std::to_string(c->size);
  auto seen = store_->SeenNote(c->origin, req->checkpoint);
  auto conflict = store_->ConflictingCheckpoint(c->origin, c->size, root);
  StoredCheckpoint record{c->origin, c->size, root, req->checkpoint, NowSeconds(), answer.status, ""};
  // A 200 answer's body is the witness's cosignature line(s): kept with the request's note,
  // they make the cosigned note the history endpoint publishes (hub_history.cc).
  if (answer.status == 200) record.cosignature = answer.body;
  Status recorded = store_->AddCheckpoint(record);
  (void)recorded;  // the witness answer stands even if the record fails; the alert below may too
  Status raised = Status::Ok();
  if (conflict.ok() && *conflict) {
    raised = RaiseAlert(id, "split_view",
                        "log " + c->origin + " signed two different trees of size " + size, **conflict,
                        req->checkpoint);
  } else if (before && answer.status == 409 && answer.content_type != witness::kSizeContentType &&
             before->size == c->size) {
    raised = RaiseAlert(id, "split_view",
                        "log " + c->origin + " signed a tree of size " + size + " other than the one cosigned",
                        before->checkpoint, req->checkpoint);
  } else if (before && answer.status == 422) {
    raised = RaiseAlert(id, "inconsistent",
                        "log " + c->origin + " could not prove size " + size + " extends cosigned size " +
                            std::to_string(before->size),
                        before->checkpoint, req->checkpoint);
  } else if (before && c->size < before->size && seen.ok() && !*seen) {
    raised = RaiseAlert(id, "rollback",
                        "log " + c->origin + " signed size " + size + " after size " +
                            std::to_string(before->size) + " was cosigned",
                        before->checkpoint, req->checkpoint);
  }
  (void)raised;
}

}  // namespace facetrail::hub
