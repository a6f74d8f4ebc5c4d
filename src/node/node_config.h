// NodeConfig: the settings `facetrail serve` runs a node with. Read from --config FILE
// (JSON) and flags, then saved as DATA/node.json on first start so that later starts and
// the operator's `facetrail users` commands use the same node id, agency and authority key
// (docs/node.md lists every key).
//
// Thread-safety: plain value and pure functions.
#ifndef FACETRAIL_NODE_NODE_CONFIG_H_
#define FACETRAIL_NODE_NODE_CONFIG_H_

#include <string>
#include <string_view>
#include <vector>

#include "facetrail/status.h"

namespace facetrail::node {

struct NodeConfig {
  std::string node_id = "node-1";
  std::string agency = "demo-pd";
  std::string authority_key;        // the authority's verifier key (policy bundles)
  std::string listen = "127.0.0.1:8080";
  std::string models_dir;           // default: the build's models/
  std::string web_root;             // default: <source>/web
  std::string calibration;          // default: <source>/calibration/<embedder name>.json
  int threads = 8;                  // HTTP workers
  int engine_threads = 1;           // OpenCV threads per inference
  int checkpoint_interval_seconds = 5;
  int64_t max_image_bytes = 10 << 20;

  // Federation (docs/node.md "Federation", docs/hub.md). standalone = true keeps the node
  // on its own (demo, tests); false requires hub_url, agency_token_file and a disclosure,
  // and the node then refuses every face query it cannot justify to the hub (fail closed).
  bool standalone = true;
  std::string hub_url;               // "http://host:port"
  std::string agency_token_file;     // the agency token from hub registration (0600)
  std::string release_authority_key; // verifies releases/revocations; default authority_key
  std::string hub_witness_key;       // the hub witness's vkey; empty: checkpoints not sent
  std::string disclosure;            // the signed accuracy disclosure this node runs
  int poll_interval_seconds = 60;
  int grace_period_seconds = 0;      // 0: fail closed as soon as one poll is missed
  int report_interval_seconds = 300;
};

// Standalone or a complete federation section; kInvalidArgument naming what is missing.
Status ValidateFederationConfig(const NodeConfig& c);

// Parses a config JSON document (unknown keys refused, so typos are caught).
StatusOr<NodeConfig> ParseNodeConfig(std::string_view json, NodeConfig base = {});
std::string NodeConfigJson(const NodeConfig& c);
// "host:port" -> parts; kInvalidArgument when malformed.
Status SplitListen(std::string_view listen, std::string* host, int* port);

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_NODE_CONFIG_H_
