// The auditor tools against a real node (NodeHarness: real stores, real HttpApi, no face
// engine) and a real hub over loopback HTTP: mirror a node's log over its tlog-tiles,
// re-fetch incrementally, refuse tampered, truncated and wrongly signed data and a
// rewritten history (kept as evidence), check the hub's witnessed checkpoint, and verify
// a case export (and refuse a tampered one).
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <thread>
#include <memory>
#include <string>
#include <vector>

#include "audit/case_export.h"
#include "audit/http_fetcher.h"
#include "audit/hub_check.h"
#include "audit/log_mirror.h"
#include "core/env.h"
#include "facetrail/hub.h"
#include "facetrail/log_store.h"
#include "facetrail/witness_client.h"
#include "hub/hub_testutil.h"
#include "node/node_testutil.h"

namespace facetrail::auditor {
namespace {

using node::testing::json;
using node::testing::NodeHarness;

// Wraps a real HTTP fetcher and changes one resource's body on the way.
class TamperingFetcher final : public Fetcher {
 public:
  TamperingFetcher(Fetcher* real, std::string path, std::function<void(std::string*)> edit)
      : real_(real), path_(std::move(path)), edit_(std::move(edit)) {}
  StatusOr<std::string> Get(std::string_view path, size_t max_bytes) override {
    auto body = real_->Get(path, max_bytes);
    if (body.ok() && path == path_) {
      edit_(&*body);
      ++hits_;
    }
    return body;
  }
  std::string UrlOf(std::string_view path) const override { return real_->UrlOf(path); }
  int hits() const { return hits_; }

 private:
  Fetcher* real_;
  std::string path_;
  std::function<void(std::string*)> edit_;
  int hits_ = 0;
};

class AuditorHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ = std::make_unique<NodeHarness>(NodeHarness::Options{});
    auto v = note::Ed25519Verifier::FromKey(node_->service()->LogVerifierKey());
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    key_ = std::move(*v);
    StartApi();
    mirror_dir_ = (node_->dir().parent_path() / (node_->dir().filename().string() + "_mirror")).string();
    std::filesystem::remove_all(mirror_dir_);
  }
  void TearDown() override {
    StopApi();
    std::filesystem::remove_all(mirror_dir_);
  }

  // The node's real HTTP API on a port of our own (the harness keeps its own private):
  // the same NodeService, so the same log, keys, users and routes.
  void StartApi() {
    node::HttpOptions o;
    o.port = 0;
    o.threads = 4;
    auto api = node::HttpApi::Create(node_->service(), o);
    ASSERT_TRUE(api.ok()) << api.status().ToString();
    api_ = std::move(*api);
    ASSERT_TRUE(api_->Start().ok());
  }
  void StopApi() {
    if (api_) api_->Stop();
    api_.reset();
  }

  std::string NodeUrl() const { return "http://127.0.0.1:" + std::to_string(api_->port()); }
  std::unique_ptr<Fetcher> Tiles(const std::string& user = "auditor1") {
    HttpFetchOptions o;
    if (!user.empty()) o.bearer_token = node_->token(user);
    auto f = NewHttpFetcher(NodeUrl() + "/v1/audit", o);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return std::move(*f);
  }
  std::unique_ptr<LogMirror> Mirror(const std::string& dir, MirrorOptions o = {}) {
    auto m = LogMirror::Open(Env::Default(), dir, key_.get(), o);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? std::move(*m) : nullptr;
  }
  // Grows the node's log with `n` opaque entries in batches and signs a checkpoint.
  SignedCheckpoint Grow(uint64_t n, const std::string& tag = "e") {
    LogStore* log = node_->service()->log();
    while (n > 0) {
      const uint64_t b = std::min<uint64_t>(n, 4096);
      std::vector<std::string> owned;
      for (uint64_t i = 0; i < b; ++i) owned.push_back(tag + std::to_string(log->Size() + i));
      std::vector<std::string_view> views(owned.begin(), owned.end());
      EXPECT_TRUE(log->AppendBatch(views).ok());
      n -= b;
    }
    auto c = log->Checkpoint();
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : SignedCheckpoint{};
  }
  // A policy refusal that names `case_number` (audited with its case number).
  void RefusedQuery(const std::string& case_number) {
    json b = node::testing::ProbeBody("\xff\xd8 not decoded", "shoplifting", case_number);
    b["identity_id"] = "someone";
    httplib::Client c("127.0.0.1", api_->port());
    c.set_bearer_token_auth(node_->token("officer1"));
    auto r = c.Post("/v1/verify", b.dump(), "application/json");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 403) << r->body;
  }

  std::unique_ptr<NodeHarness> node_;
  std::unique_ptr<node::HttpApi> api_;
  std::unique_ptr<note::Ed25519Verifier> key_;
  std::string mirror_dir_;
};

TEST_F(AuditorHttpTest, MirrorsTheLogThenFetchesOnlyWhatIsNew) {
  const SignedCheckpoint c1 = Grow(300);
  auto tiles = Tiles();
  auto mirror = Mirror(mirror_dir_);
  ASSERT_NE(mirror, nullptr);
  auto r = mirror->Fetch(*tiles);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->verification.ok()) << r->verification.ToString();
  EXPECT_EQ(r->size, c1.size);
  EXPECT_EQ(r->root, c1.root);
  EXPECT_EQ(r->previous_size, 0u);
  EXPECT_EQ(r->entries_verified, c1.size);
  // Level 0: one full tile and a partial one; level 1: one partial tile (size >> 8 = 1).
  EXPECT_EQ(r->hash_tiles_fetched, 3u);
  EXPECT_EQ(r->entry_bundles_fetched, 2u);
  EXPECT_TRUE(std::filesystem::exists(mirror_dir_ + "/tile/0/000"));
  EXPECT_TRUE(std::filesystem::exists(mirror_dir_ + "/tile/entries/000"));
  EXPECT_TRUE(std::filesystem::exists(mirror_dir_ + "/tile/0/001.p/" + std::to_string(c1.size - 256)));
  // The mirror's own proofs agree with the node's store.
  auto root_at_100 = mirror->RootAt(100);
  ASSERT_TRUE(root_at_100.ok());
  EXPECT_EQ(*root_at_100, *node_->service()->log()->RootHash(100));

  // Nothing new: nothing but the checkpoint is fetched.
  r = mirror->Fetch(*tiles);
  ASSERT_TRUE(r.ok() && r->verification.ok());
  EXPECT_EQ(r->hash_tiles_fetched, 0u);

  // More entries (and queries through the API): only new tiles, a verified consistency.
  RefusedQuery("C-1");
  const SignedCheckpoint c2 = Grow(600);
  mirror.reset();
  mirror = Mirror(mirror_dir_);  // reopened from disk
  ASSERT_NE(mirror, nullptr);
  EXPECT_EQ(mirror->checkpoint().size, c1.size);
  r = mirror->Fetch(*tiles);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->verification.ok()) << r->verification.ToString();
  EXPECT_EQ(r->previous_size, c1.size);
  EXPECT_EQ(r->size, c2.size);
  EXPECT_EQ(r->root, c2.root);
  EXPECT_TRUE(r->consistency_verified);
  EXPECT_GT(r->consistency_proof_hashes, 0u);
  EXPECT_EQ(r->entries_verified, c2.size - c1.size);
  // Tiles 1..3 of level 0 (tile 0 was full already) and the level-1 tile again.
  EXPECT_EQ(r->hash_tiles_fetched, 4u);
  EXPECT_EQ(r->entry_bundles_fetched, 3u);
  // The superseded partial tile is gone, the mirror is tlog-tiles shaped.
  EXPECT_FALSE(std::filesystem::exists(mirror_dir_ + "/tile/0/001.p/" + std::to_string(c1.size - 256)));
  EXPECT_TRUE(std::filesystem::exists(mirror_dir_ + "/tile/0/001"));
  auto onlog = node_->service()->log()->ConsistencyProof(c1.size, c2.size);
  auto mine = mirror->ConsistencyProof(c1.size, c2.size);
  ASSERT_TRUE(onlog.ok() && mine.ok());
  EXPECT_EQ(*onlog, *mine);
}

TEST_F(AuditorHttpTest, MirrorsALogWithThreeTileLevels) {
  const SignedCheckpoint c = Grow(65536 + 300);
  auto tiles = Tiles("");  // no token: hash tiles only
  MirrorOptions o;
  o.fetch_entries = false;
  auto mirror = Mirror("", o);  // in memory
  auto r = mirror->Fetch(*tiles);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->verification.ok()) << r->verification.ToString();
  EXPECT_EQ(r->root, c.root);
  // Level 0: 258 tiles; level 1: 257 hashes -> 2 tiles; level 2: 1 hash -> 1 tile.
  EXPECT_EQ(r->hash_tiles_fetched, 258u + 2u + 1u);
  EXPECT_EQ(r->entry_bundles_fetched, 0u);
  // Entry bundles are not public on a node.
  auto bundle = tiles->Get("tile/entries/000", 1 << 24);
  EXPECT_EQ(bundle.status().code(), StatusCode::kPermissionDenied) << bundle.status().ToString();
}

TEST_F(AuditorHttpTest, RefusesAWrongKeyATamperedTileATruncatedBundleAndAnOversizedLog) {
  Grow(400);
  auto real = Tiles();
  // Another key: the checkpoint does not verify.
  auto other = note::GenerateKey(key_->name());
  auto other_v = note::Ed25519Verifier::FromKey(other->verifier_key);
  auto wrong = LogMirror::Open(Env::Default(), "", other_v->get());
  ASSERT_TRUE(wrong.ok());
  auto r = (*wrong)->Fetch(*real);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->verification.code(), StatusCode::kUnauthenticated) << r->verification.ToString();

  // One flipped bit in a hash tile, at each level.
  const std::string last = std::to_string(node_->LogSize() - 256);
  for (const std::string& path : std::vector<std::string>{"tile/0/000", "tile/0/001.p/" + last, "tile/1/000.p/1"}) {
    TamperingFetcher t(real.get(), path, [](std::string* b) { (*b)[b->size() / 2] ^= 0x01; });
    auto m = Mirror("");
    r = m->Fetch(t);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(t.hits(), 1) << path;
    EXPECT_EQ(r->verification.code(), StatusCode::kDataLoss) << path << ": " << r->verification.ToString();
    EXPECT_EQ(m->checkpoint().size, 0u);  // nothing committed
  }
  // A truncated entry bundle, and one whose entry was changed.
  TamperingFetcher cut(real.get(), "tile/entries/001.p/" + last, [](std::string* b) { b->resize(b->size() - 3); });
  auto m = Mirror(mirror_dir_);
  r = m->Fetch(cut);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->verification.code(), StatusCode::kDataLoss);
  EXPECT_NE(r->verification.message().find("entries"), std::string::npos) << r->verification.ToString();
  EXPECT_FALSE(std::filesystem::exists(mirror_dir_ + "/checkpoint"));
  EXPECT_FALSE(std::filesystem::exists(mirror_dir_ + "/tile/0/000"));  // moved to evidence
  EXPECT_TRUE(std::filesystem::exists(r->evidence + "/fetched-checkpoint"));
  EXPECT_TRUE(std::filesystem::exists(r->evidence + "/tile/0/000"));
  EXPECT_TRUE(std::filesystem::exists(r->evidence + "/tile/entries/000"));
  TamperingFetcher edit(real.get(), "tile/entries/000", [](std::string* b) { (*b)[3] ^= 0x20; });
  r = m->Fetch(edit);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->verification.code(), StatusCode::kDataLoss);
  EXPECT_NE(r->verification.message().find("does not hash to its leaf"), std::string::npos)
      << r->verification.ToString();
  // The honest fetch still works after the refusals.
  r = m->Fetch(*real);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->verification.ok()) << r->verification.ToString();

  // A log over the configured size is refused before any tile is fetched.
  MirrorOptions small;
  small.max_log_size = 100;
  auto bounded = Mirror("", small);
  r = bounded->Fetch(*real);
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  // A checkpoint response over its limit is abandoned.
  auto huge = real->Get("tile/0/000", 100);
  EXPECT_EQ(huge.status().code(), StatusCode::kResourceExhausted);
}

TEST_F(AuditorHttpTest, RefusesARewrittenHistoryAndKeepsBothCheckpoints) {
  Grow(300, "honest-");
  {
    auto mirror = Mirror(mirror_dir_);
    auto r = mirror->Fetch(*Tiles());
    ASSERT_TRUE(r.ok() && r->verification.ok());
  }
  const SignedCheckpoint honest = node_->service()->log()->LatestCheckpoint();
  // The operator rewrites the log: same key (node.key stays), the old store dropped, a
  // new history signed.
  StopApi();
  node_->Close();
  std::filesystem::remove_all(node_->dir() / "audit");
  std::filesystem::remove(node_->dir() / "entries.db");
  node_->Open();
  StartApi();
  ASSERT_EQ(node_->service()->LogVerifierKey(), FormatVerifierKey(key_->key()));
  // First shorter (a rollback), then grown past the mirrored size.
  Grow(10, "rewritten-");
  ASSERT_LT(node_->LogSize(), honest.size);
  auto mirror = Mirror(mirror_dir_);
  auto r = mirror->Fetch(*Tiles());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->verification.code(), StatusCode::kDataLoss);
  EXPECT_NE(r->verification.message().find("rollback"), std::string::npos) << r->verification.ToString();
  ASSERT_FALSE(r->evidence.empty());
  EXPECT_EQ(*Env::Default()->ReadFileToString(r->evidence + "/mirrored-checkpoint"), honest.note);
  EXPECT_EQ(*Env::Default()->ReadFileToString(r->evidence + "/fetched-checkpoint"), r->note);

  const SignedCheckpoint grown = Grow(honest.size + 50 - node_->LogSize(), "rewritten-");
  r = mirror->Fetch(*Tiles());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->verification.code(), StatusCode::kDataLoss);
  EXPECT_NE(r->verification.message().find("history rewritten"), std::string::npos) << r->verification.ToString();
  EXPECT_EQ(*Env::Default()->ReadFileToString(r->evidence + "/fetched-checkpoint"), grown.note);
  EXPECT_NE(r->evidence, "");
  // The mirror still holds the honest checkpoint, and its tiles still verify it.
  mirror.reset();
  auto again = Mirror(mirror_dir_);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->checkpoint().size, honest.size);
  EXPECT_EQ(again->note(), honest.note);
}

TEST_F(AuditorHttpTest, ChecksTheHubsWitnessedCheckpoint) {
  hub::testing::TempDir dir;
  hub::testing::Key authority("authority.example");
  ManualClock clock;
  hub::HubOptions ho;
  ho.data_dir = dir.path() + "/hub";
  ho.authority_vkey = authority.vkey;
  ho.clock = &clock;
  auto hub = hub::HubServer::Start(ho);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  hub::testing::HubClient hc((*hub)->port());
  hub::testing::HttpReply reg = hc.Post(
      "/hub/v1/agencies",
      json{{"id", "demo-pd"}, {"name", "Demo PD"}, {"jurisdiction", "Testshire"},
           {"log_key", FormatVerifierKey(key_->key())}, {"contact", "audit@demo.example"}}.dump(),
      (*hub)->initial_admin_token());
  ASSERT_EQ(reg.status, 201) << reg.body;
  auto portal = [&] { return hc.Get("/hub/v1/portal").body; };

  Grow(280);
  auto mirror = Mirror("");
  auto r = mirror->Fetch(*Tiles());
  ASSERT_TRUE(r.ok() && r->verification.ok());
  // Not witnessed yet: the check fails closed.
  auto check = CheckHubCheckpoint(portal(), *key_, (*hub)->witness_vkey(), *mirror);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_EQ(check->verification.code(), StatusCode::kDataLoss);
  EXPECT_NE(check->verification.message().find("not witnessed"), std::string::npos) << check->verification.ToString();

  // The node's checkpoint is witnessed by the hub, then the node grows on.
  auto wc = witness::WitnessClient::Create(
      {{"http://127.0.0.1:" + std::to_string((*hub)->port()) + "/hub/v1/witness", (*hub)->witness_vkey()}});
  ASSERT_TRUE(wc.ok());
  LogStore* log = node_->service()->log();
  auto proofs = [log](uint64_t a, uint64_t b) { return log->ConsistencyProof(a, b); };
  auto cos = (*wc)->Cosign(log->LatestCheckpoint().note, proofs);
  ASSERT_TRUE(cos.ok() && cos->cosigned.size() == 1u);
  const uint64_t witnessed = log->LatestCheckpoint().size;
  Grow(40);
  r = mirror->Fetch(*Tiles());
  ASSERT_TRUE(r.ok() && r->verification.ok());
  check = CheckHubCheckpoint(portal(), *key_, (*hub)->witness_vkey(), *mirror);
  ASSERT_TRUE(check.ok()) << check.status().ToString();
  EXPECT_TRUE(check->verification.ok()) << check->verification.ToString();
  EXPECT_EQ(check->agency, "demo-pd");
  EXPECT_EQ(check->size, witnessed);
  EXPECT_LT(check->size, mirror->checkpoint().size);
  // Pinned to another witness key: refused.
  auto stranger = note::GenerateKey("other-witness");
  check = CheckHubCheckpoint(portal(), *key_, stranger->verifier_key, *mirror);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->verification.code(), StatusCode::kDataLoss);
  // A portal whose checkpoint note lost its cosignature, or whose history differs.
  json p = json::parse(portal());
  std::string note = p["agencies"][0]["checkpoint"]["note"];
  p["agencies"][0]["checkpoint"]["note"] = note.substr(0, note.rfind("\u2014 facetrail-hub-witness"));
  check = CheckHubCheckpoint(p.dump(), *key_, "", *mirror);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->verification.code(), StatusCode::kUnauthenticated) << check->verification.ToString();
  // A mirror of a different history of the same log (another node state, same key) does
  // not contain the witnessed checkpoint.
  std::string other_dir = dir.path() + "/other-log";
  LogStoreOptions lo;
  auto skey = note::ReadPrivateKeyFile((node_->dir() / "node.key").string());
  ASSERT_TRUE(skey.ok());
  auto signer = note::Ed25519Signer::FromKey(*skey);
  lo.origin = key_->name();
  lo.signer = signer->get();
  lo.verifier = key_.get();
  lo.create_if_missing = true;
  auto other_log = LogStore::Open(other_dir, lo);
  ASSERT_TRUE(other_log.ok());
  std::vector<std::string> forked;
  for (int i = 0; i < 400; ++i) forked.push_back("forked " + std::to_string(i));
  std::vector<std::string_view> forked_views(forked.begin(), forked.end());
  ASSERT_TRUE((*other_log)->AppendBatch(forked_views).ok());
  ASSERT_TRUE((*other_log)->Checkpoint().ok());
  // Serve it the way the node does.
  httplib::Server srv;
  srv.Get(R"(/v1/audit/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
    auto b = (*other_log)->ReadTilesPath(req.matches[1].str());
    if (!b.ok()) {
      res.status = 404;
      return;
    }
    res.set_content(*b, "application/octet-stream");
  });
  const int port = srv.bind_to_any_port("127.0.0.1");
  std::thread th([&] { srv.listen_after_bind(); });
  auto forked_tiles = NewHttpFetcher("http://127.0.0.1:" + std::to_string(port) + "/v1/audit");
  auto forked_mirror = Mirror("");
  r = forked_mirror->Fetch(**forked_tiles);
  srv.stop();
  th.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->verification.ok()) << r->verification.ToString();
  check = CheckHubCheckpoint(portal(), *key_, (*hub)->witness_vkey(), *forked_mirror);
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->verification.code(), StatusCode::kDataLoss);
  EXPECT_NE(check->verification.message().find("split view"), std::string::npos) << check->verification.ToString();
  (*hub)->Stop();
}

// CheckHubHistory: every checkpoint the hub's witness cosigned (not only the latest) is
// checked against the mirror, page by page; a hub page that strips a cosignature, reorders,
// omits the latest, loops or lies about a root fails; so does a node serving an older log
// than the hub witnessed.
TEST_F(AuditorHttpTest, ChecksEveryCheckpointTheHubWitnessed) {
  hub::testing::TempDir dir;
  hub::testing::Key authority("authority.example");
  ManualClock clock;
  hub::HubOptions ho;
  ho.data_dir = dir.path() + "/hub";
  ho.authority_vkey = authority.vkey;
  ho.clock = &clock;
  auto hub = hub::HubServer::Start(ho);
  ASSERT_TRUE(hub.ok()) << hub.status().ToString();
  hub::testing::HubClient hc((*hub)->port());
  hub::testing::HttpReply reg = hc.Post(
      "/hub/v1/agencies",
      json{{"id", "demo-pd"}, {"name", "Demo PD"}, {"jurisdiction", "Testshire"},
           {"log_key", FormatVerifierKey(key_->key())}, {"contact", "audit@demo.example"}}.dump(),
      (*hub)->initial_admin_token());
  ASSERT_EQ(reg.status, 201) << reg.body;
  auto hub_api = NewHttpFetcher("http://127.0.0.1:" + std::to_string((*hub)->port()) + "/hub/v1");
  ASSERT_TRUE(hub_api.ok());
  auto wc = witness::WitnessClient::Create(
      {{"http://127.0.0.1:" + std::to_string((*hub)->port()) + "/hub/v1/witness", (*hub)->witness_vkey()}});
  ASSERT_TRUE(wc.ok());
  LogStore* log = node_->service()->log();
  auto proofs = [log](uint64_t a, uint64_t b) { return log->ConsistencyProof(a, b); };
  std::vector<uint64_t> witnessed;
  for (uint64_t n : {70, 300, 45}) {
    Grow(n);
    auto cos = (*wc)->Cosign(log->LatestCheckpoint().note, proofs);
    ASSERT_TRUE(cos.ok() && cos->cosigned.size() == 1u);
    witnessed.push_back(log->LatestCheckpoint().size);
    clock.AdvanceSeconds(60);
  }
  auto mirror = Mirror("");
  auto r = mirror->Fetch(*Tiles());
  ASSERT_TRUE(r.ok() && r->verification.ok());
  auto latest = CheckHubCheckpoint(hc.Get("/hub/v1/portal").body, *key_, (*hub)->witness_vkey(), *mirror);
  ASSERT_TRUE(latest.ok() && latest->verification.ok()) << latest->verification.ToString();

  auto history = CheckHubHistory(**hub_api, *latest, (*hub)->witness_vkey(), *key_, *mirror);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  EXPECT_TRUE(history->verification.ok()) << history->verification.ToString();
  EXPECT_EQ(history->checkpoints, 3u);
  EXPECT_EQ(history->verified, 3u);
  EXPECT_EQ(history->legacy_uncosigned, 0u);
  EXPECT_EQ(history->first_size, witnessed.front());
  EXPECT_EQ(history->last_size, witnessed.back());
  // One checkpoint per page: the same verdict over three pages (and an empty fourth is
  // never asked for: the last page says null).
  HubCheckLimits one;
  one.history_page_size = 1;
  int pages = 0;
  struct Counter final : Fetcher {
    Fetcher* real;
    int* n;
    StatusOr<std::string> Get(std::string_view path, size_t max_bytes) override {
      ++*n;
      return real->Get(path, max_bytes);
    }
    std::string UrlOf(std::string_view path) const override { return real->UrlOf(path); }
  } counter;
  counter.real = hub_api->get();
  counter.n = &pages;
  history = CheckHubHistory(counter, *latest, (*hub)->witness_vkey(), *key_, *mirror, one);
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  EXPECT_TRUE(history->verification.ok()) << history->verification.ToString();
  EXPECT_EQ(history->verified, 3u);
  EXPECT_EQ(pages, 3);

  const std::string page_path = "agencies/demo-pd/checkpoints?after_size=0&limit=1000";
  auto tampered = [&](std::function<void(json*)> edit) {
    TamperingFetcher f(hub_api->get(), page_path, [&](std::string* body) {
      json j = json::parse(*body);
      edit(&j);
      *body = j.dump();
    });
    auto h = CheckHubHistory(f, *latest, (*hub)->witness_vkey(), *key_, *mirror);
    EXPECT_EQ(f.hits(), 1);
    return h;
  };
  // The first checkpoint's cosignature stripped while it still claims "cosigned": true.
  auto h = tampered([](json* j) {
    std::string n = (*j)["checkpoints"][0]["note"];
    (*j)["checkpoints"][0]["note"] = n.substr(0, n.rfind("\u2014 facetrail-hub-witness"));
  });
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->verification.code(), StatusCode::kUnauthenticated) << h->verification.ToString();
  EXPECT_EQ(h->failed_size, witnessed[0]);
  // Marked legacy instead: tolerated in the past, counted as such.
  h = tampered([](json* j) {
    std::string n = (*j)["checkpoints"][0]["note"];
    (*j)["checkpoints"][0]["note"] = n.substr(0, n.rfind("\u2014 facetrail-hub-witness"));
    (*j)["checkpoints"][0]["cosigned"] = false;
  });
  ASSERT_TRUE(h.ok());
  EXPECT_TRUE(h->verification.ok()) << h->verification.ToString();
  EXPECT_EQ(h->verified, 2u);
  EXPECT_EQ(h->legacy_uncosigned, 1u);
  // ...but never for the latest.
  h = tampered([](json* j) { (*j)["checkpoints"][2]["cosigned"] = false; });
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->verification.code(), StatusCode::kUnauthenticated) << h->verification.ToString();
  // Out of order, the latest omitted, a listed root that is not the signed one, a page
  // that says more follow but points backwards.
  h = tampered([](json* j) { std::swap((*j)["checkpoints"][0], (*j)["checkpoints"][1]); });
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->verification.code(), StatusCode::kDataLoss);
  EXPECT_NE(h->verification.message().find("increasing size"), std::string::npos) << h->verification.ToString();
  h = tampered([](json* j) { (*j)["checkpoints"].erase(2); });
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->verification.code(), StatusCode::kDataLoss);
  EXPECT_NE(h->verification.message().find("omits"), std::string::npos) << h->verification.ToString();
  h = tampered([](json* j) { (*j)["checkpoints"][1]["root"] = std::string(64, '0'); });
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->verification.code(), StatusCode::kDataLoss);
  EXPECT_EQ(h->failed_size, witnessed[1]);
  h = tampered([](json* j) { (*j)["next_after_size"] = 1; });
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->verification.code(), StatusCode::kDataLoss) << h->verification.ToString();
  h = tampered([](json* j) { (*j)["agency"] = "other-pd"; });
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->verification.code(), StatusCode::kDataLoss);
  // Not JSON at all, and a page larger than the limit.
  TamperingFetcher garbage(hub_api->get(), page_path, [](std::string* b) { *b = "{\"agency\":"; });
  h = CheckHubHistory(garbage, *latest, (*hub)->witness_vkey(), *key_, *mirror);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->verification.code(), StatusCode::kDataLoss);
  HubCheckLimits tiny;
  tiny.max_history_page_bytes = 100;
  EXPECT_EQ(CheckHubHistory(**hub_api, *latest, (*hub)->witness_vkey(), *key_, *mirror, tiny).status().code(),
            StatusCode::kResourceExhausted);
  // Another pinned witness key: nothing verifies.
  auto stranger = note::GenerateKey("other-witness");
  h = CheckHubHistory(**hub_api, *latest, stranger->verifier_key, *key_, *mirror);
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h->verification.ok());

  // The node grows, the hub witnesses it, but an auditor's (stale) mirror is checked
  // against that history: the hub witnessed more than this mirror of the node holds.
  Grow(10);
  ASSERT_TRUE((*wc)->Cosign(log->LatestCheckpoint().note, proofs).ok());
  h = CheckHubHistory(**hub_api, *latest, (*hub)->witness_vkey(), *key_, *mirror);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->verification.code(), StatusCode::kDataLoss);
  EXPECT_NE(h->verification.message().find("serves only"), std::string::npos) << h->verification.ToString();
  EXPECT_EQ(h->failed_size, log->LatestCheckpoint().size);
  (*hub)->Stop();
}

TEST_F(AuditorHttpTest, VerifiesACaseExportAndRefusesATamperedOne) {
  for (int i = 0; i < 3; ++i) RefusedQuery("C-42");
  RefusedQuery("C-other");
  Grow(20);
  RefusedQuery("C-42");
  HttpFetchOptions o;
  o.bearer_token = node_->token("auditor1");
  auto f = NewHttpFetcher(NodeUrl(), o);
  ASSERT_TRUE(f.ok());
  auto body = (*f)->Get("v1/cases/C-42/export", 1 << 24);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  CaseExportCheck x = VerifyCaseExport(*body, *key_, "C-42");
  EXPECT_TRUE(x.verification.ok()) << x.verification.ToString();
  ASSERT_EQ(x.records.size(), 4u);
  for (const CaseRecordCheck& r : x.records) {
    EXPECT_TRUE(r.status.ok()) << r.index << ": " << r.status.ToString();
    EXPECT_EQ(r.type, "query.verify");
    EXPECT_EQ(r.outcome, "denied");
    EXPECT_TRUE(r.names_case);
  }
  EXPECT_GT(x.size, x.records.back().index);

  // Another case id than asked, a wrong key, an edited entry, a swapped proof, a bad note.
  EXPECT_EQ(VerifyCaseExport(*body, *key_, "C-other").verification.code(), StatusCode::kDataLoss);
  auto other = note::GenerateKey(key_->name());
  EXPECT_EQ(VerifyCaseExport(*body, **note::Ed25519Verifier::FromKey(other->verifier_key), "C-42").verification.code(),
            StatusCode::kUnauthenticated);
  json j = json::parse(*body);
  json edited = j;
  edited["records"][1]["entry"]["outcome"] = "ok";
  CaseExportCheck e = VerifyCaseExport(edited.dump(), *key_, "C-42");
  EXPECT_EQ(e.verification.code(), StatusCode::kDataLoss);
  ASSERT_EQ(e.records.size(), 4u);
  EXPECT_TRUE(e.records[0].status.ok());
  EXPECT_FALSE(e.records[1].status.ok());
  // The edit with a matching (recomputed) leaf hash still fails the inclusion proof.
  edited["records"][1]["leaf_hash"] =
      Base64Encode(AsStringView(merkle::HashLeaf(edited["records"][1]["entry"].dump(-1, ' ', true))));
  e = VerifyCaseExport(edited.dump(), *key_, "C-42");
  EXPECT_FALSE(e.records[1].status.ok());
  EXPECT_NE(e.records[1].status.message().find("inclusion proof"), std::string::npos) << e.records[1].status.ToString();
  json swapped = j;
  std::swap(swapped["records"][0]["index"], swapped["records"][1]["index"]);
  EXPECT_EQ(VerifyCaseExport(swapped.dump(), *key_, "C-42").verification.code(), StatusCode::kDataLoss);
  json dup = j;
  dup["records"].push_back(j["records"][0]);
  EXPECT_EQ(VerifyCaseExport(dup.dump(), *key_, "C-42").verification.code(), StatusCode::kDataLoss);
  json resized = j;
  resized["checkpoint"]["size"] = j["checkpoint"]["size"].get<uint64_t>() + 1;
  EXPECT_EQ(VerifyCaseExport(resized.dump(), *key_, "C-42").verification.code(), StatusCode::kDataLoss);
  EXPECT_EQ(VerifyCaseExport(body->substr(0, body->size() / 2), *key_, "C-42").verification.code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(VerifyCaseExport(std::string(100, '[') + std::string(100, ']'), *key_, "C-42").verification.code(),
            StatusCode::kDataLoss);
}

}  // namespace
}  // namespace facetrail::auditor
