// End to end over real HTTP on loopback with the real face engine and real LFW images:
// enrol, verify (same and different person), search, two reviewers confirm a lead and one
// rejects another, the auditor exports the case and checks every record's inclusion proof,
// and at the end the whole log verifies. Corrupt and hostile images are refused with 422.
// Skips with a message when the models or FACETRAIL_DATA are absent.
#include <gtest/gtest.h>

#include "core/env.h"
#include "facetrail/log_store.h"
#include "facetrail/merkle.h"
#include "facetrail/signed_report.h"
#include "node/node_testutil.h"

namespace facetrail::node {
namespace {

using namespace testing;  // NOLINT

constexpr int kGallery = 8;           // LFW identities enrolled
constexpr int kCalibrationFaces = 90;  // single-image identities -> 4,005 impostor pairs

class NodeE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!fs::exists(DataDir() / "lfw-dev" / "identities.csv")) {
      skip_ = "no LFW data at " + (DataDir() / "lfw-dev").string() + " (set FACETRAIL_DATA)";
      return;
    }
    if (!vision::testing::HaveModels()) {
      skip_ = "no converted models at " + ModelsDir().string() + " (run scripts/setup.sh)";
      return;
    }
    EngineOptions eo;
    eo.models_dir = ModelsDir().string();
    auto engine = Engine::Create(eo);
    if (!engine.ok()) {
      skip_ = "engine unavailable: " + engine.status().ToString();
      return;
    }
    engine_ = engine->release();
    auto cal = MeasureCalibration(*engine_, kCalibrationFaces);
    ASSERT_TRUE(cal.ok()) << cal.status().ToString();
    calibration_ = cal->release();
    for (const LfwIdentity& id : LfwIdentities()) {
      if (id.images >= 2 && static_cast<int>(gallery_ids_.size()) < kGallery) gallery_ids_.push_back(id);
    }
  }
  static void TearDownTestSuite() {
    delete calibration_;
    delete engine_;
    calibration_ = nullptr;
    engine_ = nullptr;
  }

  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
    NodeHarness::Options o;
    o.engine = engine_;
    o.calibration = calibration_;
    node_ = std::make_unique<NodeHarness>(o);
  }

  // Enrols every gallery identity from its first image (one by multipart, the rest JSON).
  void EnrolGallery() {
    httplib::Client c = node_->Client("enroller1");
    for (size_t i = 0; i < gallery_ids_.size(); ++i) {
      const LfwIdentity& id = gallery_ids_[i];
      std::string image = ReadFileOrEmpty(id.Image(1));
      ASSERT_FALSE(image.empty()) << id.Image(1);
      httplib::MultipartFormDataItems items = {
          {"identity_id", id.name, "", ""},
          {"record_ref", "booking/" + std::to_string(i), "", ""},
          {"images", image, "ref.jpg", "image/jpeg"}};
      json b = {{"identity_id", id.name}, {"record_ref", "booking/" + std::to_string(i)},
                {"images", {Base64Encode(image)}}};
      httplib::Result r = i == 0 ? c.Post("/v1/identities", items)
                                 : c.Post("/v1/identities", b.dump(), "application/json");
      ASSERT_TRUE(r);
      ASSERT_EQ(r->status, 201) << id.name << ": " << r->body;
      json body = BodyJson(r);
      EXPECT_EQ(body["identity_id"], id.name);
      EXPECT_EQ(body["templates_added"], 1);
      json entry = node_->Entry(body["audit_index"].get<int64_t>());
      EXPECT_EQ(entry["type"], "identity.enrol");
      EXPECT_EQ(entry["details"]["identity"], id.name);
      // The log names the image by hash, never holds it.
      EXPECT_EQ(entry["details"]["image_sha256"][0], Sha256Hex(image));
    }
  }

  json VerifyCall(const std::string& identity, const std::string& image, const std::string& case_number) {
    json b = ProbeBody(image, "robbery", case_number);
    b["identity_id"] = identity;
    auto r = node_->Client("officer1").Post("/v1/verify", b.dump(), "application/json");
    EXPECT_TRUE(r);
    if (!r) return json();
    EXPECT_EQ(r->status, 200) << r->body;
    return BodyJson(r);
  }

  json SearchCall(const std::string& image, const std::string& case_number) {
    auto r = node_->Client("officer1").Post(
        "/v1/search", ProbeBody(image, "robbery", case_number, "warrant W-77").dump(), "application/json");
    EXPECT_TRUE(r);
    if (!r) return json();
    EXPECT_EQ(r->status, 200) << r->body;
    return BodyJson(r);
  }

  json Decide(const std::string& reviewer, const std::string& lead, const std::string& decision,
              int status = 200) {
    auto r = node_->Client(reviewer).Post("/v1/leads/" + lead + "/decisions",
                                          json{{"decision", decision}, {"note", "compared ears and brow"}}.dump(),
                                          "application/json");
    EXPECT_TRUE(r);
    if (!r) return json();
    EXPECT_EQ(r->status, status) << r->body;
    return BodyJson(r);
  }

  static inline Engine* engine_ = nullptr;
  static inline MeasuredCalibration* calibration_ = nullptr;
  static inline std::vector<LfwIdentity> gallery_ids_;
  static inline std::string skip_;
  std::unique_ptr<NodeHarness> node_;
};

TEST_F(NodeE2eTest, EnrolVerifySearchReviewExportAndVerifyTheLog) {
  EnrolGallery();
  const std::string kCase = "2026-RB-0042";

  // 1:1 verify: each identity against a second photo of the same person, and against the
  // next identity's photo.
  int matches = 0, false_matches = 0;
  float min_same = 2, max_diff = -2;
  for (size_t i = 0; i < gallery_ids_.size(); ++i) {
    std::string second = ReadFileOrEmpty(gallery_ids_[i].Image(2));
    json same = VerifyCall(gallery_ids_[i].name, second, kCase);
    json diff = VerifyCall(gallery_ids_[(i + 1) % gallery_ids_.size()].name, second, kCase);
    ASSERT_TRUE(same.is_object() && diff.is_object());
    matches += same["result"] == "match";
    false_matches += diff["result"] == "match";
    min_same = std::min(min_same, same["score"].get<float>());
    max_diff = std::max(max_diff, diff["score"].get<float>());
    EXPECT_EQ(same["label"], "investigative lead - not a basis for arrest");
    EXPECT_GT(same["estimated_fmr"].get<double>(), 0.0);
    json entry = node_->Entry(same["audit_index"].get<int64_t>());
    EXPECT_EQ(entry["type"], "query.verify");
    EXPECT_EQ(entry["details"]["case_number"], kCase);
    EXPECT_EQ(entry["details"]["probe_sha256"], Sha256Hex(second));
    EXPECT_EQ(entry["details"]["result"], same["result"]);
  }
  // Measured on these LFW pairs with mobilefacenet; the node must reproduce the engine's
  // separation, not invent it.
  EXPECT_GE(matches, kGallery - 2) << "min genuine score " << min_same;
  EXPECT_EQ(false_matches, 0) << "max impostor score " << max_diff;

  // 1:N search with a second photo: the right person must come back as a pending lead.
  std::vector<std::string> leads_for;  // identity of each found rank-1 lead
  std::vector<std::string> lead_ids;
  std::vector<std::string> lead_probes;
  for (size_t i = 0; i < gallery_ids_.size() && lead_ids.size() < 2; ++i) {
    const std::string probe = ReadFileOrEmpty(gallery_ids_[i].Image(2));
    json s = SearchCall(probe, kCase);
    ASSERT_TRUE(s.is_object());
    if (s["result"] != "candidates") continue;
    EXPECT_EQ(s["candidates"][0]["rank"], 1);
    if (s["candidates"][0]["identity"] != gallery_ids_[i].name) continue;
    lead_ids.push_back(s["candidates"][0]["lead_id"].get<std::string>());
    leads_for.push_back(gallery_ids_[i].name);
    lead_probes.push_back(probe);
    json entry = node_->Entry(s["audit_index"].get<int64_t>());
    EXPECT_EQ(entry["type"], "query.search");
    EXPECT_EQ(entry["details"]["legal_authority"], "warrant W-77");
    EXPECT_EQ(entry["details"]["candidates"][0]["lead_id"], lead_ids.back());
  }
  ASSERT_EQ(lead_ids.size(), 2u) << "fewer than two correct rank-1 leads from " << kGallery << " searches";

  // A search for someone not enrolled is on record too, whatever it returned.
  json stranger = SearchCall(ReadFileOrEmpty(LfwIdentities()[0].Image(1)), kCase);
  ASSERT_TRUE(stranger.is_object());
  const int64_t stranger_index = stranger["audit_index"].get<int64_t>();

  // Review: blind, and the officer can never review their own query.
  {
    auto r = node_->Client("reviewer1").Get("/v1/leads?state=pending");
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 200);
    json leads = BodyJson(r)["leads"];
    bool seen = false;
    for (const json& l : leads) seen |= l["lead_id"] == lead_ids[0];
    EXPECT_TRUE(seen) << leads.dump();
    auto probe = node_->Client("reviewer1").Get("/v1/leads/" + lead_ids[0] + "/probe");
    ASSERT_TRUE(probe);
    EXPECT_EQ(probe->status, 200);
    EXPECT_EQ(probe->body, lead_probes[0]);  // kept for review while the lead is pending
    auto ref = node_->Client("reviewer1").Get("/v1/leads/" + lead_ids[0] + "/reference");
    ASSERT_TRUE(ref);
    EXPECT_EQ(ref->status, 200);
    EXPECT_EQ(ref->get_header_value("Content-Type"), "image/jpeg");
  }
  auto own = node_->Client("officer1").Post("/v1/leads/" + lead_ids[0] + "/decisions",
                                            R"({"decision":"confirm"})", "application/json");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 403);

  json d1 = Decide("reviewer1", lead_ids[0], "confirm");
  EXPECT_EQ(d1["state"], "pending");
  {
    // reviewer2 sees the lead still pending and nobody's decision.
    auto r = node_->Client("reviewer2").Get("/v1/leads?state=pending");
    ASSERT_TRUE(r);
    const json body = BodyJson(r);  // keep it alive: a range-for over a temporary's member dangles
    for (const json& l : body["leads"]) {
      if (l["lead_id"] != lead_ids[0]) continue;
      EXPECT_EQ(l["decided_by_me"], false);
      EXPECT_TRUE(l["decisions"].empty()) << l.dump();
    }
  }
  Decide("reviewer1", lead_ids[0], "confirm", 409);  // a reviewer decides once
  json d2 = Decide("reviewer2", lead_ids[0], "confirm");
  EXPECT_EQ(d2["state"], "confirmed");
  json d3 = Decide("reviewer3", lead_ids[1], "reject");
  EXPECT_EQ(d3["state"], "rejected");

  // Export the case: every record proves inclusion in the export's checkpoint.
  auto ex = node_->Client("auditor1").Get("/v1/cases/" + kCase + "/export");
  ASSERT_TRUE(ex);
  ASSERT_EQ(ex->status, 200) << ex->body;
  json x = BodyJson(ex);
  const uint64_t size = x["checkpoint"]["size"].get<uint64_t>();
  auto root_bytes = Base64Decode(x["checkpoint"]["root"].get<std::string>());
  ASSERT_TRUE(root_bytes.ok());
  merkle::Hash root{};
  ASSERT_EQ(root_bytes->size(), root.size());
  std::copy(root_bytes->begin(), root_bytes->end(), root.begin());
  std::map<std::string, int> types;
  bool has_stranger = false;
  for (const json& rec : x["records"]) {
    const uint64_t index = rec["index"].get<uint64_t>();
    auto stored = node_->service()->log()->Entry(index);
    ASSERT_TRUE(stored.ok());
    // The export's entry is the logged entry; re-serialise canonically and hash it.
    const std::string text = rec["entry"].dump(-1, ' ', true);
    EXPECT_EQ(text, *stored);
    std::vector<merkle::Hash> proof;
    for (const json& h : rec["inclusion_proof"]) {
      auto b = Base64Decode(h.get<std::string>());
      ASSERT_TRUE(b.ok());
      merkle::Hash hh{};
      ASSERT_EQ(b->size(), hh.size());
      std::copy(b->begin(), b->end(), hh.begin());
      proof.push_back(hh);
    }
    Status ok = merkle::VerifyInclusion(merkle::HashLeaf(text), index, size, proof, root);
    EXPECT_TRUE(ok.ok()) << "record " << index << ": " << ok.ToString();
    // A proof for another entry's text must fail.
    EXPECT_FALSE(merkle::VerifyInclusion(merkle::HashLeaf(text + " "), index, size, proof, root).ok());
    types[rec["entry"]["type"].get<std::string>()]++;
    has_stranger |= static_cast<int64_t>(index) == stranger_index;
  }
  EXPECT_EQ(types["query.verify"], 2 * kGallery);
  EXPECT_GE(types["query.search"], 3);
  EXPECT_GE(types["lead.decision"], 3);
  EXPECT_TRUE(has_stranger) << "the search of a stranger is missing from the export";
  bool confirmed = false, rejected = false;
  for (const json& l : x["leads"]) {
    confirmed |= l["lead_id"] == lead_ids[0] && l["state"] == "confirmed" && l["decisions"].size() == 2;
    rejected |= l["lead_id"] == lead_ids[1] && l["state"] == "rejected";
  }
  EXPECT_TRUE(confirmed && rejected) << x["leads"].dump();

  // One entry with its proof, as the auditor page fetches it.
  auto e = node_->Client("auditor1").Get("/v1/audit/entries/" + std::to_string(stranger_index));
  ASSERT_TRUE(e);
  ASSERT_EQ(e->status, 200);
  json ej = BodyJson(e);
  EXPECT_EQ(ej["leaf_hash"], Base64Encode(AsStringView(merkle::HashLeaf(ej["entry"].get<std::string>()))));

  // Deleting an identity is audited; it no longer verifies.
  auto del = node_->Client("enroller1").Delete("/v1/identities/" + gallery_ids_[2].name);
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;
  json gone = ProbeBody(ReadFileOrEmpty(gallery_ids_[2].Image(2)), "robbery", kCase);
  gone["identity_id"] = gallery_ids_[2].name;
  auto g = node_->Client("officer1").Post("/v1/verify", gone.dump(), "application/json");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->status, 404) << g->body;

  // The report counts what happened.
  auto rep = node_->Client().Get("/v1/report");
  ASSERT_TRUE(rep);
  json rj = BodyJson(rep);
  EXPECT_EQ(rj["leads"]["confirmed"], 1);
  EXPECT_EQ(rj["gallery"]["identities"], kGallery - 1);
  // The signed report says the same and verifies under the key the node publishes (and
  // not under its log key).
  auto signed_rep = node_->Client().Get("/v1/report/signed");
  auto report_key = node_->Client().Get("/v1/report/key");
  ASSERT_TRUE(signed_rep && report_key);
  auto rk = note::Ed25519Verifier::FromKey(report_key->body.substr(0, report_key->body.find('\n')));
  ASSERT_TRUE(rk.ok()) << report_key->body;
  auto opened = report::OpenSignedReport(signed_rep->body, **rk);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString() << "\n" << signed_rep->body;
  json sj = json::parse(*opened);
  EXPECT_EQ(sj["leads"], rj["leads"]);
  EXPECT_EQ(sj["usage"], rj["usage"]);
  EXPECT_TRUE(sj["generated_at"].is_string());
  auto lk = note::Ed25519Verifier::FromKey(node_->service()->LogVerifierKey());
  ASSERT_TRUE(lk.ok());
  EXPECT_FALSE(report::OpenSignedReport(signed_rep->body, **lk).ok());
  // Named after the log it reports on, whatever the options said at first start.
  EXPECT_EQ((*rk)->name(), (*lk)->name() + "/report");

  // Per-stage timings (request_trace.h) are exported for the requests above: every verify
  // ran the engine and appended its audit entry; searches with candidates stored leads.
  auto m = node_->Client().Get("/metrics");
  ASSERT_TRUE(m);
  auto stage_value = [&](const char* what, const std::string& route, const std::string& stage) {
    const std::string key = std::string("facetrail_request_stage_seconds_") + what + "{route=\"" +
                            route + "\",stage=\"" + stage + "\"} ";
    size_t at = m->body.find(key);
    return at == std::string::npos ? -1.0 : std::stod(m->body.substr(at + key.size()));
  };
  auto stage_count = [&](const std::string& route, const std::string& stage) {
    return stage_value("count", route, stage);
  };
  EXPECT_GE(stage_count("verify", "engine"), 2.0 * static_cast<double>(gallery_ids_.size()));
  EXPECT_GE(stage_count("verify", "audit_append"), 2.0 * static_cast<double>(gallery_ids_.size()));
  EXPECT_GE(stage_count("verify", "server_total"), stage_count("verify", "engine"));
  EXPECT_GE(stage_count("search", "leads"), 2.0);
  EXPECT_GE(stage_count("search", "parse"), 2.0);
  // "exchange" (first request byte read -> last response byte sent) covers every routed
  // request, and contains the handler's own total.
  EXPECT_EQ(stage_count("verify", "exchange"), stage_count("verify", "server_total"));
  EXPECT_GE(stage_value("sum", "verify", "exchange"), stage_value("sum", "verify", "server_total"));

  // The log verifies live, and from disk after a clean shutdown; a restart keeps it all.
  EXPECT_TRUE(node_->service()->log()->Verify().ok());
  const uint64_t size_before = node_->LogSize();
  const std::string vkey = node_->service()->LogVerifierKey();
  node_->Close();
  auto verifier = note::Ed25519Verifier::FromKey(vkey);
  ASSERT_TRUE(verifier.ok());
  auto report = VerifyLogDirectory(Env::Default(), (node_->dir() / "audit").string(), **verifier);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->entries, size_before);
  node_->Open();
  EXPECT_EQ(node_->LogSize(), size_before + 1);  // + node.start
  EXPECT_EQ(node_->LastEntry()["type"], "node.start");
}

// Crafts a PNG whose header claims `width` x `height` (a decompression bomb's header).
std::string PngHeader(uint32_t width, uint32_t height) {
  auto be32 = [](uint32_t v) {
    return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                       static_cast<char>(v >> 8), static_cast<char>(v)};
  };
  std::string ihdr = "IHDR" + be32(width) + be32(height) + std::string("\x08\x02\x00\x00\x00", 5);
  uint32_t crc = 0xffffffffu;  // CRC-32 (PNG, ISO 3309), bitwise
  for (unsigned char c : ihdr) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  crc ^= 0xffffffffu;
  std::string png = "\x89PNG\r\n\x1a\n";
  png += be32(13) + ihdr + be32(crc);
  std::string idat = "IDAT" + std::string(64, '\0');
  png += be32(64) + idat + be32(0);
  return png;
}

TEST_F(NodeE2eTest, CorruptAndHostileImagesAre422AndAudited) {
  EnrolGallery();
  const std::string real = ReadFileOrEmpty(gallery_ids_[0].Image(2));
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"random bytes", std::string(4096, '\x5a')},
      {"truncated JPEG", real.substr(0, real.size() / 3)},
      {"PNG claiming 100000x100000", PngHeader(100000, 100000)},
      {"PNG claiming 0x0", PngHeader(0, 0)},
      {"empty", ""},
  };
  for (const auto& [what, bytes] : bad) {
    SCOPED_TRACE(what);
    json b = ProbeBody(bytes, "robbery", "C-422");
    b["identity_id"] = gallery_ids_[0].name;
    auto r = node_->Client("officer1").Post("/v1/verify", b.dump(), "application/json");
    ASSERT_TRUE(r) << "node did not answer";
    EXPECT_EQ(r->status, 422) << r->body;
    json body = BodyJson(r);
    std::string message = body["error"]["message"].get<std::string>();
    EXPECT_EQ(message.rfind("image rejected: ", 0), 0u) << message;
    json entry = node_->Entry(AuditIndexIn(message));
    EXPECT_EQ(entry["type"], "query.verify");
    EXPECT_EQ(entry["outcome"], "denied");
    EXPECT_EQ(entry["details"]["result"], "image_rejected");
    // Enrolment refuses it the same way.
    auto e = node_->Client("enroller1").Post(
        "/v1/identities", json{{"identity_id", "bad-ref"}, {"images", {Base64Encode(bytes)}}}.dump(),
        "application/json");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->status, 422) << e->body;
  }
  auto health = node_->Client().Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  // And the node still answers real queries.
  json ok = VerifyCall(gallery_ids_[0].name, real, "C-422");
  EXPECT_TRUE(ok.contains("result"));
}

}  // namespace
}  // namespace facetrail::node
