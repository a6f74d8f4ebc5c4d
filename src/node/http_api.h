// HttpApi: the node's JSON-over-HTTP API (docs/api/openapi.yaml) and its web pages, on
// cpp-httplib. A thin adapter: it parses and bounds requests, maps them onto NodeService,
// and maps Status codes onto HTTP statuses:
//   kInvalidArgument 400 (422 for image errors), kUnauthenticated 401,
//   kPermissionDenied 403, kNotFound 404, kFailedPrecondition 409 (503 when no valid
//   policy is installed), kResourceExhausted 429 (413 for oversized bodies),
//   kUnavailable 503, anything else 500.
// Every error body is {"error": {"code", "message"}}.
//
// Limits (HttpOptions): body size (413), JSON nesting depth, read/write timeouts, keep-alive
// request count and idle time, worker threads. Only application/json and
// multipart/form-data are accepted on POST (415 otherwise).
//
// Thread-safety: Start/Stop from one thread; handlers run on the server's worker pool.
#ifndef FACETRAIL_NODE_HTTP_API_H_
#define FACETRAIL_NODE_HTTP_API_H_

#include <memory>
#include <string>
#include <string_view>

#include "facetrail/status.h"
#include "node/node_service.h"

namespace facetrail::node {

struct HttpOptions {
  std::string host = "127.0.0.1";  // loopback by default
  int port = 8080;                 // 0: pick a free port
  size_t max_body_bytes = 12 << 20;
  int max_json_depth = 16;
  int threads = 8;
  int read_timeout_seconds = 15;
  int write_timeout_seconds = 15;
  int keep_alive_max_requests = 100;
  int keep_alive_timeout_seconds = 5;
  std::string web_root;  // serves these static pages under / when set
};

class HttpApi {
 public:
  // `service` must outlive the HttpApi.
  static StatusOr<std::unique_ptr<HttpApi>> Create(NodeService* service, const HttpOptions& options);
  virtual ~HttpApi() = default;
  // Binds (kUnavailable if the address is taken) and serves on a background thread.
  virtual Status Start() = 0;
  // Stops accepting, finishes in-flight requests, joins the thread.
  virtual void Stop() = 0;
  virtual int port() const = 0;
};

// Parses a JSON request body with a nesting bound; exposed for the fuzzer.
// Returns kInvalidArgument naming the problem.
Status CheckJsonBody(std::string_view body, int max_depth);
// Only the nesting bound (a linear scan, no parse): kInvalidArgument when `body` nests
// deeper than `max_depth`. The HTTP layer runs it before its single json::parse.
Status CheckJsonNesting(std::string_view body, int max_depth);

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_HTTP_API_H_
