// NodeService's side of federation (federation.h): the pushed revocation list and the
// federation state it reports. The query gate itself is one call in GateQuery.
#include "facetrail/encoding.h"
#include "node/node_service_impl.h"

namespace facetrail::node {

Status NodeServiceImpl::PushRevocations(const RequestMeta& meta, std::string_view bundle) {
  nlohmann::json d = {{"bundle_sha256", Sha256Hex(bundle)}, {"via", "push"}, {"remote", meta.remote}};
  if (options_.federation == nullptr) {
    return FailedPreconditionError("this node runs standalone: it takes no revocation lists");
  }
  Status s = options_.federation->PushRevocations(bundle);
  if (!s.ok()) return Deny(event::kFederationRevocations, AuditActor{}, s, d);
  d["sequence"] = options_.federation->Describe().revocation_sequence;
  return Audit(event::kFederationRevocations, AuditActor{}, "ok", "", d).status();
}

std::optional<FederationStatus> NodeServiceImpl::Federation() const {
  if (options_.federation == nullptr) return std::nullopt;
  return options_.federation->Describe();
}

}  // namespace facetrail::node
