// Test support for federation tests (header-only; src/node/federation*_test.cc only): a
// real hub (src/hub) on loopback, real federated nodes (NodeHarness + Federation) with the
// real engine, the repository's calibration table and a real accuracy disclosure built
// from a few LFW/UTKFace images, and releases / revocation lists signed by a test
// authority.
//
// Thread-safety: one fixture per test, used from the test's thread.
#ifndef FACETRAIL_NODE_FEDERATION_TESTUTIL_H_
#define FACETRAIL_NODE_FEDERATION_TESTUTIL_H_

#include <chrono>
#include <functional>
#include <thread>

#include "eval/disclosure.h"
#include "facetrail/calibration.h"
#include "facetrail/release.h"
#include "hub/hub_testutil.h"
#include "node/calibration_adapter.h"
#include "node/federation.h"
#include "node/node_testutil.h"

namespace facetrail::node::testing {

// Lets the harness be built before the Federation that needs its data directory.
class GateProxy final : public FederationGate {
 public:
  Federation* target = nullptr;
  Status CheckQuery() override {
    return target ? target->CheckQuery() : UnavailableError("federation not opened");
  }
  FederationStatus Describe() const override { return target ? target->Describe() : FederationStatus{}; }
  Status PushRevocations(std::string_view b) override {
    return target ? target->PushRevocations(b) : UnavailableError("federation not opened");
  }
  void PolicyInstalled(std::string_view b) override {
    if (target) target->PolicyInstalled(b);
  }
};

// Engine, calibration table and disclosure shared by every test of a suite.
struct FederationAssets {
  std::string skip;  // non-empty: why the suite skips
  std::unique_ptr<Engine> engine;
  std::unique_ptr<TableCalibration> calibration;
  std::string calibration_path;
  std::string disclosure_path;
  std::vector<LfwIdentity> people;  // identities with >= 2 images

  void Load(const std::string& tmp_dir) {
    if (!fs::exists(DataDir() / "lfw-dev" / "identities.csv")) {
      skip = "no LFW data at " + (DataDir() / "lfw-dev").string() + " (set FACETRAIL_DATA)";
      return;
    }
    if (!vision::testing::HaveModels()) {
      skip = "no converted models at " + ModelsDir().string() + " (run scripts/setup.sh)";
      return;
    }
    EngineOptions eo;
    eo.models_dir = ModelsDir().string();
    auto e = Engine::Create(eo);
    if (!e.ok()) {
      skip = "engine unavailable: " + e.status().ToString();
      return;
    }
    engine = std::move(*e);
    calibration_path = std::string(FACETRAIL_SOURCE_DIR) + "/calibration/" + engine->embedder().name + ".json";
    auto table = Calibration::Load(calibration_path);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    calibration = std::make_unique<TableCalibration>(std::move(*table));
    // A real (small) disclosure of the loaded models: what the release pins.
    eval::DiscloseOptions d;
    d.data_dir = DataDir().string();
    d.limit = 20;
    d.embed.threads = 1;
    auto doc = eval::BuildDisclosure(*engine, nullptr, d);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    disclosure_path = tmp_dir + "/disclosure.json";
    std::ofstream(disclosure_path, std::ios::binary) << doc->dump(2) << "\n";
    for (const LfwIdentity& id : LfwIdentities()) {
      if (id.images >= 2 && people.size() < 10) people.push_back(id);
    }
  }
};

// A hub on a temp directory with a test authority key for releases and revocations.
class TestHub {
 public:
  explicit TestHub(const std::string& dir, const Clock* clock) : dir_(dir), clock_(clock) { Start(0); }
  void Start(int port) {
    hub::HubOptions o;
    o.data_dir = dir_;
    o.authority_vkey = authority.vkey;
    o.clock = clock_;
    o.port = port;
    auto h = hub::HubServer::Start(o);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    server = std::move(*h);
    if (!server->initial_admin_token().empty()) admin = server->initial_admin_token();
    client = std::make_unique<hub::testing::HubClient>(server->port());
  }
  void Stop() {
    if (server) server->Stop();
    server.reset();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }

  // Registers an agency with the node's log key and report key (node_key; empty: none);
  // returns the agency token.
  std::string Register(const std::string& id, const std::string& log_vkey, const std::string& node_vkey = "") {
    json body{{"id", id}, {"name", id + " police"}, {"jurisdiction", "Testshire"},
              {"log_key", log_vkey}, {"contact", "oversight@" + id + ".example"}};
    if (!node_vkey.empty()) body["node_key"] = node_vkey;
    hub::testing::HttpReply r = client->Post("/hub/v1/agencies", body.dump(), admin);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.Json()["agency_token"].get<std::string>() : "";
  }
  // Signs and publishes a release of the node's files; returns the bundle.
  std::string Publish(const std::string& release_id, const FederationAssets& a, const fs::path& node_dir) {
    auto rel = release::ReleaseFromFiles(release_id, "2026-11-28T00:00:00Z", ModelsDir().string(),
                                         a.disclosure_path, a.calibration_path,
                                         (node_dir / "policy.bundle").string());
    EXPECT_TRUE(rel.ok()) << rel.status().ToString();
    auto bundle = release::SignRelease(*rel, *authority.signer);
    EXPECT_TRUE(bundle.ok());
    EXPECT_EQ(client->Post("/hub/v1/releases", *bundle, admin, "text/plain").status, 201);
    return *bundle;
  }
  std::string SignRevocations(uint64_t seq, std::vector<std::string> models,
                              std::vector<std::string> releases = {}, std::vector<std::string> agencies = {}) {
    release::RevocationList l;
    l.sequence = seq;
    l.issued_at = "2026-11-28T01:00:00Z";
    l.revoked_models = std::move(models);
    l.revoked_releases = std::move(releases);
    l.suspended_agencies = std::move(agencies);
    auto b = release::SignRevocations(l, *authority.signer);
    EXPECT_TRUE(b.ok());
    return *b;
  }
  json Portal() { return client->Get("/hub/v1/portal").Json(); }

  hub::testing::Key authority{"authority.hub.test"};
  std::unique_ptr<hub::HubServer> server;
  std::unique_ptr<hub::testing::HubClient> client;
  std::string admin;

 private:
  std::string dir_;
  const Clock* clock_;
};

// A federated node: NodeHarness (real stores, real HTTP) with a Federation to `hub`.
struct FedNode {
  FedNode(const FederationAssets& a, TestHub& hub, const std::string& agency, int64_t poll_s,
          int64_t grace_s, const Clock* clock = nullptr) {
    NodeHarness::Options o;
    o.engine = a.engine.get();
    o.calibration = a.calibration.get();
    o.agency = agency;
    o.federation = &proxy;
    node = std::make_unique<NodeHarness>(o);
    token = hub.Register(agency, node->service()->LogVerifierKey(), node->service()->ReportVerifierKey());
    options.hub_url = hub.url();
    options.agency = agency;
    options.agency_token = token;
    options.authority_vkey = hub.authority.vkey;
    options.hub_witness_vkey = hub.server->witness_vkey();
    options.state_dir = (node->dir() / "federation").string();
    options.models_dir = ModelsDir().string();
    options.disclosure_path = a.disclosure_path;
    options.calibration_path = a.calibration_path;
    options.policy_path = (node->dir() / "policy.bundle").string();
    options.poll_interval_seconds = poll_s;
    options.grace_period_seconds = grace_s;
    options.report_interval_seconds = 1;
    options.clock = clock != nullptr ? clock : &node->clock();
    Reopen();
  }
  ~FedNode() {
    if (fed) fed->Stop();
    proxy.target = nullptr;
  }
  void Reopen() {
    if (fed) fed->Stop();
    proxy.target = nullptr;
    fed.reset();
    auto f = Federation::Open(options);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    fed = std::move(*f);
    fed->Attach(node->service());
    proxy.target = fed.get();
  }
  // Enrols person k's first image; returns its second image (a probe of the same person).
  std::string Enrol(const LfwIdentity& id) {
    httplib::Client c = node->Client("enroller1");
    json b = {{"identity_id", id.name}, {"images", {Base64Encode(ReadFileOrEmpty(id.Image(1)))}}};
    auto r = c.Post("/v1/identities", b.dump(), "application/json");
    EXPECT_TRUE(r && r->status == 201) << (r ? r->body : "no reply");
    return ReadFileOrEmpty(id.Image(2));
  }
  // POST /v1/verify as officer1; returns the HTTP status and body.
  std::pair<int, json> Verify(const std::string& probe, const std::string& identity) {
    httplib::Client c = node->Client("officer1");
    json b = ProbeBody(probe, "robbery", "CASE-2026-0001");
    b["identity_id"] = identity;
    auto r = c.Post("/v1/verify", b.dump(), "application/json");
    if (!r) return {0, json()};
    return {r->status, BodyJson(r)};
  }
  json Health() {
    auto r = node->Client().Get("/healthz");
    return BodyJson(r);
  }

  GateProxy proxy;
  std::unique_ptr<NodeHarness> node;
  FederationOptions options;
  std::unique_ptr<Federation> fed;
  std::string token;
};

// Polls `cond` every 50 ms for up to `seconds` of real time.
inline bool WaitFor(const std::function<bool()>& cond, double seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return cond();
}

}  // namespace facetrail::node::testing

#endif  // FACETRAIL_NODE_FEDERATION_TESTUTIL_H_
