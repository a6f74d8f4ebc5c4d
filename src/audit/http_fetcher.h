// Fetcher: reads resources of a remote service (a node's tlog-tiles, its case exports, a
// hub's portal JSON) for the auditor tools, with every response bounded by the caller.
// HttpFetcher is the cpp-httplib implementation; tests wrap it to tamper with responses.
//
// Thread-safety: a Fetcher is used by one thread at a time.
#ifndef FACETRAIL_AUDIT_HTTP_FETCHER_H_
#define FACETRAIL_AUDIT_HTTP_FETCHER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "facetrail/status.h"

namespace facetrail::auditor {

class Fetcher {
 public:
  virtual ~Fetcher() = default;
  // GETs `path` below the fetcher's base URL ("checkpoint", "tile/0/000", ...). Reads at
  // most max_bytes of body: beyond that the transfer is abandoned (kResourceExhausted).
  // Errors: kNotFound (404), kPermissionDenied (401, 403), kUnavailable (network errors,
  // timeouts, any other non-200 status; the message carries the server's first bytes).
  virtual StatusOr<std::string> Get(std::string_view path, size_t max_bytes) = 0;
  // The URL `path` resolves to, for messages.
  virtual std::string UrlOf(std::string_view path) const = 0;
};

struct HttpFetchOptions {
  int connect_timeout_s = 5;
  int read_timeout_s = 30;
  std::string bearer_token;  // sent as "Authorization: Bearer ..." when non-empty
};

// `base_url` is "http://host:port[/prefix]"; paths are appended after one "/".
// kInvalidArgument for a URL that is not http(s)://host[:port][/path].
StatusOr<std::unique_ptr<Fetcher>> NewHttpFetcher(std::string_view base_url,
                                                  HttpFetchOptions options = {});

}  // namespace facetrail::auditor

#endif  // FACETRAIL_AUDIT_HTTP_FETCHER_H_
