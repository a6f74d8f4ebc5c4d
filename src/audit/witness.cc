// tlog-witness protocol logic: verify, compare-and-update in one transaction, cosign.
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "audit/witness_state.h"
#include "core/thread_annotations.h"
#include "facetrail/checkpoint.h"
#include "facetrail/encoding.h"
#include "facetrail/witness.h"

namespace facetrail::witness {
namespace {

Response Reply(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  if (!r.body.empty() && r.body.back() != '\n') r.body.push_back('\n');
  return r;
}

class WitnessImpl final : public Witness {
 public:
  WitnessImpl(std::unique_ptr<WitnessState> state, const note::Ed25519Signer* key,
              const Clock* clock)
      : state_(std::move(state)), key_(key), cosigner_(key, clock), clock_(clock) {}

  Status AddLogKey(std::string_view vkey) {
    FT_ASSIGN_OR_RETURN(auto v, note::Ed25519Verifier::FromKey(vkey));
    std::string origin = v->name();
    logs_[origin].push_back(std::move(v));
    return Status::Ok();
  }

  Response AddCheckpoint(std::string_view body) override EXCLUDES(mu_);
  StatusOr<std::optional<LogState>> State(std::string_view origin) override EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return state_->Get(origin);
  }
  std::string VerifierKey() const override { return key_->VerifierKeyString(); }

 private:
  // Everything from reading the stored state to committing the new one, under mu_ and one
  // IMMEDIATE transaction.
  Response Update(const checkpoint::Checkpoint& c, const note::Opened& opened,
                  const AddCheckpointRequest& req) REQUIRES(mu_);

  Mutex mu_;
  std::unique_ptr<WitnessState> state_ PT_GUARDED_BY(mu_);
  const note::Ed25519Signer* key_;
  checkpoint::CosignatureSigner cosigner_;
  const Clock* clock_;
  // origin -> trusted log keys; immutable after Open.
  std::map<std::string, std::vector<std::unique_ptr<note::Ed25519Verifier>>, std::less<>> logs_;
};

Response WitnessImpl::AddCheckpoint(std::string_view body) {
  auto req = ParseAddCheckpointRequest(body);
  if (!req.ok()) return Reply(400, req.status().ToString());
  auto parsed = note::Parse(req->checkpoint);
  if (!parsed.ok()) return Reply(400, parsed.status().ToString());
  auto c = checkpoint::Parse(parsed->text);
  if (!c.ok()) return Reply(400, c.status().ToString());
  auto log = logs_.find(c->origin);
  if (log == logs_.end()) return Reply(404, "unknown log origin \"" + c->origin + "\"");
  std::vector<const note::Verifier*> verifiers;
  for (const auto& v : log->second) verifiers.push_back(v.get());
  auto opened = note::Open(req->checkpoint, verifiers);
  if (!opened.ok()) return Reply(403, "no valid log signature: " + opened.status().ToString());
  if (req->old_size > c->size) {
    return Reply(400, "old size " + std::to_string(req->old_size) + " exceeds checkpoint size " +
                          std::to_string(c->size));
  }
  MutexLock lock(&mu_);
  Status begun = state_->Begin();
  if (!begun.ok()) return Reply(500, begun.ToString());
  Response r = Update(*c, *opened, *req);
  if (r.status != 200) state_->Rollback();
  return r;
}

Response WitnessImpl::Update(const checkpoint::Checkpoint& c, const note::Opened& opened,
                             const AddCheckpointRequest& req) {
  auto stored = state_->Get(c.origin);
  if (!stored.ok()) return Reply(500, stored.status().ToString());
  uint64_t stored_size = stored->has_value() ? (*stored)->size : 0;
  if (req.old_size != stored_size) {
    Response r = Reply(409, std::to_string(stored_size));
    r.content_type = std::string(kSizeContentType);
    return r;
  }
  if (req.old_size == c.size) {
    if (!req.proof.empty()) return Reply(422, "old size equals size: proof must be empty");
    if (stored->has_value() && (*stored)->root != c.root) {
      return Reply(409, "checkpoint has the cosigned size but a different root hash");
    }
    if (c.size == 0 && c.root != merkle::EmptyRoot()) {
      return Reply(422, "size 0 checkpoint must carry the empty tree hash");
    }
  } else if (req.old_size == 0) {
    // Nothing cosigned yet: there is no old tree to be consistent with.
    if (!req.proof.empty()) return Reply(422, "old size 0: proof must be empty");
  } else {
    Status st = merkle::VerifyConsistency(req.old_size, c.size, req.proof, (*stored)->root, c.root);
    if (!st.ok()) return Reply(422, "consistency proof: " + st.ToString());
  }
  auto sig = cosigner_.Sign(opened.text);
  if (!sig.ok()) return Reply(500, sig.status().ToString());
  note::Signature mine{cosigner_.name(), cosigner_.key_id(), std::move(*sig)};
  // Keep the log's verified signatures plus ours: this is what we vouch for.
  std::vector<note::Signature> sigs = opened.verified;
  sigs.push_back(mine);
  auto cosigned = note::Sign(opened.text, {}, sigs);
  if (!cosigned.ok()) return Reply(500, cosigned.status().ToString());
  Status put = state_->Put(c.origin, LogState{c.size, c.root, std::move(*cosigned)},
                           clock_->NowSeconds());
  if (!put.ok()) return Reply(put.code() == StatusCode::kInvalidArgument ? 400 : 500, put.ToString());
  // Durable before acknowledged: only a committed update yields a cosignature.
  Status committed = state_->Commit();
  if (!committed.ok()) return Reply(500, committed.ToString());
  return Reply(200, note::FormatSignatureLine(mine));
}

}  // namespace

StatusOr<std::unique_ptr<Witness>> Witness::Open(const WitnessOptions& options) {
  if (options.key == nullptr) return InvalidArgumentError("witness: no witness key");
  if (options.log_keys.empty()) return InvalidArgumentError("witness: no trusted log keys");
  FT_ASSIGN_OR_RETURN(auto state, WitnessState::Open(options.db_path));
  const Clock* clock = options.clock != nullptr ? options.clock : Clock::Real();
  auto w = std::make_unique<WitnessImpl>(std::move(state), options.key, clock);
  for (const std::string& k : options.log_keys) {
    Status st = w->AddLogKey(k);
    if (!st.ok()) return st.WithContext("witness: log key " + k);
  }
  return std::unique_ptr<Witness>(std::move(w));
}

}  // namespace facetrail::witness
