// HTTP front end of the hub (cpp-httplib): routes onto HubCore, plus the portal's static
// files. httplib.h stays in this file.
#include <httplib.h>

#include <chrono>
#include <thread>

#include "core/env.h"
#include "hub/hub_core.h"

#ifndef FACETRAIL_PORTAL_DIR_DEFAULT
#define FACETRAIL_PORTAL_DIR_DEFAULT "web/portal"
#endif

namespace facetrail::hub {
namespace {

std::string BearerToken(const httplib::Request& req) {
  std::string h = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() > kBearer.size() && h.compare(0, kBearer.size(), kBearer) == 0) return h.substr(kBearer.size());
  return "";
}

void Send(httplib::Response& res, const Reply& r) {
  res.status = r.status;
  if (r.status == 401) res.set_header("WWW-Authenticate", "Bearer");
  res.set_content(r.body, r.content_type.c_str());
}

class HubServerImpl final : public HubServer {
 public:
  HubServerImpl(std::unique_ptr<HubCore> core, const HubOptions& options)
      : core_(std::move(core)), options_(options) {
    if (options_.portal_dir.empty()) options_.portal_dir = FACETRAIL_PORTAL_DIR_DEFAULT;
  }
  ~HubServerImpl() override { Stop(); }

  Status Bind() {
    // As the witness server: no SO_REUSEPORT, so a second hub on the port fails loudly.
    // TCP_NODELAY (inherited by accepted sockets on Linux): httplib writes headers and body
    // separately, and Nagle + delayed ACK then adds ~40 ms to every small reply.
    server_.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
      setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const void*>(&yes), sizeof(yes));
    });
    server_.set_payload_max_length(options_.max_body_bytes);
    server_.set_read_timeout(5, 0);
    server_.set_write_timeout(5, 0);
    Routes();
    if (options_.port == 0) {
      port_ = server_.bind_to_any_port(options_.host);
      if (port_ <= 0) return IOError("hub: cannot bind " + options_.host);
    } else {
      if (!server_.bind_to_port(options_.host.c_str(), options_.port)) {
        return IOError("hub: cannot bind " + options_.host + ":" + std::to_string(options_.port));
      }
      port_ = options_.port;
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!server_.is_running()) return InternalError("hub: server did not start");
    return Status::Ok();
  }

  int port() const override { return port_; }
  const std::string& initial_admin_token() const override { return core_->initial_admin_token(); }
  std::string witness_vkey() const override { return core_->witness_vkey(); }
  void Stop() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Routes() {
    HubCore* c = core_.get();
    using Req = const httplib::Request&;
    using Res = httplib::Response&;
    server_.Post("/hub/v1/enrolments", [c](Req q, Res s) { Send(s, c->CreateEnrolment(BearerToken(q), q.body)); });
    server_.Post("/hub/v1/agencies", [c](Req q, Res s) { Send(s, c->RegisterAgency(BearerToken(q), q.body)); });
    server_.Get("/hub/v1/agencies", [c](Req, Res s) { Send(s, c->ListAgencies()); });
    server_.Post(R"(/hub/v1/agencies/([^/]+)/suspend)", [c](Req q, Res s) {
      Send(s, c->SetSuspended(BearerToken(q), q.matches[1], true, q.body));
    });
    server_.Post(R"(/hub/v1/agencies/([^/]+)/reinstate)", [c](Req q, Res s) {
      Send(s, c->SetSuspended(BearerToken(q), q.matches[1], false, q.body));
    });
    server_.Post(R"(/hub/v1/agencies/([^/]+)/report)", [c](Req q, Res s) {
      Send(s, c->PostReport(BearerToken(q), q.matches[1], q.body));
    });
    server_.Post(R"(/hub/v1/agencies/([^/]+)/disclosure)", [c](Req q, Res s) {
      Send(s, c->PostDisclosure(BearerToken(q), q.matches[1], q.body));
    });
    server_.Post("/hub/v1/releases", [c](Req q, Res s) { Send(s, c->PostRelease(BearerToken(q), q.body)); });
    server_.Get("/hub/v1/releases/latest", [c](Req, Res s) { Send(s, c->LatestRelease()); });
    server_.Post("/hub/v1/revocations", [c](Req q, Res s) { Send(s, c->PostRevocations(BearerToken(q), q.body)); });
    server_.Get("/hub/v1/revocations", [c](Req, Res s) { Send(s, c->LatestRevocations()); });
    server_.Post("/hub/v1/witness/add-checkpoint", [c](Req q, Res s) { Send(s, c->AddCheckpoint(q.body)); });
    server_.Get("/hub/v1/portal", [c](Req, Res s) { Send(s, c->Portal()); });
    // Static portal files: a fixed list, so no request path ever reaches the filesystem.
    struct File {
      const char* route;
      const char* name;
      const char* type;
    };
    static constexpr File kFiles[] = {{"/", "index.html", "text/html; charset=utf-8"},
                                      {"/portal/portal.js", "portal.js", "text/javascript; charset=utf-8"},
                                      {"/portal/portal.css", "portal.css", "text/css; charset=utf-8"}};
    for (const File& f : kFiles) {
      std::string path = JoinPath(options_.portal_dir, f.name);
      const char* type = f.type;
      server_.Get(f.route, [path, type](Req, Res s) {
        auto bytes = Env::Default()->ReadFileToString(path, 1 << 20);
        if (!bytes.ok()) return Send(s, ErrorReply(bytes.status()));
        s.set_header("Content-Security-Policy", "default-src 'self'; img-src 'self' data:");
        Send(s, {200, type, *bytes});
      });
    }
  }

  std::unique_ptr<HubCore> core_;
  HubOptions options_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace

StatusOr<std::unique_ptr<HubServer>> HubServer::Start(const HubOptions& options) {
  FT_ASSIGN_OR_RETURN(auto core, HubCore::Open(options));
  auto s = std::make_unique<HubServerImpl>(std::move(core), options);
  FT_RETURN_IF_ERROR(s->Bind());
  return std::unique_ptr<HubServer>(std::move(s));
}

}  // namespace facetrail::hub
