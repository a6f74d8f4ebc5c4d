// HTTP adapter of the node. httplib, nlohmann-json and prometheus-cpp stay in this file.
#include "node/http_api.h"

#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <sstream>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "facetrail/encoding.h"
#include "node/http_connection.h"
#include "node/json_member_split.h"
#include "node/report_json.h"
#include "node/request_trace.h"

namespace facetrail::node {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// httplib serves each request start to finish on one worker thread. The pre-routing hook
// stamps when the headers were parsed (before httplib reads the body); Route() points
// t_trace at the request's trace for the handler's duration, so MetaOf and ReadForm can
// add their stages without threading the trace through every handler.
thread_local SteadyClock::time_point t_headers_parsed;
thread_local RequestTrace* t_trace = nullptr;

int HttpStatusFor(const Status& s) {
  if (IsImageError(s)) return 422;
  switch (s.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kUnauthenticated: return 401;
    case StatusCode::kPermissionDenied: return 403;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kAlreadyExists: return 409;
    case StatusCode::kFailedPrecondition:
      return s.message().rfind("no valid use policy", 0) == 0 ? 503 : 409;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kOutOfRange: return 404;
    case StatusCode::kUnavailable: return 503;
    default: return 500;
  }
}

void SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void SendError(httplib::Response& res, const Status& s) {
  int status = HttpStatusFor(s);
  if (status == 429) res.set_header("Retry-After", "60");
  if (status == 401) res.set_header("WWW-Authenticate", "Bearer");
  SendJson(res, status, {{"error", {{"code", StatusCodeName(s.code())}, {"message", s.message()}}}});
}

std::string HashB64(const merkle::Hash& h) { return Base64Encode(AsStringView(h)); }

json ProofJson(const std::vector<merkle::Hash>& proof) {
  json a = json::array();
  for (const auto& h : proof) a.push_back(HashB64(h));
  return a;
}

json CheckpointJson(const SignedCheckpoint& c) {
  return {{"size", c.size}, {"root", HashB64(c.root)}, {"note", c.note}};
}

json QualityJson(const FaceQuality& q) {
  return {{"inter_eye_px", q.inter_eye_px}, {"sharpness", q.sharpness}, {"exposure", q.exposure},
          {"contrast", q.contrast},         {"yaw_deg", q.yaw_deg},     {"roll_deg", q.roll_deg}};
}

json LeadJson(const LeadView& v) {
  const Lead& l = v.lead;
  json j = {{"lead_id", l.id},
            {"query_index", l.query_index},
            {"case_number", l.case_number},
            {"identity", l.identity_id},
            {"rank", l.rank},
            {"score", l.score},
            {"estimated_fmr", l.estimated_fmr},
            {"state", LeadStateName(l.state)},
            {"required_reviewers", l.required_reviewers},
            {"decided_by_me", v.decided_by_me},
            {"label", "investigative lead - not a basis for arrest"}};
  json ds = json::array();
  for (const Decision& d : v.decisions) {
    ds.push_back({{"reviewer", d.reviewer_id}, {"decision", d.confirm ? "confirm" : "reject"},
                  {"note", d.note}, {"audit_index", d.audit_index}});
  }
  j["decisions"] = ds;
  return j;
}

std::string BearerToken(const httplib::Request& req) {
  std::string h = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() > kBearer.size() && h.compare(0, kBearer.size(), kBearer) == 0) {
    return h.substr(kBearer.size());
  }
  return "";
}

RequestMeta MetaOf(const httplib::Request& req) {
  return RequestMeta{BearerToken(req), req.remote_addr, t_trace};
}

// The media type without parameters, lower-cased.
std::string MediaType(const httplib::Request& req) {
  std::string ct = req.get_header_value("Content-Type");
  ct = ct.substr(0, ct.find(';'));
  while (!ct.empty() && ct.back() == ' ') ct.pop_back();
  for (char& c : ct) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return ct;
}

// A POST body as fields + image(s): JSON with base64 images, or multipart/form-data.
struct Form {
  json fields = json::object();
  std::vector<std::string> images;
};

StatusOr<std::string> StringField(const json& j, const char* key, bool required, size_t max_len = 256) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) {
    if (required) return InvalidArgumentError(std::string(key) + " is required");
    return std::string();
  }
  if (!it->is_string()) return InvalidArgumentError(std::string(key) + " must be a string");
  std::string v = it->get<std::string>();
  if (v.size() > max_len) return InvalidArgumentError(std::string(key) + " is too long");
  return v;
}

class HttpApiImpl final : public HttpApi {
 public:
  HttpApiImpl(NodeService* service, const HttpOptions& options)
      : service_(service), options_(options), registry_(std::make_shared<prometheus::Registry>()),
        requests_(prometheus::BuildCounter()
                      .Name("facetrail_http_requests_total")
                      .Help("HTTP requests by route and status")
                      .Register(*registry_)),
        latency_(prometheus::BuildHistogram()
                     .Name("facetrail_http_request_seconds")
                     .Help("HTTP request latency by route")
                     .Register(*registry_)),
        stages_(prometheus::BuildHistogram()
                    .Name("facetrail_request_stage_seconds")
                    .Help("Server-side time per request stage (request_trace.h)")
                    .Register(*registry_)) {}

  ~HttpApiImpl() override { Stop(); }

  Status Start() override {
    Configure();
    int port = options_.port;
    if (port == 0) {
      port = server_.bind_to_any_port(options_.host);
      if (port < 0) return UnavailableError("cannot bind " + options_.host);
    } else if (!server_.bind_to_port(options_.host.c_str(), port)) {
      return UnavailableError("cannot bind " + options_.host + ":" + std::to_string(port));
    }
    port_ = port;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() is a no-op until the listen thread has marked the server running;
    // a Stop() right after Start() would then leave that thread blocked in accept().
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!server_.is_running()) return UnavailableError("http: server did not start");
    return Status::Ok();
  }

  void Stop() override {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  int port() const override { return port_; }

 private:
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  // One route's histograms, each resolved on first use: Family::Add builds and hashes a
  // label map per call, ~17 calls per request before this cache. Slots: the named stages,
  // then server_total, other, exchange.
  static constexpr size_t kServerTotal = kStageNames.size(), kOther = kServerTotal + 1,
                          kExchange = kServerTotal + 2;
  struct RouteMetrics {
    std::string name;
    std::array<std::atomic<prometheus::Histogram*>, kExchange + 1> stages{};
    std::atomic<prometheus::Histogram*> latency{nullptr};
  };
  // The route the worker's current exchange went to, for "exchange" (set by Route).
  static inline thread_local RouteMetrics* t_route = nullptr;

  prometheus::Histogram& StageHistogram(RouteMetrics* m, size_t slot) {
    prometheus::Histogram* h = m->stages[slot].load(std::memory_order_acquire);
    if (h == nullptr) {  // racing threads get the same histogram from Add
      static constexpr std::array<std::string_view, 3> kTotals = {"server_total", "other", "exchange"};
      const std::string_view stage = slot < kServerTotal ? kStageNames[slot] : kTotals[slot - kServerTotal];
      h = &stages_.Add({{"route", m->name}, {"stage", std::string(stage)}}, StageBuckets());
      m->stages[slot].store(h, std::memory_order_release);
    }
    return *h;
  }

  prometheus::Histogram& LatencyHistogram(RouteMetrics* m) {
    prometheus::Histogram* h = m->latency.load(std::memory_order_acquire);
    if (h == nullptr) {
      h = &latency_.Add({{"route", m->name}}, prometheus::Histogram::BucketBoundaries{
                                                  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5});
      m->latency.store(h, std::memory_order_release);
    }
    return *h;
  }

  // Wraps a handler with metrics (total and per stage) and a last-resort exception guard.
  Handler Route(const std::string& name, Handler h) {
    RouteMetrics* rm = &route_metrics_.emplace_back();
    rm->name = name;
    return [this, rm, h](const httplib::Request& req, httplib::Response& res) {
      const std::string& name = rm->name;
      const auto t0 = SteadyClock::now();
      RequestTrace trace;
      if (t_headers_parsed != SteadyClock::time_point{} && t_headers_parsed <= t0) {
        trace.Add(Stage::kBodyRead, t0 - t_headers_parsed);
      }
      t_headers_parsed = SteadyClock::time_point{};
      t_trace = &trace;
      t_route = rm;
      try {
        h(req, res);
      } catch (const std::exception& e) {
        SendError(res, InternalError(std::string("unexpected: ") + e.what()));
      }
      t_trace = nullptr;
      const auto t1 = SteadyClock::now();
      double secs = std::chrono::duration<double>(t1 - t0).count();
      requests_.Add({{"route", name}, {"status", std::to_string(res.status)}}).Increment();
      LatencyHistogram(rm).Observe(secs);
      ObserveStages(rm, trace, (t1 - t0) + trace.Get(Stage::kBodyRead));
    };
  }

  // facetrail_request_stage_seconds{route,stage}: each stage the request went through, plus
  // "server_total" (body read + handler) and "other" (server_total minus the named stages:
  // routing, the Sha256 of the probe, building details, locks).
  void ObserveStages(RouteMetrics* rm, const RequestTrace& trace, SteadyClock::duration total) {
    auto observe = [&](size_t slot, SteadyClock::duration d) {
      StageHistogram(rm, slot).Observe(std::chrono::duration<double>(d).count());
    };
    SteadyClock::duration named{};
    for (size_t i = 0; i < kStageNames.size(); ++i) {
      const Stage s = static_cast<Stage>(i);
      if (!trace.Touched(s)) continue;
      observe(i, trace.Get(s));
      named += trace.Get(s);
    }
    observe(kServerTotal, total);
    observe(kOther, total > named ? total - named : SteadyClock::duration{});
  }

  static const prometheus::Histogram::BucketBoundaries& StageBuckets() {
    static const prometheus::Histogram::BucketBoundaries buckets{
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};
    return buckets;
  }

  // Parses a POST body into a Form; 415 for other media types.
  bool ReadForm(const httplib::Request& req, httplib::Response& res, Form* form,
                const char* image_field) {
    std::string mt = MediaType(req);
    if (mt == "application/json") {
      StageTimer parse_timer(t_trace, Stage::kParse);
      // Nesting first (bounds the parser's recursion), then one parse, which also rejects
      // invalid JSON: CheckJsonBody's json::accept would be a second full pass.
      Status depth = CheckJsonNesting(req.body, options_.max_json_depth);
      if (!depth.ok()) {
        SendError(res, depth);
        return false;
      }
      // The probe's base64 text is cut out by a structural scan; only the small rest goes
      // through the JSON parser (json_member_split.h). Anything unusual takes the full parse.
      JsonBody body;
      if (Status s = ParseJsonBody(req.body, image_field, &body); !s.ok()) {
        SendError(res, s);
        return false;
      }
      json& j = body.rest;
      parse_timer.Stop();
      if (j.is_discarded()) {
        SendError(res, InvalidArgumentError("body is not valid JSON"));
        return false;
      }
      if (!j.is_object()) {
        SendError(res, InvalidArgumentError("body is not a JSON object"));
        return false;
      }
      for (std::string_view text : body.values) {
        StageTimer b64_timer(t_trace, Stage::kBase64);
        auto bytes = Base64Decode(text);
        if (!bytes.ok()) {
          SendError(res, InvalidArgumentError(std::string(image_field) + ": " + bytes.status().message()));
          return false;
        }
        form->images.push_back(std::move(*bytes));
      }
      form->fields = std::move(j);
      return true;
    }
    if (mt == "multipart/form-data") {
      StageTimer parse_timer(t_trace, Stage::kParse);
      for (const auto& [name, file] : req.files) {
        if (name == image_field) {
          form->images.push_back(file.content);
        } else {
          form->fields[name] = file.content;
        }
      }
      return true;
    }
    res.set_header("Accept", "application/json, multipart/form-data");
    SendJson(res, 415, {{"error", {{"code", "unsupported_media_type"},
                                   {"message", "send application/json or multipart/form-data"}}}});
    return false;
  }

  bool ReadProbe(const httplib::Request& req, httplib::Response& res, ProbeQuery* q, Form* form) {
    if (!ReadForm(req, res, form, "image")) return false;
    if (form->images.size() != 1) {
      SendError(res, InvalidArgumentError("exactly one probe image is required (field 'image')"));
      return false;
    }
    q->image = std::move(form->images[0]);
    auto purpose = StringField(form->fields, "purpose", false);
    auto case_number = StringField(form->fields, "case_number", false);
    auto authority = StringField(form->fields, "legal_authority", false);
    for (const Status& s : {purpose.status(), case_number.status(), authority.status()}) {
      if (!s.ok()) {
        SendError(res, s);
        return false;
      }
    }
    q->purpose = *purpose;
    q->case_number = *case_number;
    q->legal_authority = *authority;
    return true;
  }

  void Configure() {
    // TCP_NODELAY (inherited by the accepted sockets on Linux): httplib writes a response's
    // headers and body with separate send()s, and Nagle then holds the body until the
    // client ACKs the headers, which a delayed ACK puts off by up to 40 ms per reply.
    server_.set_tcp_nodelay(true);
    server_.set_payload_max_length(options_.max_body_bytes);
    server_.set_read_timeout(options_.read_timeout_seconds, 0);
    server_.set_write_timeout(options_.write_timeout_seconds, 0);
    server_.set_keep_alive_max_count(static_cast<size_t>(options_.keep_alive_max_requests));
    server_.set_keep_alive_timeout(options_.keep_alive_timeout_seconds);
    // "exchange": first request bytes read -> last response byte sent, everything the node
    // does for the request (http_connection.h); the other stages fit inside it.
    server_.set_exchange_observer([this](CoalescingServer::Duration d) {
      if (t_route == nullptr) return;
      StageHistogram(t_route, kExchange).Observe(std::chrono::duration<double>(d).count());
      t_route = nullptr;
    });
    server_.set_pre_routing_handler([](const httplib::Request&, httplib::Response&) {
      t_headers_parsed = SteadyClock::now();
      return httplib::Server::HandlerResponse::Unhandled;
    });
    const int threads = options_.threads;
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    server_.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string code = res.status == 413 ? "payload_too_large"
                         : res.status == 404 ? "not_found"
                                             : "http_" + std::to_string(res.status);
      json body = {{"error", {{"code", code}, {"message", "HTTP " + std::to_string(res.status)}}}};
      res.set_content(body.dump(), "application/json");
    });
    server_.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      SendError(res, InternalError("unexpected error"));
    });
    if (!options_.web_root.empty()) server_.set_mount_point("/", options_.web_root);

    server_.Get("/healthz", Route("healthz", [this](const httplib::Request&, httplib::Response& res) {
      auto policy = service_->CurrentPolicy();
      json health = {{"status", "ok"}, {"policy_serial", policy ? policy->serial : 0},
                     {"log_size", service_->Checkpoint().size}};
      if (auto fed = service_->Federation()) health["federation"] = json::parse(FederationStatusJson(*fed));
      SendJson(res, 200, health);
    }));
    server_.Get("/metrics", Route("metrics", [this](const httplib::Request&, httplib::Response& res) {
      std::ostringstream out;
      prometheus::TextSerializer().Serialize(out, registry_->Collect());
      res.set_content(out.str(), "text/plain; version=0.0.4");
    }));

    server_.Post("/v1/verify", Route("verify", [this](const httplib::Request& req, httplib::Response& res) {
      VerifyRequest v;
      Form form;
      if (!ReadProbe(req, res, &v.probe, &form)) return;
      auto id = StringField(form.fields, "identity_id", false);
      if (!id.ok()) return SendError(res, id.status());
      v.identity_id = *id;
      auto r = service_->Verify(MetaOf(req), v);
      if (!r.ok()) return SendError(res, r.status());
      StageTimer respond(t_trace, Stage::kRespond);
      SendJson(res, 200, {{"result", r->result}, {"score", r->score}, {"threshold", r->threshold},
                          {"target_fmr", r->target_fmr}, {"estimated_fmr", r->estimated_fmr},
                          {"quality", QualityJson(r->quality)}, {"quality_flagged", r->quality_flagged},
                          {"model", r->model_id}, {"policy_serial", r->policy_serial},
                          {"audit_index", r->audit_index},
                          {"label", "investigative lead - not a basis for arrest"}});
    }));

    server_.Post("/v1/search", Route("search", [this](const httplib::Request& req, httplib::Response& res) {
      ProbeQuery q;
      Form form;
      if (!ReadProbe(req, res, &q, &form)) return;
      auto r = service_->Search(MetaOf(req), q);
      if (!r.ok()) return SendError(res, r.status());
      StageTimer respond(t_trace, Stage::kRespond);
      json cands = json::array();
      for (const SearchLead& l : r->candidates) {
        cands.push_back({{"lead_id", l.lead_id}, {"identity", l.identity_id}, {"rank", l.rank},
                         {"score", l.score}, {"estimated_fmr", l.estimated_fmr}, {"state", "pending"}});
      }
      SendJson(res, 200, {{"result", r->candidates.empty() ? "no_candidate" : "candidates"},
                          {"candidates", cands}, {"threshold", r->threshold},
                          {"target_fpir", r->target_fmr}, {"gallery_size", r->gallery_size},
                          {"gallery_version", r->gallery_version},
                          {"quality", QualityJson(r->quality)}, {"quality_flagged", r->quality_flagged},
                          {"model", r->model_id}, {"policy_serial", r->policy_serial},
                          {"audit_index", r->audit_index},
                          {"label", "investigative lead - not a basis for arrest"}});
    }));

    server_.Get("/v1/leads", Route("leads", [this](const httplib::Request& req, httplib::Response& res) {
      std::optional<LeadState> state;
      if (req.has_param("state")) {
        auto s = ParseLeadState(req.get_param_value("state"));
        if (!s.ok()) return SendError(res, s.status());
        state = *s;
      }
      auto leads = service_->ListLeads(MetaOf(req), state);
      if (!leads.ok()) return SendError(res, leads.status());
      json a = json::array();
      for (const LeadView& v : *leads) a.push_back(LeadJson(v));
      SendJson(res, 200, {{"leads", a}});
    }));

    server_.Get(R"(/v1/leads/(L-[0-9a-f]{16})/(probe|reference))",
                Route("lead_image", [this](const httplib::Request& req, httplib::Response& res) {
      auto img = service_->LeadImage(MetaOf(req), req.matches[1].str(), req.matches[2].str() == "probe");
      if (!img.ok()) return SendError(res, img.status());
      bool png = img->size() >= 4 && img->compare(0, 4, "\x89PNG") == 0;
      res.set_header("Cache-Control", "no-store");
      res.set_content(*img, png ? "image/png" : "image/jpeg");
    }));

    server_.Post(R"(/v1/leads/(L-[0-9a-f]{16})/decisions)",
                 Route("decision", [this](const httplib::Request& req, httplib::Response& res) {
      Form form;
      if (!ReadForm(req, res, &form, "-")) return;
      auto decision = StringField(form.fields, "decision", true);
      auto note = StringField(form.fields, "note", false, 2000);
      if (!decision.ok()) return SendError(res, decision.status());
      if (!note.ok()) return SendError(res, note.status());
      if (*decision != "confirm" && *decision != "reject") {
        return SendError(res, InvalidArgumentError("decision must be 'confirm' or 'reject'"));
      }
      auto r = service_->Decide(MetaOf(req), req.matches[1].str(), *decision == "confirm", *note);
      if (!r.ok()) return SendError(res, r.status());
      SendJson(res, 200, {{"lead_id", r->lead.id}, {"state", LeadStateName(r->lead.state)},
                          {"audit_index", r->audit_index}});
    }));

    server_.Post("/v1/identities", Route("enrol", [this](const httplib::Request& req, httplib::Response& res) {
      Form form;
      if (!ReadForm(req, res, &form, "images")) return;
      EnrolRequest e;
      auto id = StringField(form.fields, "identity_id", true);
      auto ref = StringField(form.fields, "record_ref", false);
      if (!id.ok()) return SendError(res, id.status());
      if (!ref.ok()) return SendError(res, ref.status());
      e.identity_id = *id;
      e.record_ref = *ref;
      e.images = std::move(form.images);
      auto r = service_->Enrol(MetaOf(req), e);
      if (!r.ok()) return SendError(res, r.status());
      SendJson(res, 201, {{"identity_id", r->identity_id}, {"templates_added", r->templates_added},
                          {"gallery_version", r->gallery_version}, {"audit_index", r->audit_index}});
    }));

    server_.Delete(R"(/v1/identities/([^/]{1,128}))",
                   Route("delete", [this](const httplib::Request& req, httplib::Response& res) {
      auto r = service_->DeleteIdentity(MetaOf(req), req.matches[1].str());
      if (!r.ok()) return SendError(res, r.status());
      SendJson(res, 200, {{"deleted", req.matches[1].str()}, {"audit_index", *r}});
    }));

    server_.Get("/v1/audit/checkpoint", Route("checkpoint", [this](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      res.set_content(service_->Checkpoint().note, "text/plain; charset=utf-8");
    }));
    server_.Get("/v1/audit/key", Route("log_key", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(service_->LogVerifierKey() + "\n", "text/plain; charset=utf-8");
    }));
    server_.Get(R"(/v1/audit/(tile/[0-9a-z./]{1,64}))",
                Route("tiles", [this](const httplib::Request& req, httplib::Response& res) {
      auto bytes = service_->ReadTiles(MetaOf(req), req.matches[1].str());
      if (!bytes.ok()) return SendError(res, bytes.status());
      res.set_content(*bytes, "application/octet-stream");
    }));
    server_.Get(R"(/v1/audit/entries/(\d{1,19}))",
                Route("entry", [this](const httplib::Request& req, httplib::Response& res) {
      uint64_t index = 0;
      try {
        index = std::stoull(req.matches[1].str());
      } catch (const std::exception&) {
        return SendError(res, InvalidArgumentError("bad index"));
      }
      auto e = service_->AuditEntry(MetaOf(req), index);
      if (!e.ok()) return SendError(res, e.status());
      SendJson(res, 200, {{"index", e->index}, {"entry", e->entry},
                          {"leaf_hash", HashB64(merkle::HashLeaf(e->entry))},
                          {"checkpoint", CheckpointJson(e->checkpoint)},
                          {"inclusion_proof", ProofJson(e->proof)}});
    }));
    server_.Get(R"(/v1/cases/([^/]{1,128})/export)",
                Route("case_export", [this](const httplib::Request& req, httplib::Response& res) {
      auto x = service_->ExportCase(MetaOf(req), req.matches[1].str());
      if (!x.ok()) return SendError(res, x.status());
      json records = json::array();
      for (const CaseRecord& r : x->records) {
        records.push_back({{"index", r.index}, {"entry", json::parse(r.entry, nullptr, false)},
                           {"leaf_hash", HashB64(merkle::HashLeaf(r.entry))},
                           {"inclusion_proof", ProofJson(r.proof)}});
      }
      json leads = json::array();
      for (const LeadView& v : x->leads) leads.push_back(LeadJson(v));
      SendJson(res, 200, {{"case_number", x->case_number}, {"checkpoint", CheckpointJson(x->checkpoint)},
                          {"records", records}, {"leads", leads},
                          {"export_audit_index", x->export_audit_index}});
    }));
    server_.Get("/v1/report", Route("report", [this](const httplib::Request& req, httplib::Response& res) {
      auto r = service_->Report(MetaOf(req));
      if (!r.ok()) return SendError(res, r.status());
      res.set_header("Cache-Control", "no-store");
      res.set_content(UsageReportJson(*r), "application/json");
    }));
    // The same report signed by the node's report key (facetrail/signed_report.h), and
    // that key: what the hub registers as the agency's node_key.
    server_.Get("/v1/report/signed", Route("report_signed", [this](const httplib::Request& req, httplib::Response& res) {
      auto r = service_->SignedReport(MetaOf(req));
      if (!r.ok()) return SendError(res, r.status());
      res.set_header("Cache-Control", "no-store");
      res.set_content(*r, "text/plain; charset=utf-8");
    }));
    server_.Get("/v1/report/key", Route("report_key", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(service_->ReportVerifierKey() + "\n", "text/plain; charset=utf-8");
    }));
    // The hub pushes a signed revocation list (docs/hub.md); its signature is the authority.
    server_.Post("/v1/federation/revocations",
                 Route("federation_revocations", [this](const httplib::Request& req, httplib::Response& res) {
      Status s = service_->PushRevocations(MetaOf(req), req.body);
      if (!s.ok()) return SendError(res, s);
      SendJson(res, 200, {{"applied", true}, {"revocation_sequence",
                                               service_->Federation()->revocation_sequence}});
    }));
    server_.Get("/v1/policy", Route("policy_get", [this](const httplib::Request&, httplib::Response& res) {
      auto p = service_->CurrentPolicy();
      if (!p) return SendError(res, FailedPreconditionError("no valid use policy is installed"));
      SendJson(res, 200, json::parse(policy::CanonicalPolicyJson(*p)));
    }));
    server_.Put("/v1/policy", Route("policy_put", [this](const httplib::Request& req, httplib::Response& res) {
      std::string mt = MediaType(req);
      if (mt != "text/plain" && mt != "application/octet-stream") {
        return SendJson(res, 415, {{"error", {{"code", "unsupported_media_type"},
                                              {"message", "send the signed bundle as text/plain"}}}});
      }
      auto r = service_->InstallPolicy(MetaOf(req), req.body);
      if (!r.ok()) return SendError(res, r.status());
      SendJson(res, 200, {{"installed", true}, {"audit_index", *r}});
    }));
  }

  NodeService* service_;
  HttpOptions options_;
  CoalescingServer server_;  // one send() per response (http_connection.h)
  std::thread thread_;
  int port_ = 0;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& requests_;
  prometheus::Family<prometheus::Histogram>& latency_;
  prometheus::Family<prometheus::Histogram>& stages_;
  std::deque<RouteMetrics> route_metrics_;  // stable addresses; grown only by Configure
};

}  // namespace

Status CheckJsonNesting(std::string_view body, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') {
      if (++depth > max_depth) return InvalidArgumentError("JSON nested too deeply");
    }
    if (c == '}' || c == ']') --depth;
  }
  return Status::Ok();
}

Status CheckJsonBody(std::string_view body, int max_depth) {
  FT_RETURN_IF_ERROR(CheckJsonNesting(body, max_depth));
  if (!json::accept(body)) return InvalidArgumentError("body is not valid JSON");
  return Status::Ok();
}

StatusOr<std::unique_ptr<HttpApi>> HttpApi::Create(NodeService* service, const HttpOptions& options) {
  if (service == nullptr) return InvalidArgumentError("http: no node service");
  if (options.threads < 1 || options.threads > 256) return InvalidArgumentError("http: threads 1..256");
  return std::unique_ptr<HttpApi>(new HttpApiImpl(service, options));
}

}  // namespace facetrail::node
