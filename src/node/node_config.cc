#include "node/node_config.h"

#include <nlohmann/json.hpp>

namespace facetrail::node {

StatusOr<NodeConfig> ParseNodeConfig(std::string_view text, NodeConfig c) {
  nlohmann::json j = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgumentError("node config is not a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    const nlohmann::json& v = it.value();
    auto str = [&](std::string* out) -> Status {
      if (!v.is_string()) return InvalidArgumentError("node config: " + k + " must be a string");
      *out = v.get<std::string>();
      return Status::Ok();
    };
    auto num = [&](auto* out, int64_t lo, int64_t hi) -> Status {
      if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi) {
        return InvalidArgumentError("node config: " + k + " must be an integer in [" +
                                    std::to_string(lo) + ", " + std::to_string(hi) + "]");
      }
      *out = static_cast<std::remove_pointer_t<decltype(out)>>(v.get<int64_t>());
      return Status::Ok();
    };
    Status s;
    if (k == "node_id") s = str(&c.node_id);
    else if (k == "agency") s = str(&c.agency);
    else if (k == "authority_key") s = str(&c.authority_key);
    else if (k == "listen") s = str(&c.listen);
    else if (k == "models_dir") s = str(&c.models_dir);
    else if (k == "web_root") s = str(&c.web_root);
    else if (k == "calibration") s = str(&c.calibration);
    else if (k == "threads") s = num(&c.threads, 1, 256);
    else if (k == "engine_threads") s = num(&c.engine_threads, 1, 64);
    else if (k == "checkpoint_interval_seconds") s = num(&c.checkpoint_interval_seconds, 1, 3600);
    else if (k == "max_image_bytes") s = num(&c.max_image_bytes, 1024, int64_t{64} << 20);
    else if (k == "standalone") s = v.is_boolean() ? (c.standalone = v.get<bool>(), Status::Ok())
                                                   : InvalidArgumentError("node config: standalone must be true or false");
    else if (k == "hub_url") s = str(&c.hub_url);
    else if (k == "agency_token_file") s = str(&c.agency_token_file);
    else if (k == "release_authority_key") s = str(&c.release_authority_key);
    else if (k == "hub_witness_key") s = str(&c.hub_witness_key);
    else if (k == "disclosure") s = str(&c.disclosure);
    else if (k == "poll_interval_seconds") s = num(&c.poll_interval_seconds, 1, 86400);
    else if (k == "grace_period_seconds") s = num(&c.grace_period_seconds, 0, 30 * 86400);
    else if (k == "report_interval_seconds") s = num(&c.report_interval_seconds, 1, 86400);
    else s = InvalidArgumentError("node config: unknown key '" + k + "'");
    FT_RETURN_IF_ERROR(s);
  }
  return c;
}

std::string NodeConfigJson(const NodeConfig& c) {
  nlohmann::json j = {{"node_id", c.node_id},
                      {"agency", c.agency},
                      {"authority_key", c.authority_key},
                      {"listen", c.listen},
                      {"models_dir", c.models_dir},
                      {"web_root", c.web_root},
                      {"calibration", c.calibration},
                      {"threads", c.threads},
                      {"engine_threads", c.engine_threads},
                      {"checkpoint_interval_seconds", c.checkpoint_interval_seconds},
                      {"max_image_bytes", c.max_image_bytes},
                      {"standalone", c.standalone},
                      {"hub_url", c.hub_url},
                      {"agency_token_file", c.agency_token_file},
                      {"release_authority_key", c.release_authority_key},
                      {"hub_witness_key", c.hub_witness_key},
                      {"disclosure", c.disclosure},
                      {"poll_interval_seconds", c.poll_interval_seconds},
                      {"grace_period_seconds", c.grace_period_seconds},
                      {"report_interval_seconds", c.report_interval_seconds}};
  return j.dump(2) + "\n";
}

Status ValidateFederationConfig(const NodeConfig& c) {
  if (c.standalone) return Status::Ok();
  const std::pair<const char*, const std::string*> required[] = {
      {"hub_url", &c.hub_url}, {"agency_token_file", &c.agency_token_file}, {"disclosure", &c.disclosure}};
  for (const auto& [key, value] : required) {
    if (value->empty()) {
      return InvalidArgumentError(std::string("node config: a federated node (standalone: false) needs ") + key);
    }
  }
  if (c.release_authority_key.empty() && c.authority_key.empty()) {
    return InvalidArgumentError("node config: a federated node needs release_authority_key or authority_key");
  }
  return Status::Ok();
}

Status SplitListen(std::string_view listen, std::string* host, int* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return InvalidArgumentError("listen address must be host:port");
  }
  *host = std::string(listen.substr(0, colon));
  std::string p(listen.substr(colon + 1));
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgumentError("listen port must be 0..65535");
  }
  *port = std::stoi(p);
  if (*port > 65535) return InvalidArgumentError("listen port must be 0..65535");
  return Status::Ok();
}

}  // namespace facetrail::node
