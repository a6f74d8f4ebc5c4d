// cpp-httplib client for the auditor tools: one connection per fetcher (keep-alive, so a
// mirror of thousands of tiles does not open thousands of connections), timeouts, and a
// body limit enforced while the body streams in.
#include "audit/http_fetcher.h"

#include <httplib.h>

#include <algorithm>
#include <string>
#include <utility>

namespace facetrail::auditor {
namespace {

class HttpFetcher final : public Fetcher {
 public:
  HttpFetcher(std::string scheme_host_port, std::string prefix, HttpFetchOptions options)
      : base_(std::move(scheme_host_port)), prefix_(std::move(prefix)), options_(std::move(options)),
        client_(base_) {
    client_.set_connection_timeout(options_.connect_timeout_s, 0);
    client_.set_read_timeout(options_.read_timeout_s, 0);
    client_.set_write_timeout(options_.read_timeout_s, 0);
    client_.set_keep_alive(true);
    // Many small sequential requests: without TCP_NODELAY each waits on delayed ACKs.
    client_.set_tcp_nodelay(true);
    if (!options_.bearer_token.empty()) client_.set_bearer_token_auth(options_.bearer_token.c_str());
  }

  std::string UrlOf(std::string_view path) const override {
    return base_ + prefix_ + "/" + std::string(path);
  }

  StatusOr<std::string> Get(std::string_view path, size_t max_bytes) override {
    const std::string target = prefix_ + "/" + std::string(path);
    std::string body;
    int status = 0;
    bool too_large = false;
    // Non-200 bodies are kept only for the message.
    auto res = client_.Get(
        target.c_str(), httplib::Headers{},
        [&](const httplib::Response& r) {
          status = r.status;
          return true;
        },
        [&](const char* data, size_t n) {
          const size_t limit = status == 200 ? max_bytes : 512;
          if (n > limit - std::min(limit, body.size())) {
            if (status != 200) return false;
            too_large = true;
            return false;
          }
          body.append(data, n);
          return true;
        });
    if (too_large) {
      client_.stop();
      return ResourceExhaustedError(UrlOf(path) + ": response over the limit of " +
                                    std::to_string(max_bytes) + " bytes");
    }
    if (!res && status == 0) {
      return UnavailableError(UrlOf(path) + ": " + httplib::to_string(res.error()));
    }
    if (status == 200 && res) return body;
    std::string msg = UrlOf(path) + ": HTTP " + std::to_string(status);
    if (!body.empty()) msg += ": " + body.substr(0, 300);
    if (status == 404) return NotFoundError(msg);
    if (status == 401 || status == 403) return PermissionDeniedError(msg);
    if (!res) msg += " (" + httplib::to_string(res.error()) + ")";
    return UnavailableError(msg);
  }

 private:
  std::string base_;
  std::string prefix_;
  HttpFetchOptions options_;
  httplib::Client client_;
};

}  // namespace

StatusOr<std::unique_ptr<Fetcher>> NewHttpFetcher(std::string_view base_url, HttpFetchOptions options) {
  const std::string url(base_url);
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return InvalidArgumentError("URL needs a scheme: " + url);
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return InvalidArgumentError("URL scheme must be http or https: " + url);
  }
  const size_t host_start = scheme_end + 3;
  const size_t path_start = url.find('/', host_start);
  std::string shp = url.substr(0, path_start);
  if (shp.size() == host_start) return InvalidArgumentError("URL has no host: " + url);
  if (url.find_first_of("?# \t\r\n") != std::string::npos) {
    return InvalidArgumentError("URL must not carry a query, fragment or white space: " + url);
  }
  std::string prefix = path_start == std::string::npos ? "" : url.substr(path_start);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return std::unique_ptr<Fetcher>(new HttpFetcher(std::move(shp), std::move(prefix), std::move(options)));
}

}  // namespace facetrail::auditor
