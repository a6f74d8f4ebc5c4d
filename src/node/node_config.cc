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
                      {"max_image_bytes", c.max_image_bytes}};
  return j.dump(2) + "\n";
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
