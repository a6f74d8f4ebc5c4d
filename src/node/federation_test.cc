// A federated node against a real hub over loopback, with the real engine and real
// signatures: it adopts a release and answers; refuses a release with a bad signature, a
// model file whose SHA-256 differs, a missing disclosure, and a revocation list older than
// the one it holds (also after a restart); refuses queries with 403 once its model is
// revoked (polled, within one poll interval of a ManualClock) or its agency suspended
// (pushed); fails closed when the hub is out for longer than the grace period and reopens
// when it is back. Reports reach the hub signed by the node's report key; unsigned, forged,
// edited and replayed reports are refused. Skips with a message when the models or
// FACETRAIL_DATA are absent.
#include <gtest/gtest.h>

#include "facetrail/signed_report.h"
#include "node/federation_testutil.h"
#include "node/report_json.h"

namespace facetrail::node {
namespace {

using namespace testing;  // NOLINT

class FederationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    assets_ = new FederationAssets();
    assets_dir_ = new hub::testing::TempDir();
    assets_->Load(assets_dir_->path());
  }
  static void TearDownTestSuite() {
    delete assets_;
    delete assets_dir_;
  }
  void SetUp() override {
    if (!assets_->skip.empty()) GTEST_SKIP() << assets_->skip;
    hub_ = std::make_unique<TestHub>(dir_.path() + "/hub", &clock_);
  }
  void TearDown() override {
    node_.reset();
    if (hub_) hub_->Stop();
  }
  FedNode& Node(int64_t poll_s = 10, int64_t grace_s = 0) {
    node_ = std::make_unique<FedNode>(*assets_, *hub_, "pd-a", poll_s, grace_s, &clock_);
    return *node_;
  }
  const std::string& ModelSha() const { return assets_->engine->embedder().sha256; }

  static FederationAssets* assets_;
  static hub::testing::TempDir* assets_dir_;
  hub::testing::TempDir dir_;
  ManualClock clock_{1'790'000'000'000'000};
  std::unique_ptr<TestHub> hub_;
  std::unique_ptr<FedNode> node_;
};

FederationAssets* FederationTest::assets_ = nullptr;
hub::testing::TempDir* FederationTest::assets_dir_ = nullptr;

TEST_F(FederationTest, AdoptsReleaseThenAnswersAndReports) {
  FedNode& n = Node();
  const LfwIdentity& person = assets_->people[0];
  std::string probe = n.Enrol(person);
  // No release yet: the node answers no query, says why, and audits the refusal.
  auto [s0, b0] = n.Verify(probe, person.name);
  EXPECT_EQ(s0, 503) << b0.dump();
  EXPECT_NE(b0["error"]["message"].get<std::string>().find("adopted no release"), std::string::npos) << b0.dump();
  json denied = n.node->Entry(AuditIndexIn(b0["error"]["message"]));
  EXPECT_EQ(denied["type"], "query.verify");
  EXPECT_EQ(denied["outcome"], "denied");

  hub_->Publish("rel-1", *assets_, n.node->dir());
  ASSERT_TRUE(n.fed->Poll().ok()) << n.fed->Poll().ToString();
  auto [s1, b1] = n.Verify(probe, person.name);
  EXPECT_EQ(s1, 200) << b1.dump();
  EXPECT_EQ(b1["result"], "match") << b1.dump();

  json h = n.Health();
  EXPECT_EQ(h["federation"]["release"], "rel-1") << h.dump();
  EXPECT_EQ(h["federation"]["queries"], "open");
  EXPECT_EQ(h["federation"]["hub"], hub_->url());
  // The report goes to the hub with the disclosure; the checkpoint is witnessed.
  ASSERT_TRUE(n.fed->PostDisclosure().ok());
  ASSERT_TRUE(n.fed->PostReport().ok()) << n.fed->PostReport().ToString();
  ASSERT_TRUE(n.node->service()->log()->Checkpoint().ok());
  ASSERT_TRUE(n.fed->Witness().ok()) << n.fed->Witness().ToString();
  EXPECT_EQ(n.fed->Describe().witnessed_size, n.node->LogSize());
  EXPECT_TRUE(fs::exists(n.node->dir() / "federation" / "witnessed.note"));
  json portal = hub_->Portal();
  ASSERT_EQ(portal["agencies"].size(), 1u) << portal.dump();
  json a = portal["agencies"][0];
  EXPECT_EQ(a["release"]["release_id"], "rel-1") << a.dump();
  EXPECT_EQ(a["disclosure_published"], true);
  EXPECT_EQ(a["policy_published"], true);
  EXPECT_EQ(a["checkpoint"]["size"], n.node->LogSize());
  // The refused query and the match, as the node's audit log counts them.
  EXPECT_EQ(a["reports"].back()["by_purpose"]["robbery"], 2) << a["reports"].dump();
  EXPECT_EQ(a["reports"].back()["by_outcome"]["denied"], 1) << a["reports"].dump();
  EXPECT_EQ(a["reports"].back()["by_outcome"]["match"], 1) << a["reports"].dump();
  // The report was signed by the node's report key, and anyone can check that.
  EXPECT_EQ(a["report_signed"], true) << a.dump();
  EXPECT_EQ(a["reports"].back()["signed"], true);
  EXPECT_EQ(a["node_key"], n.node->service()->ReportVerifierKey());
  hub::testing::HttpReply latest = hub_->client->Get("/hub/v1/agencies/" + std::string("pd-a") + "/report");
  ASSERT_EQ(latest.status, 200) << latest.body;
  auto report_key = note::Ed25519Verifier::FromKey(n.node->service()->ReportVerifierKey());
  ASSERT_TRUE(report_key.ok());
  auto opened = report::OpenSignedReport(latest.body, **report_key);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(json::parse(*opened)["agency"], "pd-a");
  // The log key did not sign it: reports and checkpoints never share a key.
  auto log_key = note::Ed25519Verifier::FromKey(n.node->service()->LogVerifierKey());
  ASSERT_TRUE(log_key.ok());
  EXPECT_FALSE(report::OpenSignedReport(latest.body, **log_key).ok());
}

// A new policy installed on a running federated node is not pinned by the adopted release:
// queries stop at once (not at the next poll) and resume when a release pins it.
TEST_F(FederationTest, NewPolicyClosesQueriesUntilAReleasePinsIt) {
  FedNode& n = Node(/*poll_s=*/3600);
  const LfwIdentity& person = assets_->people[0];
  std::string probe = n.Enrol(person);
  hub_->Publish("rel-1", *assets_, n.node->dir());
  ASSERT_TRUE(n.fed->Poll().ok());
  ASSERT_EQ(n.Verify(probe, person.name).first, 200);

  policy::Policy next = testing::TestPolicy(/*serial=*/2);
  next.agency = "pd-a";
  auto put = n.node->Client("admin1").Put("/v1/policy", testing::SignBundle(next, n.node->authority()),
                                          "text/plain");
  ASSERT_TRUE(put && put->status == 200) << (put ? put->body : "no reply");
  auto [s1, b1] = n.Verify(probe, person.name);
  EXPECT_EQ(s1, 503) << b1.dump();
  EXPECT_NE(b1["error"]["message"].get<std::string>().find("not the one release rel-1 pins"), std::string::npos)
      << b1.dump();
  // The hub has no release for it yet: still closed after a poll.
  EXPECT_FALSE(n.fed->Poll().ok());
  EXPECT_EQ(n.Verify(probe, person.name).first, 503);
  hub_->Publish("rel-2", *assets_, n.node->dir());
  ASSERT_TRUE(n.fed->Poll().ok()) << n.fed->Poll().ToString();
  auto [s2, b2] = n.Verify(probe, person.name);
  EXPECT_EQ(s2, 200) << b2.dump();
  EXPECT_EQ(n.Health()["federation"]["release"], "rel-2");
}

TEST_F(FederationTest, HubRefusesUnsignedForgedAndReplayedReports) {
  FedNode& n = Node();
  hub_->Publish("rel-1", *assets_, n.node->dir());
  ASSERT_TRUE(n.fed->Poll().ok());
  const std::string path = "/hub/v1/agencies/" + std::string("pd-a") + "/report";
  auto report = n.node->service()->Report(node::RequestMeta{});
  ASSERT_TRUE(report.ok());
  const std::string plain = UsageReportJson(*report);
  // The agency registered a node_key: an unsigned report is refused.
  EXPECT_EQ(hub_->client->Post(path, plain, n.token, "application/json").status, 409);
  // Signed by another key (here: the node's own log key) or edited after signing: 422.
  auto log_signer = note::Ed25519Signer::FromKey(*note::ReadPrivateKeyFile((n.node->dir() / "node.key").string()));
  ASSERT_TRUE(log_signer.ok());
  auto forged = report::SignReport(plain, **log_signer);
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(hub_->client->Post(path, *forged, n.token, "text/plain").status, 422);
  auto good = n.node->service()->SignedReport(node::RequestMeta{});
  ASSERT_TRUE(good.ok());
  std::string edited = *good;
  size_t at = edited.find("\"verify\"");
  if (at == std::string::npos) at = edited.find("\"agency\"");
  ASSERT_NE(at, std::string::npos);
  edited[at + 1] = 'X';
  EXPECT_EQ(hub_->client->Post(path, edited, n.token, "text/plain").status, 422);
  // Another agency's token cannot file it; the right one can.
  EXPECT_EQ(hub_->client->Post(path, *good, "bad-token", "text/plain").status, 401);
  EXPECT_EQ(hub_->client->Post(path, *good, n.token, "text/plain").status, 201);
  // A report made earlier than the one held is a replay: refused.
  n.node->clock().AdvanceSeconds(3600);
  auto newer = n.node->service()->SignedReport(node::RequestMeta{});
  ASSERT_TRUE(newer.ok());
  EXPECT_EQ(hub_->client->Post(path, *newer, n.token, "text/plain").status, 201);
  hub::testing::HttpReply replay = hub_->client->Post(path, *good, n.token, "text/plain");
  EXPECT_EQ(replay.status, 409) << replay.body;
  EXPECT_NE(replay.body.find("older"), std::string::npos) << replay.body;
  // Neither a plain text body that is no note nor another content type is stored.
  EXPECT_EQ(hub_->client->Post(path, plain, n.token, "text/plain").status, 400);
  EXPECT_EQ(hub_->client->Post(path, plain, n.token, "application/octet-stream").status, 400);
  json portal = hub_->Portal();
  ASSERT_EQ(portal["agencies"].size(), 1u);
  for (const json& r : portal["agencies"][0]["reports"]) EXPECT_EQ(r["signed"], true) << r.dump();
}

TEST_F(FederationTest, RefusesBadReleasesAndOlderRevocationLists) {
  FedNode& n = Node();
  auto good = release::ReleaseFromFiles("rel-1", "2026-11-28T00:00:00Z", ModelsDir().string(),
                                        assets_->disclosure_path, assets_->calibration_path,
                                        (n.node->dir() / "policy.bundle").string());
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  // Signed by a key that is not the authority's.
  hub::testing::Key forger("authority.hub.test");
  Status bad_sig = n.fed->AdoptRelease(*release::SignRelease(*good, *forger.signer));
  EXPECT_EQ(bad_sig.code(), StatusCode::kUnauthenticated) << bad_sig.ToString();
  // Pins other bytes for the embedder than the file on disk.
  release::Release other = *good;
  other.release_id = "rel-other-model";
  other.models.back().sha256 = Sha256Hex("another build of " + other.models.back().file);
  Status bad_model = n.fed->AdoptRelease(*release::SignRelease(other, *hub_->authority.signer));
  EXPECT_EQ(bad_model.code(), StatusCode::kDataLoss) << bad_model.ToString();
  EXPECT_NE(bad_model.message().find(other.models.back().file), std::string::npos);
  EXPECT_EQ(n.fed->Describe().release_id, "");
  EXPECT_EQ(n.Verify("x", "y").first, 503);

  // The disclosure is missing on the node: no release can be adopted.
  n.options.disclosure_path = (n.node->dir() / "no-disclosure.json").string();
  n.Reopen();
  Status no_disclosure = n.fed->AdoptRelease(*release::SignRelease(*good, *hub_->authority.signer));
  EXPECT_EQ(no_disclosure.code(), StatusCode::kFailedPrecondition) << no_disclosure.ToString();
  EXPECT_NE(no_disclosure.message().find("disclosure"), std::string::npos);
  n.options.disclosure_path = assets_->disclosure_path;
  n.Reopen();
  ASSERT_TRUE(n.fed->AdoptRelease(*release::SignRelease(*good, *hub_->authority.signer)).ok());

  // Revocation lists only move forward, across restarts too.
  ASSERT_TRUE(n.fed->ApplyRevocationBundle(hub_->SignRevocations(2, {})).ok());
  Status older = n.fed->ApplyRevocationBundle(hub_->SignRevocations(1, {}));
  EXPECT_EQ(older.code(), StatusCode::kFailedPrecondition) << older.ToString();
  n.Reopen();
  EXPECT_EQ(n.fed->Describe().revocation_sequence, 2u);
  EXPECT_EQ(n.fed->Describe().release_id, "rel-1");  // the adopted release survives too
  EXPECT_FALSE(n.fed->ApplyRevocationBundle(hub_->SignRevocations(1, {})).ok());
  // Same sequence, other content: evidence of a misbehaving authority, not an update.
  EXPECT_FALSE(n.fed->ApplyRevocationBundle(hub_->SignRevocations(2, {ModelSha()})).ok());
  // A hub that serves the older list makes the poll fail (and so, in time, the node close).
  ASSERT_EQ(hub_->client->Post("/hub/v1/revocations", hub_->SignRevocations(1, {}), hub_->admin, "text/plain").status, 201);
  Status polled = n.fed->Poll();
  EXPECT_FALSE(polled.ok());
  EXPECT_NE(polled.message().find("older"), std::string::npos) << polled.ToString();

  // A stored list edited on disk is refused at start, never silently dropped.
  std::ofstream(n.options.state_dir + "/revocations.bundle", std::ios::app) << "tampered\n";
  EXPECT_FALSE(Federation::Open(n.options).ok());
}

TEST_F(FederationTest, RevokedModelOrSuspendedAgencyRefusesQueriesWith403) {
  FedNode& n = Node(/*poll_s=*/5);
  const LfwIdentity& person = assets_->people[0];
  std::string probe = n.Enrol(person);
  hub_->Publish("rel-1", *assets_, n.node->dir());
  ASSERT_TRUE(n.fed->Poll().ok());
  n.fed->Start();
  EXPECT_EQ(n.Verify(probe, person.name).first, 200);

  // The authority revokes the embedder; within one poll interval the node refuses.
  ASSERT_EQ(hub_->client->Post("/hub/v1/revocations", hub_->SignRevocations(1, {ModelSha()}),
                               hub_->admin, "text/plain").status, 201);
  clock_.AdvanceMicros(5'000'000);
  ASSERT_TRUE(WaitFor([&] { return n.fed->Describe().revocation_sequence == 1; }, 10));
  auto [s, b] = n.Verify(probe, person.name);
  EXPECT_EQ(s, 403) << b.dump();
  const std::string msg = b["error"]["message"];
  EXPECT_NE(msg.find(ModelSha()), std::string::npos) << msg;
  json entry = n.node->Entry(AuditIndexIn(msg));
  EXPECT_EQ(entry["outcome"], "denied");
  EXPECT_EQ(entry["reason"].get<std::string>().rfind("model", 0) != std::string::npos ||
                entry["reason"].get<std::string>().find(ModelSha()) != std::string::npos,
            true) << entry.dump();
  EXPECT_EQ(n.Health()["federation"]["queries"], "closed");

  // A pushed list (signed) suspending the agency; an older push is refused and audited.
  httplib::Client c = n.node->Client();
  auto pushed = c.Post("/v1/federation/revocations", hub_->SignRevocations(2, {}, {}, {"pd-a"}), "text/plain");
  ASSERT_TRUE(pushed);
  EXPECT_EQ(pushed->status, 200) << pushed->body;
  auto [s2, b2] = n.Verify(probe, person.name);
  EXPECT_EQ(s2, 403);
  EXPECT_NE(b2["error"]["message"].get<std::string>().find("pd-a"), std::string::npos) << b2.dump();
  auto stale = c.Post("/v1/federation/revocations", hub_->SignRevocations(1, {ModelSha()}), "text/plain");
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->status, 409) << stale->body;
  EXPECT_EQ(n.node->LastEntry()["type"], "federation.revocations");
  EXPECT_EQ(n.node->LastEntry()["outcome"], "denied");
  auto forged = c.Post("/v1/federation/revocations", "not a signed note", "text/plain");
  ASSERT_TRUE(forged);
  EXPECT_GE(forged->status, 400);
  EXPECT_EQ(n.fed->Describe().revocation_sequence, 2u);
}

TEST_F(FederationTest, HubOutageBeyondGracePeriodFailsClosedAndRecoveryReopens) {
  FedNode& n = Node(/*poll_s=*/10, /*grace_s=*/20);
  const LfwIdentity& person = assets_->people[1];
  std::string probe = n.Enrol(person);
  hub_->Publish("rel-1", *assets_, n.node->dir());
  ASSERT_TRUE(n.fed->Poll().ok());
  EXPECT_EQ(n.Verify(probe, person.name).first, 200);

  const int port = hub_->server->port();
  hub_->Stop();
  clock_.AdvanceMicros(25'000'000);  // within poll interval + grace
  EXPECT_FALSE(n.fed->Poll().ok());
  EXPECT_EQ(n.Verify(probe, person.name).first, 200);
  clock_.AdvanceMicros(6'000'000);  // 31 s since the last successful poll > 10 + 20
  auto [s, b] = n.Verify(probe, person.name);
  EXPECT_EQ(s, 503) << b.dump();
  EXPECT_NE(b["error"]["message"].get<std::string>().find("fail closed"), std::string::npos) << b.dump();
  EXPECT_EQ(n.Health()["federation"]["queries"], "closed");

  hub_->Start(port);  // same data, same address
  ASSERT_TRUE(n.fed->Poll().ok()) << n.fed->Poll().ToString();
  EXPECT_EQ(n.Verify(probe, person.name).first, 200);
  EXPECT_EQ(n.Health()["federation"]["queries"], "open");
}

}  // namespace
}  // namespace facetrail::node

namespace facetrail::node {
namespace {

TEST(FederationConfigTest, StandaloneByDefaultFederatedNeedsHubTokenAndDisclosure) {
  auto c = ParseNodeConfig(R"({"authority_key":"k"})");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->standalone);
  EXPECT_TRUE(ValidateFederationConfig(*c).ok());
  auto fed = ParseNodeConfig(R"({"standalone":false,"hub_url":"http://127.0.0.1:9","poll_interval_seconds":5,)"
                             R"("grace_period_seconds":30,"agency_token_file":"/nonexistent/token"})",
                             *c);
  ASSERT_TRUE(fed.ok()) << fed.status().ToString();
  Status missing = ValidateFederationConfig(*fed);
  EXPECT_EQ(missing.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("disclosure"), std::string::npos) << missing.ToString();
  fed->disclosure = "/nonexistent/disclosure.json";
  EXPECT_TRUE(ValidateFederationConfig(*fed).ok());
  // Saved and read back unchanged (DATA/node.json).
  auto again = ParseNodeConfig(NodeConfigJson(*fed));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(again->standalone);
  EXPECT_EQ(again->grace_period_seconds, 30);
  EXPECT_EQ(again->poll_interval_seconds, 5);
  EXPECT_EQ(again->hub_url, "http://127.0.0.1:9");
  // The token file must exist: no token, no federated start.
  auto opened = OpenFederation(*fed, "/tmp", "");
  EXPECT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("agency_token_file"), std::string::npos) << opened.status().ToString();
  EXPECT_FALSE(ParseNodeConfig(R"({"standalone":"no"})").ok());
  EXPECT_FALSE(ParseNodeConfig(R"({"grace_period_seconds":-1})").ok());
}

}  // namespace
}  // namespace facetrail::node
