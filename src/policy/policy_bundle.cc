// Signed policy bundles: a C2SP signed note over "facetrail-policy/v1\n<canonical JSON>\n".
// Using the note format means `facetrail note verify --key AUTHORITY_VKEY bundle` checks a
// bundle with the same code that checks checkpoints.
#include <array>

#include "facetrail/policy.h"

namespace facetrail::policy {

StatusOr<std::string> SignPolicyBundle(const Policy& policy, const note::Signer& authority) {
  std::string json = CanonicalPolicyJson(policy);
  // Round-trip through the parser so an invalid policy is never signed.
  FT_ASSIGN_OR_RETURN(Policy checked, ParsePolicyJson(json));
  (void)checked;
  std::string text = std::string(kSchema) + "\n" + json + "\n";
  std::array<const note::Signer*, 1> signers{&authority};
  return note::Sign(text, signers);
}

StatusOr<Policy> OpenPolicyBundle(std::string_view bundle, const note::Verifier& authority) {
  std::array<const note::Verifier*, 1> verifiers{&authority};
  auto opened = note::Open(bundle, verifiers);
  if (!opened.ok()) return opened.status().WithContext("policy bundle signature");
  const std::string& text = opened->text;
  size_t first = text.find('\n');
  if (first == std::string::npos || std::string_view(text).substr(0, first) != kSchema) {
    return InvalidArgumentError("policy bundle does not start with " + std::string(kSchema));
  }
  std::string_view json = std::string_view(text).substr(first + 1);
  if (json.empty() || json.back() != '\n' || json.find('\n') != json.size() - 1) {
    return InvalidArgumentError("policy bundle must hold exactly one JSON line");
  }
  json.remove_suffix(1);
  FT_ASSIGN_OR_RETURN(Policy policy, ParsePolicyJson(json));
  if (CanonicalPolicyJson(policy) != json) {
    return InvalidArgumentError("policy bundle JSON is not in canonical form");
  }
  return policy;
}

}  // namespace facetrail::policy
