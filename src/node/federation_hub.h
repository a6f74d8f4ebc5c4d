// HubConnection: the node's HTTP client for the oversight hub's API (docs/hub.md): GET a
// document (a release or revocation bundle, bounded in size), POST a report or disclosure
// with the agency token. One short-lived connection per call, so a hub restart or a
// changed address never leaves a stale socket behind.
//
// Thread-safety: immutable after Create; calls may run concurrently.
#ifndef FACETRAIL_NODE_FEDERATION_HUB_H_
#define FACETRAIL_NODE_FEDERATION_HUB_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "facetrail/status.h"

namespace facetrail::node {

struct HubConnectionOptions {
  std::string url;           // "http://host:port" (no path)
  std::string agency_token;  // for POSTs under /hub/v1/agencies/{id}/
  int connect_timeout_s = 5;
  int read_timeout_s = 10;
  size_t max_response_bytes = 32 << 20;  // a revocation list of 100,000 entries fits
};

class HubConnection {
 public:
  // kInvalidArgument for a URL that is not http(s)://host[:port].
  static StatusOr<std::unique_ptr<HubConnection>> Create(const HubConnectionOptions& options);

  // GET path: the body on 200; nullopt on 404 (nothing published yet); kUnavailable when
  // the hub cannot be reached or answers otherwise; kResourceExhausted beyond the bound.
  StatusOr<std::optional<std::string>> Get(const std::string& path) const;
  // POST with the agency token; OK on 2xx, kUnavailable / the hub's error otherwise.
  Status Post(const std::string& path, std::string_view body, const std::string& content_type) const;

  const std::string& url() const { return options_.url; }

 private:
  explicit HubConnection(HubConnectionOptions options) : options_(std::move(options)) {}
  HubConnectionOptions options_;
};

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_FEDERATION_HUB_H_
