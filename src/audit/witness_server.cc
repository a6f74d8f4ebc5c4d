// HTTP front end of the witness (cpp-httplib). Kept in its own file: httplib.h is slow to
// compile and must not leak into headers.
#include <httplib.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "facetrail/witness.h"

namespace facetrail::witness {
namespace {

class WitnessServerImpl final : public WitnessServer {
 public:
  WitnessServerImpl(Witness* witness, const ServerOptions& options)
      : witness_(witness), options_(options) {}
  ~WitnessServerImpl() override { Stop(); }

  Status Bind() {
    // httplib's default sets SO_REUSEPORT, which lets a second witness process bind the
    // same port and silently take half the traffic (a split brain if its state differs).
    // Keep SO_REUSEADDR only, so a second bind fails loudly.
    server_.set_socket_options([](socket_t sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
    });
    server_.set_payload_max_length(kMaxRequestBytes);
    server_.set_read_timeout(options_.read_timeout_s, 0);
    server_.set_write_timeout(options_.write_timeout_s, 0);
    server_.set_keep_alive_max_count(static_cast<size_t>(options_.keep_alive_max_count));
    server_.set_keep_alive_timeout(options_.keep_alive_timeout_s);
    server_.Post(options_.prefix + "/add-checkpoint",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   Response r = witness_->AddCheckpoint(req.body);
                   res.status = r.status;
                   res.set_content(r.body, r.content_type.c_str());
                 });
    if (options_.port == 0) {
      port_ = server_.bind_to_any_port(options_.host);
      if (port_ <= 0) return IOError("witness: cannot bind " + options_.host);
    } else {
      if (!server_.bind_to_port(options_.host.c_str(), options_.port)) {
        return IOError("witness: cannot bind " + options_.host + ":" +
                       std::to_string(options_.port));
      }
      port_ = options_.port;
    }
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op until the listen loop runs; wait for it so Stop() cannot hang.
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!server_.is_running()) return InternalError("witness: server did not start");
    return Status::Ok();
  }

  int port() const override { return port_; }

  void Stop() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  Witness* witness_;
  ServerOptions options_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace

StatusOr<std::unique_ptr<WitnessServer>> WitnessServer::Start(Witness* witness,
                                                              const ServerOptions& options) {
  if (witness == nullptr) return InvalidArgumentError("witness server: no witness");
  auto s = std::make_unique<WitnessServerImpl>(witness, options);
  FT_RETURN_IF_ERROR(s->Bind());
  return std::unique_ptr<WitnessServer>(std::move(s));
}

}  // namespace facetrail::witness
