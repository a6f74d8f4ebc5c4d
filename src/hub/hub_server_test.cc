// The hub over real loopback HTTP with real SQLite state: registry and enrolment,
// releases, revocation-list monotonicity, witnessing a registered node log (a real
// LogStore, cosigned through witness_client), split-view detection with both notes kept as
// evidence, the portal JSON and the cosigned checkpoint history (with a migrated hub.db).
#include <array>
#include <latch>
#include <thread>

#include "core/sqlite_db.h"
#include "facetrail/checkpoint.h"
#include "facetrail/encoding.h"
#include "facetrail/release.h"
#include "facetrail/witness_client.h"
#include "hub/hub_testutil.h"

namespace facetrail::hub {
namespace {

using testing::HttpReply;
using testing::HubClient;
using testing::json;
using testing::Key;
using testing::NodeLog;
using testing::TempDir;

class HubServerTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(); }
  void Start() {
    HubOptions o;
    o.data_dir = dir_.path() + "/hub";
    o.authority_vkey = authority_.vkey;
    o.clock = &clock_;
    o.stale_after_s = 600;
    auto h = HubServer::Start(o);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    hub_ = std::move(*h);
    if (!hub_->initial_admin_token().empty()) admin_ = hub_->initial_admin_token();
    client_ = std::make_unique<HubClient>(hub_->port());
  }
  std::string Register(const std::string& id, const Key& log, const std::string& token) {
    HttpReply r = client_->Post("/hub/v1/agencies",
                                json{{"id", id}, {"name", id + " police"}, {"jurisdiction", "Testshire"},
                                     {"log_key", log.vkey}, {"contact", "oversight@" + id + ".example"}}
                                    .dump(),
                                token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.Json()["agency_token"].get<std::string>() : "";
  }
  json Portal() {
    HttpReply r = client_->Get("/hub/v1/portal");
    EXPECT_EQ(r.status, 200) << r.body;
    return r.Json();
  }
  std::unique_ptr<witness::WitnessClient> Witnessing() {
    auto c = witness::WitnessClient::Create(
        {{"http://127.0.0.1:" + std::to_string(hub_->port()) + "/hub/v1/witness", hub_->witness_vkey()}});
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(*c);
  }
  static witness::ConsistencyProofFn Proofs(NodeLog& log) {
    return [&log](uint64_t a, uint64_t b) { return log.store().ConsistencyProof(a, b); };
  }
  release::Release SampleRelease(const std::string& id, const std::string& model_sha) {
    release::Release r;
    r.release_id = id;
    r.issued_at = "2026-11-28T00:00:00Z";
    r.models = {{"mobilefacenet", "mobilefacenet.onnx", model_sha}};
    r.disclosure_sha256 = Sha256Hex("disclosure v1");
    r.calibration_sha256 = Sha256Hex("calibration v1");
    r.policy_bundle_sha256 = Sha256Hex("policy v1");
    return r;
  }
  std::string Revocations(uint64_t seq, std::vector<std::string> models) {
    release::RevocationList l;
    l.sequence = seq;
    l.issued_at = "2026-11-28T00:00:00Z";
    l.revoked_models = std::move(models);
    return *release::SignRevocations(l, *authority_.signer);
  }

  TempDir dir_;
  ManualClock clock_;
  Key authority_{"authority.example"};
  std::unique_ptr<HubServer> hub_;
  std::unique_ptr<HubClient> client_;
  std::string admin_;
};

TEST_F(HubServerTest, RegistryNeedsAdminOrOneTimeEnrolmentToken) {
  ASSERT_EQ(admin_.size(), 64u);
  Key log_a("pd-a.example/log"), log_b("pd-b.example/log"), log_c("pd-c.example/log");
  HttpReply anon = client_->Post("/hub/v1/agencies", json{{"id", "pd-a"}, {"name", "A"}, {"jurisdiction", "X"},
                                                          {"log_key", log_a.vkey}, {"contact", "c"}}.dump());
  EXPECT_EQ(anon.status, 401);
  EXPECT_FALSE(Register("pd-a", log_a, admin_).empty());
  // The same id or log origin cannot be registered twice.
  EXPECT_EQ(client_->Post("/hub/v1/agencies", json{{"id", "pd-a"}, {"name", "A"}, {"jurisdiction", "X"},
                                                   {"log_key", log_b.vkey}, {"contact", "c"}}.dump(), admin_).status,
            409);
  HttpReply enrol = client_->Post("/hub/v1/enrolments", json{{"agency_id", "pd-b"}}.dump(), admin_);
  ASSERT_EQ(enrol.status, 201) << enrol.body;
  std::string token = enrol.Json()["enrolment_token"];
  // An enrolment token registers only its own agency, once.
  EXPECT_EQ(client_->Post("/hub/v1/agencies", json{{"id", "pd-c"}, {"name", "C"}, {"jurisdiction", "X"},
                                                   {"log_key", log_c.vkey}, {"contact", "c"}}.dump(), token).status,
            401);
  EXPECT_FALSE(Register("pd-b", log_b, token).empty());
  EXPECT_EQ(client_->Post("/hub/v1/agencies", json{{"id", "pd-b"}, {"name", "B"}, {"jurisdiction", "X"},
                                                   {"log_key", log_c.vkey}, {"contact", "c"}}.dump(), token).status,
            401);
  EXPECT_EQ(client_->Post("/hub/v1/enrolments", json{{"agency_id", "pd-x"}}.dump(), token).status, 401);
  // A malformed log key is refused.
  EXPECT_EQ(client_->Post("/hub/v1/agencies", json{{"id", "pd-d"}, {"name", "D"}, {"jurisdiction", "X"},
                                                   {"log_key", "not-a-key"}, {"contact", "c"}}.dump(), admin_).status,
            400);
  EXPECT_EQ(client_->Post("/hub/v1/agencies/pd-a/suspend", json{{"reason", "audit pending"}}.dump()).status, 401);
  EXPECT_EQ(client_->Post("/hub/v1/agencies/pd-a/suspend", json{{"reason", "audit pending"}}.dump(), admin_).status, 200);
  json list = client_->Get("/hub/v1/agencies").Json();
  ASSERT_EQ(list["agencies"].size(), 2u);
  EXPECT_EQ(list["agencies"][0]["id"], "pd-a");
  EXPECT_TRUE(list["agencies"][0]["suspended"].get<bool>());
  EXPECT_FALSE(list["agencies"][1]["suspended"].get<bool>());

  // State survives a restart; the admin token is shown only on the first start.
  hub_->Stop();
  hub_.reset();
  Start();
  EXPECT_TRUE(hub_->initial_admin_token().empty());
  EXPECT_EQ(client_->Get("/hub/v1/agencies").Json()["agencies"].size(), 2u);
  EXPECT_EQ(client_->Post("/hub/v1/agencies/pd-a/reinstate", "", admin_).status, 200);
}

TEST_F(HubServerTest, ReleasesMustCarryTheAuthoritySignature) {
  EXPECT_EQ(client_->Get("/hub/v1/releases/latest").status, 404);
  std::string bundle = *release::SignRelease(SampleRelease("rel-1", Sha256Hex("model")), *authority_.signer);
  EXPECT_EQ(client_->Post("/hub/v1/releases", bundle, "", "text/plain").status, 401);
  Key impostor("authority.example");
  std::string forged = *release::SignRelease(SampleRelease("rel-2", Sha256Hex("model")), *impostor.signer);
  EXPECT_EQ(client_->Post("/hub/v1/releases", forged, admin_, "text/plain").status, 422);
  EXPECT_EQ(client_->Post("/hub/v1/releases", bundle, admin_, "text/plain").status, 201);
  EXPECT_EQ(client_->Post("/hub/v1/releases", bundle, admin_, "text/plain").status, 409);
  HttpReply latest = client_->Get("/hub/v1/releases/latest");
  ASSERT_EQ(latest.status, 200);
  EXPECT_EQ(latest.body, bundle);
  auto r = release::OpenRelease(latest.body, *authority_.verifier);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->release_id, "rel-1");

  // Per-policy releases (served from the snapshot, as the latest is): each agency's node asks
  // for the latest release pinning its own policy bundle.
  release::Release other = SampleRelease("rel-3", Sha256Hex("model"));
  other.policy_bundle_sha256 = Sha256Hex("policy of another agency");
  std::string bundle3 = *release::SignRelease(other, *authority_.signer);
  ASSERT_EQ(client_->Post("/hub/v1/releases", bundle3, admin_, "text/plain").status, 201);
  EXPECT_EQ(client_->Get("/hub/v1/releases/latest").body, bundle3);
  EXPECT_EQ(client_->Get("/hub/v1/releases/latest?policy_sha256=" + Sha256Hex("policy v1")).body, bundle);
  EXPECT_EQ(client_->Get("/hub/v1/releases/latest?policy_sha256=" + other.policy_bundle_sha256).body, bundle3);
  EXPECT_EQ(client_->Get("/hub/v1/releases/latest?policy_sha256=" + Sha256Hex("unknown")).status, 404);
  // The snapshot is rebuilt from the database on restart.
  hub_->Stop();
  hub_.reset();
  Start();
  EXPECT_EQ(client_->Get("/hub/v1/releases/latest").body, bundle3);
  EXPECT_EQ(client_->Get("/hub/v1/releases/latest?policy_sha256=" + Sha256Hex("policy v1")).body, bundle);
}

TEST_F(HubServerTest, RevocationListsOnlyMoveForward) {
  EXPECT_EQ(client_->Get("/hub/v1/revocations").status, 404);
  std::string l2 = Revocations(2, {Sha256Hex("model")});
  EXPECT_EQ(client_->Post("/hub/v1/revocations", l2, admin_, "text/plain").status, 201);
  EXPECT_EQ(client_->Post("/hub/v1/revocations", Revocations(1, {}), admin_, "text/plain").status, 409);
  EXPECT_EQ(client_->Post("/hub/v1/revocations", Revocations(2, {}), admin_, "text/plain").status, 409);
  EXPECT_EQ(client_->Post("/hub/v1/revocations", l2, admin_, "text/plain").status, 201);  // same list: no-op
  std::string l3 = Revocations(3, {Sha256Hex("model"), Sha256Hex("other")});
  EXPECT_EQ(client_->Post("/hub/v1/revocations", l3, "", "text/plain").status, 401);
  EXPECT_EQ(client_->Post("/hub/v1/revocations", l3, admin_, "text/plain").status, 201);
  HttpReply got = client_->Get("/hub/v1/revocations");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, l3);
  // A node holding list 3 refuses list 2 if someone replays it.
  auto held = release::ApplyRevocations(nullptr, got.body, *authority_.verifier);
  ASSERT_TRUE(held.ok());
  EXPECT_FALSE(release::ApplyRevocations(&*held, l2, *authority_.verifier).ok());
  EXPECT_EQ(Portal()["revocations"]["sequence"], 3);
}

TEST_F(HubServerTest, CosignsRegisteredLogAndCatchesRewrittenHistory) {
  Key log_key("pd-a.example/log");
  Register("pd-a", log_key, admin_);
  NodeLog log(dir_.path() + "/log-a", log_key, "honest");
  auto client = Witnessing();
  std::string cp5 = log.GrowAndSign(5);
  auto r1 = client->Cosign(cp5, Proofs(log));
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  ASSERT_EQ(r1->cosigned.size(), 1u) << (r1->failures.empty() ? "" : r1->failures[0].second.ToString());
  auto cosigner = checkpoint::CosignatureVerifier::FromKey(hub_->witness_vkey());
  ASSERT_TRUE(cosigner.ok());
  std::array<const note::Verifier*, 2> both{log_key.verifier.get(), cosigner->get()};
  auto opened = note::Open(r1->note, both);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->verified.size(), 2u);
  std::string cp9 = log.GrowAndSign(9);
  auto r2 = client->Cosign(cp9, Proofs(log));
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ(r2->cosigned.size(), 1u);
  json p = Portal();
  EXPECT_EQ(p["agencies"][0]["checkpoint"]["size"], 9);
  EXPECT_TRUE(p["alerts"].empty()) << p["alerts"].dump();

  // A log nobody registered gets no cosignature.
  Key stranger("stranger.example/log");
  NodeLog other(dir_.path() + "/log-x", stranger, "x");
  auto r3 = Witnessing()->Cosign(other.GrowAndSign(3), Proofs(other));
  ASSERT_TRUE(r3.ok());
  EXPECT_TRUE(r3->cosigned.empty());

  // The node's log is rewritten: same key, a different history of the same size.
  NodeLog forked(dir_.path() + "/log-a-rewritten", log_key, "rewritten");
  std::string fork9 = forked.GrowAndSign(9);
  auto r4 = Witnessing()->Cosign(fork9, Proofs(forked));
  ASSERT_TRUE(r4.ok());
  EXPECT_TRUE(r4->cosigned.empty());
  p = Portal();
  ASSERT_EQ(p["alerts"].size(), 1u) << p["alerts"].dump();
  json alert = p["alerts"][0];
  EXPECT_EQ(alert["kind"], "split_view");
  EXPECT_EQ(alert["agency"], "pd-a");
  // Both notes are kept, both verify under the one log key, and they disagree.
  std::array<const note::Verifier*, 1> lk{log_key.verifier.get()};
  auto a = checkpoint::OpenSigned(alert["evidence"][0].get<std::string>(), lk);
  auto b = checkpoint::OpenSigned(alert["evidence"][1].get<std::string>(), lk);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->checkpoint.size, b->checkpoint.size);
  EXPECT_NE(a->checkpoint.root, b->checkpoint.root);
  EXPECT_EQ(alert["evidence"][1], fork9);

  // The rewritten log grows on: it cannot prove it extends what was cosigned.
  auto r5 = Witnessing()->Cosign(forked.GrowAndSign(12), Proofs(forked));
  ASSERT_TRUE(r5.ok());
  EXPECT_TRUE(r5->cosigned.empty());
  p = Portal();
  ASSERT_EQ(p["alerts"].size(), 2u) << p["alerts"].dump();
  EXPECT_EQ(p["alerts"][1]["kind"], "inconsistent");
  EXPECT_EQ(p["agencies"][0]["checkpoint"]["size"], 9);  // the honest one stays the witnessed one
}

TEST_F(HubServerTest, PortalShowsReleasesReportsAndStaleLogs) {
  Key log_a("pd-a.example/log"), log_b("pd-b.example/log");
  std::string token_a = Register("pd-a", log_a, admin_);
  std::string token_b = Register("pd-b", log_b, admin_);
  std::string model = Sha256Hex("mobilefacenet weights");
  ASSERT_EQ(client_->Post("/hub/v1/releases", *release::SignRelease(SampleRelease("rel-1", model), *authority_.signer),
                          admin_, "text/plain").status, 201);
  json report = {{"node", "node-1"}, {"agency", "pd-a"}, {"model", {{"id", "mobilefacenet"}, {"sha256", model}}},
                 {"policy", {{"serial", 3}}},
                 {"usage", {{"verify", {{"robbery", {{"match", 4}, {"no_match", 6}}}}},
                            {"search", {{"homicide", {{"leads", 2}}}}}}}};
  // Only pd-a's token files pd-a's report, and the report must name pd-a.
  EXPECT_EQ(client_->Post("/hub/v1/agencies/pd-a/report", report.dump(), token_b).status, 401);
  EXPECT_EQ(client_->Post("/hub/v1/agencies/pd-b/report", report.dump(), token_b).status, 400);
  EXPECT_EQ(client_->Post("/hub/v1/agencies/pd-a/report", report.dump(), token_a).status, 201);
  clock_.AdvanceSeconds(60);
  report["usage"]["verify"]["robbery"]["match"] = 9;
  EXPECT_EQ(client_->Post("/hub/v1/agencies/pd-a/report", report.dump(), token_a).status, 201);
  EXPECT_EQ(client_->Post("/hub/v1/agencies/pd-a/disclosure", "disclosure v1", token_a, "text/plain").status, 201);
  NodeLog log(dir_.path() + "/log-a", log_a, "a");
  auto cos = Witnessing()->Cosign(log.GrowAndSign(4), Proofs(log));
  ASSERT_TRUE(cos.ok());
  ASSERT_EQ(cos->cosigned.size(), 1u);

  json p = Portal();
  ASSERT_EQ(p["agencies"].size(), 2u);
  json a = p["agencies"][0];
  EXPECT_EQ(a["release"]["release_id"], "rel-1");
  EXPECT_FALSE(a["release"]["revoked"].get<bool>());
  EXPECT_TRUE(a["policy_published"].get<bool>());
  EXPECT_TRUE(a["disclosure_published"].get<bool>());
  EXPECT_EQ(a["checkpoint"]["size"], 4);
  ASSERT_EQ(a["reports"].size(), 2u);
  EXPECT_EQ(a["reports"][0]["total"], 12);
  EXPECT_EQ(a["reports"][1]["total"], 17);
  EXPECT_EQ(a["reports"][1]["by_purpose"]["robbery"], 15);
  EXPECT_EQ(a["reports"][1]["by_outcome"]["leads"], 2);
  json b = p["agencies"][1];
  EXPECT_TRUE(b["release"].is_null());
  EXPECT_FALSE(b["policy_published"].get<bool>());
  EXPECT_FALSE(b["disclosure_published"].get<bool>());
  EXPECT_TRUE(b["checkpoint"].is_null());
  EXPECT_TRUE(p["alerts"].empty());

  // Revoking the model shows on the release; ten silent minutes raise stale alerts.
  ASSERT_EQ(client_->Post("/hub/v1/revocations", Revocations(1, {model}), admin_, "text/plain").status, 201);
  clock_.AdvanceSeconds(601);
  p = Portal();
  EXPECT_TRUE(p["agencies"][0]["release"]["revoked"].get<bool>());
  EXPECT_TRUE(p["latest_release"]["revoked"].get<bool>());
  ASSERT_EQ(p["alerts"].size(), 2u) << p["alerts"].dump();
  EXPECT_EQ(p["alerts"][0]["kind"], "stale");
  // The log advances again: its stale alert clears, the silent one stays.
  ASSERT_EQ(Witnessing()->Cosign(log.GrowAndSign(6), Proofs(log))->cosigned.size(), 1u);
  p = Portal();
  ASSERT_EQ(p["alerts"].size(), 1u);
  EXPECT_EQ(p["alerts"][0]["agency"], "pd-b");

  HttpReply page = client_->Get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("/hub/v1/portal"), std::string::npos);
}

// GET /hub/v1/agencies/{id}/checkpoints: every size the witness cosigned, once, in order,
// as notes carrying the log's signature and the hub's cosignature; refused checkpoints
// (a rewritten history) are not listed; pages follow after_size/limit.
TEST_F(HubServerTest, PublishesTheCosignedHistoryOfEachLog) {
  Key log_key("pd-a.example/log");
  Register("pd-a", log_key, admin_);
  NodeLog log(dir_.path() + "/log-a", log_key, "honest");
  EXPECT_EQ(client_->Get("/hub/v1/agencies/pd-a/checkpoints").Json()["checkpoints"].size(), 0u);
  const int64_t t0 = clock_.NowMicros() / 1000000;
  std::vector<std::string> signed_notes;
  for (uint64_t n : {5, 9}) {
    signed_notes.push_back(log.GrowAndSign(n));
    ASSERT_EQ(Witnessing()->Cosign(signed_notes.back(), Proofs(log))->cosigned.size(), 1u);
  }
  clock_.AdvanceSeconds(30);
  // Size 9 cosigned again (the witness answers 200 for the same tree): still listed once,
  // with the time it was first cosigned.
  ASSERT_EQ(Witnessing()->Cosign(signed_notes.back(), Proofs(log))->cosigned.size(), 1u);
  // A rewritten history: refused at 9 (split view) and 12 (inconsistent), never listed.
  NodeLog forked(dir_.path() + "/log-a-forked", log_key, "forked");
  EXPECT_TRUE(Witnessing()->Cosign(forked.GrowAndSign(9), Proofs(forked))->cosigned.empty());
  EXPECT_TRUE(Witnessing()->Cosign(forked.GrowAndSign(12), Proofs(forked))->cosigned.empty());
  signed_notes.push_back(log.GrowAndSign(14));
  ASSERT_EQ(Witnessing()->Cosign(signed_notes.back(), Proofs(log))->cosigned.size(), 1u);

  HttpReply all = client_->Get("/hub/v1/agencies/pd-a/checkpoints");
  ASSERT_EQ(all.status, 200) << all.body;
  json h = all.Json();
  EXPECT_EQ(h["agency"], "pd-a");
  EXPECT_EQ(h["log_origin"], "pd-a.example/log");
  EXPECT_TRUE(h["next_after_size"].is_null());
  ASSERT_EQ(h["checkpoints"].size(), 3u) << h.dump();
  auto cosigner = checkpoint::CosignatureVerifier::FromKey(hub_->witness_vkey());
  ASSERT_TRUE(cosigner.ok());
  std::array<const note::Verifier*, 2> both{log_key.verifier.get(), cosigner->get()};
  const std::array<uint64_t, 3> sizes{5, 9, 14};
  for (size_t i = 0; i < sizes.size(); ++i) {
    const json& c = h["checkpoints"][i];
    EXPECT_EQ(c["size"], sizes[i]);
    EXPECT_TRUE(c["cosigned"].get<bool>());
    const std::string n = c["note"];
    // The log-signed note as the node sent it, followed by the hub's cosignature line.
    EXPECT_EQ(n.substr(0, signed_notes[i].size()), signed_notes[i]);
    auto opened = checkpoint::OpenSigned(n, both);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    auto raw = note::Open(n, both);
    ASSERT_TRUE(raw.ok());
    EXPECT_EQ(raw->verified.size(), 2u) << n;
    EXPECT_EQ(opened->checkpoint.size, sizes[i]);
    EXPECT_EQ(c["root"], HexEncode(AsStringView(opened->checkpoint.root)));
  }
  EXPECT_EQ(h["checkpoints"][1]["witnessed_at"], FormatRfc3339(t0));
  EXPECT_EQ(h["checkpoints"][2]["witnessed_at"], FormatRfc3339(t0 + 30));
  // The latest is byte for byte the note the portal shows (read from the witness state).
  json portal_cp = Portal()["agencies"][0]["checkpoint"];
  EXPECT_EQ(h["checkpoints"][2]["note"], portal_cp["note"]);
  EXPECT_EQ(h["checkpoints"][2]["witnessed_at"], portal_cp["witnessed_at"]);

  // Pages: limit, then after_size; next_after_size is the last size while more follow.
  json p1 = client_->Get("/hub/v1/agencies/pd-a/checkpoints?limit=2").Json();
  ASSERT_EQ(p1["checkpoints"].size(), 2u);
  EXPECT_EQ(p1["checkpoints"][1]["size"], 9);
  EXPECT_EQ(p1["next_after_size"], 9);
  json p2 = client_->Get("/hub/v1/agencies/pd-a/checkpoints?after_size=9&limit=2").Json();
  ASSERT_EQ(p2["checkpoints"].size(), 1u);
  EXPECT_EQ(p2["checkpoints"][0], h["checkpoints"][2]);
  EXPECT_TRUE(p2["next_after_size"].is_null());
  json p3 = client_->Get("/hub/v1/agencies/pd-a/checkpoints?after_size=5&limit=1").Json();
  ASSERT_EQ(p3["checkpoints"].size(), 1u);
  EXPECT_EQ(p3["checkpoints"][0]["size"], 9);
  EXPECT_EQ(p3["next_after_size"], 9);
  EXPECT_EQ(client_->Get("/hub/v1/agencies/pd-a/checkpoints?after_size=14").Json()["checkpoints"].size(), 0u);
  EXPECT_EQ(client_->Get("/hub/v1/agencies/pd-a/checkpoints?limit=1000").status, 200);

  EXPECT_EQ(client_->Get("/hub/v1/agencies/pd-x/checkpoints").status, 404);
  for (const char* bad : {"limit=0", "limit=1001", "limit=abc", "limit=", "limit=-1", "after_size=-1",
                          "after_size=", "after_size=1e3", "after_size=+3", "after_size=%202",
                          "after_size=9223372036854775808", "after_size=99999999999999999999999"}) {
    HttpReply r = client_->Get(std::string("/hub/v1/agencies/pd-a/checkpoints?") + bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
  }
}

// A hub.db from before the cosignature column: opened, migrated, its records listed. The
// latest still matches the witness state, so it is served cosigned from there; older ones
// carry the log's signature only ("cosigned": false); new ones are cosigned again.
TEST_F(HubServerTest, HistoryAfterMigratingAHubDbWithoutCosignatures) {
  Key log_key("pd-a.example/log");
  Register("pd-a", log_key, admin_);
  NodeLog log(dir_.path() + "/log-a", log_key, "honest");
  std::vector<std::string> signed_notes;
  for (uint64_t n : {3, 7}) {
    signed_notes.push_back(log.GrowAndSign(n));
    ASSERT_EQ(Witnessing()->Cosign(signed_notes.back(), Proofs(log))->cosigned.size(), 1u);
  }
  const std::string portal_note = Portal()["agencies"][0]["checkpoint"]["note"];
  hub_->Stop();
  hub_.reset();
  {
    // The checkpoints table exactly as the first hub.db format created it.
    auto db = SqliteDb::Open(dir_.path() + "/hub/hub.db", /*create=*/false, 5000);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Exec(R"sql(
      CREATE TABLE old_rows AS SELECT id, origin, size, root, note, received_at, witness_status FROM checkpoints;
      DROP TABLE checkpoints;
      CREATE TABLE checkpoints(id INTEGER PRIMARY KEY AUTOINCREMENT, origin TEXT NOT NULL,
        size INTEGER NOT NULL, root TEXT NOT NULL, note TEXT NOT NULL, received_at INTEGER NOT NULL,
        witness_status INTEGER NOT NULL);
      CREATE INDEX checkpoints_by_origin ON checkpoints(origin, size);
      INSERT INTO checkpoints SELECT * FROM old_rows;
      DROP TABLE old_rows;)sql").ok());
    auto cols = (*db)->Prepare("SELECT COUNT(*) FROM pragma_table_info('checkpoints') WHERE name = 'cosignature'");
    ASSERT_TRUE(cols.ok());
    ASSERT_TRUE(*cols->Step());
    ASSERT_EQ(cols->Int(0), 0);
  }
  Start();
  json h = client_->Get("/hub/v1/agencies/pd-a/checkpoints").Json();
  ASSERT_EQ(h["checkpoints"].size(), 2u) << h.dump();
  EXPECT_FALSE(h["checkpoints"][0]["cosigned"].get<bool>());
  EXPECT_EQ(h["checkpoints"][0]["note"], signed_notes[0]);
  EXPECT_TRUE(h["checkpoints"][1]["cosigned"].get<bool>());
  EXPECT_EQ(h["checkpoints"][1]["note"], portal_note);
  // The log grows: the new checkpoint is recorded with its cosignature.
  signed_notes.push_back(log.GrowAndSign(10));
  ASSERT_EQ(Witnessing()->Cosign(signed_notes.back(), Proofs(log))->cosigned.size(), 1u);
  h = client_->Get("/hub/v1/agencies/pd-a/checkpoints").Json();
  ASSERT_EQ(h["checkpoints"].size(), 3u) << h.dump();
  EXPECT_FALSE(h["checkpoints"][0]["cosigned"].get<bool>());
  EXPECT_FALSE(h["checkpoints"][1]["cosigned"].get<bool>());  // the witness state moved on
  EXPECT_EQ(h["checkpoints"][1]["note"], signed_notes[1]);
  EXPECT_TRUE(h["checkpoints"][2]["cosigned"].get<bool>());
  EXPECT_EQ(h["checkpoints"][2]["note"], Portal()["agencies"][0]["checkpoint"]["note"]);
  // Reopening again is a no-op for the migration.
  hub_->Stop();
  hub_.reset();
  Start();
  EXPECT_EQ(client_->Get("/hub/v1/agencies/pd-a/checkpoints").Json(), h);
}

// More concurrent keep-alive clients than workers: each holds its connection open (idle)
// until every client has had its first answer, then asks again. With httplib's defaults (5 s
// idle, unbounded queue) the waiting ones sat behind idle connections; here an idle
// connection frees its worker after keep_alive_timeout_s, so all are answered, and the
// clients reconnect transparently for their second request.
TEST(HubHttpLimitsTest, MoreKeepAliveClientsThanWorkersAreAllAnswered) {
  TempDir dir;
  Key authority("authority.example");
  HubOptions o;
  o.data_dir = dir.path() + "/hub";
  o.authority_vkey = authority.vkey;
  o.worker_threads = 2;
  o.max_queued_connections = 4;  // fewer than the clients: the listener must wait, not fail
  o.keep_alive_timeout_s = 1;
  auto hub = HubServer::Start(o);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  EXPECT_EQ((*hub)->worker_threads(), 2);
  release::RevocationList l;
  l.sequence = 1;
  l.issued_at = "2026-11-28T00:00:00Z";
  std::string bundle = *release::SignRevocations(l, *authority.signer);
  HubClient admin((*hub)->port());
  ASSERT_EQ(admin.Post("/hub/v1/revocations", bundle, (*hub)->initial_admin_token(), "text/plain").status, 201);

  constexpr int kClients = 8;
  std::latch first_answered(kClients);
  std::vector<std::array<int, 2>> status(kClients, {0, 0});
  std::vector<std::array<std::string, 2>> body(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", (*hub)->port());
      c.set_keep_alive(true);
      c.set_connection_timeout(60, 0);  // generous: this is not a timing test
      c.set_read_timeout(60, 0);
      for (int round = 0; round < 2; ++round) {
        auto r = c.Get("/hub/v1/revocations");
        if (r) {
          status[i][round] = r->status;
          body[i][round] = r->body;
        }
        if (round == 0) first_answered.arrive_and_wait();
      }
    });
  }
  for (auto& t : clients) t.join();
  for (int i = 0; i < kClients; ++i) {
    for (int round = 0; round < 2; ++round) {
      EXPECT_EQ(status[i][round], 200) << "client " << i << " request " << round;
      EXPECT_EQ(body[i][round], bundle) << "client " << i << " request " << round;
    }
  }
  (*hub)->Stop();
}

TEST(HubHttpLimitsTest, RefusesLimitsOutOfRange) {
  TempDir dir;
  Key authority("authority.example");
  HubOptions o;
  o.data_dir = dir.path() + "/hub";
  o.authority_vkey = authority.vkey;
  o.worker_threads = 0;
  auto hub = HubServer::Start(o);
  ASSERT_FALSE(hub.ok());
  EXPECT_EQ(hub.status().code(), StatusCode::kInvalidArgument);
  o.worker_threads = 4;
  o.keep_alive_timeout_s = 0;  // httplib would then drop a client that is 10 ms late
  EXPECT_EQ(HubServer::Start(o).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace facetrail::hub
