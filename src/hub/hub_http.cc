// HTTP front end of the hub (cpp-httplib): routes onto HubCore, plus the portal's static
// files. httplib.h stays in this file.
#include <httplib.h>

#include <chrono>
#include <deque>
#include <optional>
#include <thread>
#include <vector>

#include "core/env.h"
#include "core/thread_annotations.h"
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

// A query parameter, or nullopt when the request has none (so "?limit=" is refused, not
// taken as the default).
std::optional<std::string> Param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  return req.get_param_value(name);
}

void Send(httplib::Response& res, const Reply& r) {
  res.status = r.status;
  if (r.status == 401) res.set_header("WWW-Authenticate", "Bearer");
  res.set_content(r.body, r.content_type.c_str());
}

// The connection queue behind httplib: a fixed pool of workers and a bounded queue of
// accepted connections. httplib 0.11's own ThreadPool queues without limit, and its
// enqueue cannot refuse (the socket would leak), so a full queue makes the listener thread
// wait here instead: further clients wait in the kernel's accept backlog.
class BoundedPool {
 public:
  BoundedPool(int workers, int max_queued) : max_queued_(static_cast<size_t>(max_queued)) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { Work(); });
  }
  ~BoundedPool() { Shutdown(); }
  int size() const { return static_cast<int>(threads_.size()); }

  void Enqueue(std::function<void()> fn) EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    while (jobs_.size() >= max_queued_ && !shutdown_) WaitOn(not_full_);
    jobs_.push_back(std::move(fn));
    not_empty_.Signal();
  }
  // Runs what is queued, then joins the workers. Idempotent.
  void Shutdown() EXCLUDES(mu_) {
    {
      MutexLock lock(&mu_);
      if (shutdown_) return;
      shutdown_ = true;
    }
    not_empty_.SignalAll();
    not_full_.SignalAll();
    for (auto& t : threads_) t.join();
  }

 private:
  void Work() EXCLUDES(mu_) {
    while (true) {
      std::function<void()> fn;
      {
        MutexLock lock(&mu_);
        while (jobs_.empty() && !shutdown_) WaitOn(not_empty_);
        if (jobs_.empty()) return;  // shut down and drained
        fn = std::move(jobs_.front());
        jobs_.pop_front();
        not_full_.Signal();
      }
      fn();
    }
  }

  // CondVar::Wait's REQUIRES names the CondVar's own mutex pointer, which clang's analysis
  // cannot equate with mu_; this wrapper states the real requirement to the callers.
  void WaitOn(CondVar& cv) REQUIRES(mu_) NO_THREAD_SAFETY_ANALYSIS { cv.Wait(); }

  const size_t max_queued_;
  Mutex mu_;
  CondVar not_empty_{&mu_};
  CondVar not_full_{&mu_};
  std::deque<std::function<void()>> jobs_ GUARDED_BY(mu_);
  bool shutdown_ GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;  // written only by the constructor
};

// httplib owns (and deletes) the TaskQueue it gets; the pool itself belongs to the server
// so that it exists, with its workers started, before the listener runs.
class PoolQueue final : public httplib::TaskQueue {
 public:
  explicit PoolQueue(BoundedPool* pool) : pool_(pool) {}
  void enqueue(std::function<void()> fn) override { pool_->Enqueue(std::move(fn)); }
  void shutdown() override { pool_->Shutdown(); }

 private:
  BoundedPool* pool_;
};

Status CheckRange(const char* name, int64_t v, int64_t lo, int64_t hi) {
  if (v < lo || v > hi) {
    return InvalidArgumentError(std::string("hub: ") + name + " must be " + std::to_string(lo) + ".." +
                                std::to_string(hi) + ", not " + std::to_string(v));
  }
  return Status::Ok();
}

Status CheckLimits(const HubOptions& o) {
  FT_RETURN_IF_ERROR(CheckRange("worker_threads", o.worker_threads, 1, 1024));
  FT_RETURN_IF_ERROR(CheckRange("max_queued_connections", o.max_queued_connections, 1, 65536));
  FT_RETURN_IF_ERROR(CheckRange("keep_alive_timeout_s", o.keep_alive_timeout_s, 1, 300));
  FT_RETURN_IF_ERROR(CheckRange("keep_alive_max_count", o.keep_alive_max_count, 1, 100000));
  FT_RETURN_IF_ERROR(CheckRange("read_timeout_s", o.read_timeout_s, 1, 300));
  FT_RETURN_IF_ERROR(CheckRange("write_timeout_s", o.write_timeout_s, 1, 300));
  return CheckRange("max_body_bytes", static_cast<int64_t>(o.max_body_bytes), 64 << 10, 64 << 20);
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
    server_.set_read_timeout(options_.read_timeout_s, 0);
    server_.set_write_timeout(options_.write_timeout_s, 0);
    server_.set_keep_alive_timeout(options_.keep_alive_timeout_s);
    server_.set_keep_alive_max_count(static_cast<size_t>(options_.keep_alive_max_count));
    pool_ = std::make_unique<BoundedPool>(options_.worker_threads, options_.max_queued_connections);
    BoundedPool* pool = pool_.get();
    server_.new_task_queue = [pool] { return new PoolQueue(pool); };
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
  int worker_threads() const override { return pool_ != nullptr ? pool_->size() : 0; }
  void Stop() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
    if (pool_ != nullptr) pool_->Shutdown();
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
      Send(s, c->PostReport(BearerToken(q), q.matches[1], q.body, q.get_header_value("Content-Type")));
    });
    server_.Get(R"(/hub/v1/agencies/([^/]+)/report)", [c](Req q, Res s) { Send(s, c->LatestReport(q.matches[1])); });
    server_.Get(R"(/hub/v1/agencies/([^/]+)/checkpoints)", [c](Req q, Res s) {
      Send(s, c->CheckpointHistory(q.matches[1], Param(q, "after_size"), Param(q, "limit")));
    });
    server_.Post(R"(/hub/v1/agencies/([^/]+)/disclosure)", [c](Req q, Res s) {
      Send(s, c->PostDisclosure(BearerToken(q), q.matches[1], q.body));
    });
    server_.Post("/hub/v1/releases", [c](Req q, Res s) { Send(s, c->PostRelease(BearerToken(q), q.body)); });
    server_.Get("/hub/v1/releases/latest", [c](Req q, Res s) {
      Send(s, c->LatestRelease(q.get_param_value("policy_sha256")));
    });
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
  std::unique_ptr<BoundedPool> pool_;  // outlives server_'s use of it (Stop joins both)
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace

StatusOr<std::unique_ptr<HubServer>> HubServer::Start(const HubOptions& options) {
  FT_RETURN_IF_ERROR(CheckLimits(options));
  FT_ASSIGN_OR_RETURN(auto core, HubCore::Open(options));
  auto s = std::make_unique<HubServerImpl>(std::move(core), options);
  FT_RETURN_IF_ERROR(s->Bind());
  return std::unique_ptr<HubServer>(std::move(s));
}

}  // namespace facetrail::hub
