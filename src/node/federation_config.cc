// From `facetrail serve`'s NodeConfig to FederationOptions.
#include "core/env.h"
#include "node/federation.h"

namespace facetrail::node {

StatusOr<std::unique_ptr<Federation>> OpenFederation(const NodeConfig& c, const std::string& data_dir,
                                                     const std::string& calibration_path,
                                                     const Clock* clock) {
  FT_RETURN_IF_ERROR(ValidateFederationConfig(c));
  if (c.standalone) return InvalidArgumentError("federation: the node is configured standalone");
  auto token = Env::Default()->ReadFileToString(c.agency_token_file, 4096);
  if (!token.ok()) return token.status().WithContext("agency_token_file");
  std::string t = *token;
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.pop_back();
  if (t.empty()) return InvalidArgumentError("agency_token_file " + c.agency_token_file + " is empty");
  FederationOptions o;
  o.hub_url = c.hub_url;
  o.agency = c.agency;
  o.agency_token = t;
  o.authority_vkey = c.release_authority_key.empty() ? c.authority_key : c.release_authority_key;
  o.hub_witness_vkey = c.hub_witness_key;
  o.state_dir = JoinPath(data_dir, "federation");
  o.models_dir = c.models_dir;
  o.disclosure_path = c.disclosure;
  o.calibration_path = calibration_path;
  o.policy_path = JoinPath(data_dir, "policy.bundle");
  o.poll_interval_seconds = c.poll_interval_seconds;
  o.grace_period_seconds = c.grace_period_seconds;
  o.report_interval_seconds = c.report_interval_seconds;
  o.clock = clock;
  return Federation::Open(o);
}

}  // namespace facetrail::node
