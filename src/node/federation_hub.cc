// httplib stays in this file.
#include "node/federation_hub.h"

#include <httplib.h>

namespace facetrail::node {
namespace {

std::unique_ptr<httplib::Client> NewClient(const HubConnectionOptions& o) {
  auto c = std::make_unique<httplib::Client>(o.url);
  c->set_connection_timeout(o.connect_timeout_s, 0);
  c->set_read_timeout(o.read_timeout_s, 0);
  c->set_write_timeout(o.read_timeout_s, 0);
  return c;
}

std::string Snippet(const std::string& body) { return body.substr(0, 300); }

}  // namespace

StatusOr<std::unique_ptr<HubConnection>> HubConnection::Create(const HubConnectionOptions& options) {
  const std::string& u = options.url;
  bool scheme = u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0;
  size_t host_at = u.find("://") + 3;
  if (!scheme || u.size() <= host_at || u.find('/', host_at) != std::string::npos) {
    return InvalidArgumentError("hub URL must be http(s)://host[:port] without a path, got '" + u + "'");
  }
  return std::unique_ptr<HubConnection>(new HubConnection(options));
}

StatusOr<std::optional<std::string>> HubConnection::Get(const std::string& path) const {
  auto client = NewClient(options_);
  std::string body;
  bool too_big = false;
  const size_t max = options_.max_response_bytes;
  httplib::Result r = client->Get(path.c_str(), [&](const char* data, size_t n) {
    if (body.size() + n > max) {
      too_big = true;
      return false;
    }
    body.append(data, n);
    return true;
  });
  if (too_big) return ResourceExhaustedError("hub " + path + ": response over " + std::to_string(max) + " bytes");
  if (!r) return UnavailableError("hub " + options_.url + path + " unreachable: " + httplib::to_string(r.error()));
  if (r->status == 404) return std::optional<std::string>();
  if (r->status != 200) {
    return UnavailableError("hub " + path + " answered " + std::to_string(r->status) + ": " + Snippet(body));
  }
  return std::optional<std::string>(std::move(body));
}

Status HubConnection::Post(const std::string& path, std::string_view body,
                           const std::string& content_type) const {
  auto client = NewClient(options_);
  httplib::Headers h = {{"Authorization", "Bearer " + options_.agency_token}};
  httplib::Result r = client->Post(path.c_str(), h, body.data(), body.size(), content_type.c_str());
  if (!r) return UnavailableError("hub " + options_.url + path + " unreachable: " + httplib::to_string(r.error()));
  if (r->status < 200 || r->status >= 300) {
    return UnavailableError("hub " + path + " answered " + std::to_string(r->status) + ": " + Snippet(r->body));
  }
  return Status::Ok();
}

}  // namespace facetrail::node
