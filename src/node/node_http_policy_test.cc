// Policy refusals and the role matrix over real HTTP on loopback, against a node with real
// stores and no face engine: every refusal here happens before a face would be compared,
// and each must come with a clear 4xx and its own audit entry.
#include <gtest/gtest.h>

#include "node/node_testutil.h"

namespace facetrail::node {
namespace {

using namespace testing;  // NOLINT

// A syntactically valid probe: the refusals under test happen before any decoding.
const std::string kProbe = "\xff\xd8\xff\xe0 not decoded in these tests";

class NodePolicyTest : public ::testing::Test {
 protected:
  void SetUp() override { node_ = std::make_unique<NodeHarness>(NodeHarness::Options{}); }

  // POSTs a verify and returns (status, body).
  httplib::Result Verify(const std::string& user, const json& body) {
    return node_->Client(user).Post("/v1/verify", body.dump(), "application/json");
  }

  // Replaces the node with one whose policy allows 3 queries an hour and 10 a day per
  // officer, and returns a verify body that passes the gate (then 503: no engine).
  json RateLimitedNodeAndBody() {
    node_.reset();
    NodeHarness::Options o;
    o.policy = TestPolicy(1, /*per_hour=*/3, /*per_day=*/10);
    node_ = std::make_unique<NodeHarness>(o);
    json b = ProbeBody(kProbe, "robbery", "C-9");
    b["identity_id"] = "someone";
    return b;
  }

  // The response is `status` and names an audit entry of `type` with outcome "denied"
  // whose reason contains `reason`.
  void ExpectDeniedAndAudited(const httplib::Result& r, int status, std::string_view type,
                              std::string_view reason) {
    ASSERT_TRUE(r) << "no response";
    EXPECT_EQ(r->status, status) << r->body;
    json body = BodyJson(r);
    ASSERT_TRUE(body.contains("error")) << r->body;
    std::string message = body["error"]["message"].get<std::string>();
    EXPECT_NE(message.find(reason), std::string::npos) << message;
    json entry = node_->Entry(AuditIndexIn(message));
    ASSERT_TRUE(entry.is_object()) << "no audit entry named in: " << message;
    EXPECT_EQ(entry["type"], type);
    EXPECT_EQ(entry["outcome"], "denied");
    EXPECT_NE(entry["reason"].get<std::string>().find(reason), std::string::npos) << entry.dump();
  }

  std::unique_ptr<NodeHarness> node_;
};

TEST_F(NodePolicyTest, QueryWithoutPurposeIsRefusedAndAudited) {
  json b = ProbeBody(kProbe, "", "C-1");
  b["identity_id"] = "someone";
  ExpectDeniedAndAudited(Verify("officer1", b), 400, "query.verify", "purpose is required");
}

TEST_F(NodePolicyTest, QueryWithoutCaseNumberIsRefusedAndAudited) {
  json b = ProbeBody(kProbe, "robbery", "");
  b["identity_id"] = "someone";
  ExpectDeniedAndAudited(Verify("officer1", b), 400, "query.verify", "case_number is required");
}

TEST_F(NodePolicyTest, SearchWithoutLegalAuthorityIsRefusedAndAudited) {
  auto r = node_->Client("officer1").Post("/v1/search", ProbeBody(kProbe, "robbery", "C-1").dump(),
                                          "application/json");
  ExpectDeniedAndAudited(r, 400, "query.search", "legal_authority is required");
}

TEST_F(NodePolicyTest, PurposeNotInPolicyIsRefusedAndAudited) {
  json b = ProbeBody(kProbe, "shoplifting", "C-1");
  b["identity_id"] = "someone";
  ExpectDeniedAndAudited(Verify("officer1", b), 403, "query.verify", "purpose 'shoplifting' is not allowed");
}

TEST_F(NodePolicyTest, ExpiredTrainingIsRefusedAndAudited) {
  ASSERT_TRUE(node_->service()->AttestTraining("officer2", "short-course", 1).ok());
  node_->clock().AdvanceSeconds(2 * 86400);
  json b = ProbeBody(kProbe, "robbery", "C-1");
  b["identity_id"] = "someone";
  ExpectDeniedAndAudited(Verify("officer2", b), 403, "query.verify", "training attestation expired");
}

TEST_F(NodePolicyTest, OverTheRateLimitIsRefusedAndAudited) {
  json b = RateLimitedNodeAndBody();
  for (int i = 0; i < 3; ++i) {
    auto r = Verify("officer1", b);
    ASSERT_TRUE(r);
    // Admitted by the policy; this node has no engine, so it answers 503 after the gate.
    EXPECT_EQ(r->status, 503) << r->body;
  }
  auto r = Verify("officer1", b);
  ExpectDeniedAndAudited(r, 429, "query.verify", "");
  EXPECT_EQ(r->get_header_value("Retry-After"), "60");
  // Another officer has their own window.
  auto other = Verify("officer2", b);
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 503) << other->body;
  // An hour later the window has moved on.
  node_->clock().AdvanceSeconds(3601);
  auto later = Verify("officer1", b);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 503) << later->body;
}

TEST_F(NodePolicyTest, RateLimitWindowsSurviveARestart) {
  json b = RateLimitedNodeAndBody();
  // Refused before the rate check: does not count, and says so by omission.
  json no_purpose = b;
  no_purpose.erase("purpose");
  ExpectDeniedAndAudited(Verify("officer1", no_purpose), 400, "query.verify", "");
  EXPECT_FALSE(node_->LastEntry()["details"].contains("rate_counted"));
  for (int i = 0; i < 3; ++i) {
    auto r = Verify("officer1", b);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 503) << r->body;  // admitted, then no engine: counted all the same
    EXPECT_EQ(node_->LastEntry()["details"]["rate_counted"], true);
    node_->clock().AdvanceSeconds(60);
  }
  auto one = Verify("officer2", b);
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 503) << one->body;

  node_->Close();
  node_->Open();
  // The restarted node read the three counted queries back from its log.
  auto r = Verify("officer1", b);
  ExpectDeniedAndAudited(r, 429, "query.verify", "");
  EXPECT_NE(BodyJson(r)["error"]["message"].get<std::string>().find("hourly query limit of 3"),
            std::string::npos) << r->body;
  auto other = Verify("officer2", b);  // one of three used before the restart
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 503) << other->body;
  // The window still slides: an hour after the first query, one more is allowed.
  node_->clock().AdvanceSeconds(3600 - 3 * 60 + 1);
  auto later = Verify("officer1", b);
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 503) << later->body;
  EXPECT_EQ(Verify("officer1", b)->status, 429);
}

TEST_F(NodePolicyTest, RevokedTokenIsRefusedAndAudited) {
  json b = ProbeBody(kProbe, "robbery", "C-1");
  b["identity_id"] = "someone";
  ASSERT_TRUE(node_->service()->RevokeUser("officer1").ok());
  ExpectDeniedAndAudited(Verify("officer1", b), 401, "auth.failure", "");
  json entry = node_->LastEntry();
  EXPECT_EQ(entry["details"]["token_present"], true);
  // The token itself never reaches the log.
  for (uint64_t i = 0; i < node_->LogSize(); ++i) {
    auto e = node_->service()->log()->Entry(i);
    ASSERT_TRUE(e.ok());
    EXPECT_EQ(e->find(node_->token("officer1")), std::string::npos);
  }
}

TEST_F(NodePolicyTest, TamperedPolicyBundleIsRefusedAndAudited) {
  std::string bundle = SignBundle(TestPolicy(2, 5000, 50000), node_->authority());
  auto at = bundle.find("\"per_officer_per_hour\":5000");
  ASSERT_NE(at, std::string::npos) << bundle;
  std::string tampered = bundle;
  tampered.replace(at, 27, "\"per_officer_per_hour\":9000");
  auto r = node_->Client("admin1").Put("/v1/policy", tampered, "text/plain");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400) << r->body;
  EXPECT_NE(r->body.find("policy bundle refused"), std::string::npos) << r->body;
  json entry = node_->LastEntry();
  EXPECT_EQ(entry["type"], "policy.install");
  EXPECT_EQ(entry["outcome"], "denied");
  // The operator's path refuses it too, and the serial-1 policy stays in force.
  EXPECT_FALSE(node_->service()->InstallPolicyAsOperator(tampered).ok());
  EXPECT_EQ(node_->service()->CurrentPolicy()->serial, 1u);
  // A policy signed by another key is refused the same way.
  auto other_key = note::GenerateKey("other.authority");
  ASSERT_TRUE(other_key.ok());
  auto other = note::Ed25519Signer::FromKey(other_key->private_key);
  ASSERT_TRUE(other.ok());
  auto r2 = node_->Client("admin1").Put("/v1/policy", SignBundle(TestPolicy(2), **other), "text/plain");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 400) << r2->body;
  // The genuine bundle installs.
  auto ok = node_->Client("admin1").Put("/v1/policy", bundle, "text/plain");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
  EXPECT_EQ(node_->service()->CurrentPolicy()->serial, 2u);
}

TEST_F(NodePolicyTest, NoPolicyMeansNoQueries) {
  node_.reset();
  NodeHarness::Options o;
  o.install_policy = false;
  node_ = std::make_unique<NodeHarness>(o);
  json b = ProbeBody(kProbe, "robbery", "C-1");
  b["identity_id"] = "someone";
  ExpectDeniedAndAudited(Verify("officer1", b), 503, "query.verify", "no valid use policy");
  auto p = node_->Client().Get("/v1/policy");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->status, 503);
}

// ---- Every endpoint x every role ----

enum class Who { kOfficer, kReviewer, kAuditor, kEnroller, kAdmin, kNone, kBadToken };

struct Endpoint {
  std::string name;
  std::string method;
  std::string path;
  std::string body;
  std::string content_type;
  std::vector<Who> allowed;  // empty: public
};

const char* UserOf(Who w) {
  switch (w) {
    case Who::kOfficer: return "officer1";
    case Who::kReviewer: return "reviewer1";
    case Who::kAuditor: return "auditor1";
    case Who::kEnroller: return "enroller1";
    case Who::kAdmin: return "admin1";
    case Who::kNone: return "";
    case Who::kBadToken: return "ft_not-a-real-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  }
  return "";
}

TEST_F(NodePolicyTest, EveryEndpointByEveryRole) {
  json verify = ProbeBody(kProbe, "robbery", "C-M");
  verify["identity_id"] = "someone";
  json search = ProbeBody(kProbe, "robbery", "C-M", "warrant-1");
  json enrol = {{"identity_id", "p1"}, {"images", {Base64Encode(kProbe)}}};
  const std::string bundle = SignBundle(TestPolicy(1), node_->authority());
  const std::string lead = "L-0123456789abcdef";
  using W = Who;
  const std::vector<Endpoint> endpoints = {
      {"healthz", "GET", "/healthz", "", "", {}},
      {"metrics", "GET", "/metrics", "", "", {}},
      {"verify", "POST", "/v1/verify", verify.dump(), "application/json", {W::kOfficer}},
      {"search", "POST", "/v1/search", search.dump(), "application/json", {W::kOfficer}},
      {"leads", "GET", "/v1/leads?state=pending", "", "", {W::kReviewer, W::kAuditor, W::kAdmin}},
      {"lead_probe", "GET", "/v1/leads/" + lead + "/probe", "", "", {W::kReviewer, W::kAuditor, W::kAdmin}},
      {"lead_reference", "GET", "/v1/leads/" + lead + "/reference", "", "",
       {W::kReviewer, W::kAuditor, W::kAdmin}},
      {"decision", "POST", "/v1/leads/" + lead + "/decisions",
       json{{"decision", "confirm"}, {"note", "same person"}}.dump(), "application/json", {W::kReviewer}},
      {"enrol", "POST", "/v1/identities", enrol.dump(), "application/json", {W::kEnroller}},
      {"delete", "DELETE", "/v1/identities/p1", "", "", {W::kEnroller, W::kAdmin}},
      {"checkpoint", "GET", "/v1/audit/checkpoint", "", "", {}},
      {"log_key", "GET", "/v1/audit/key", "", "", {}},
      {"hash_tile", "GET", "/v1/audit/tile/0/000.p/1", "", "", {}},
      {"entry_tile", "GET", "/v1/audit/tile/entries/000.p/1", "", "", {W::kAuditor, W::kAdmin}},
      {"entry", "GET", "/v1/audit/entries/0", "", "", {W::kAuditor, W::kAdmin}},
      {"case_export", "GET", "/v1/cases/C-M/export", "", "", {W::kAuditor, W::kAdmin}},
      {"report", "GET", "/v1/report", "", "", {}},
      {"report_signed", "GET", "/v1/report/signed", "", "", {}},
      {"report_key", "GET", "/v1/report/key", "", "", {}},
      {"policy_get", "GET", "/v1/policy", "", "", {}},
      {"policy_put", "PUT", "/v1/policy", bundle, "text/plain", {W::kAdmin}},
  };
  const std::vector<Who> everyone = {W::kOfficer, W::kReviewer, W::kAuditor, W::kEnroller,
                                     W::kAdmin,   W::kNone,     W::kBadToken};
  for (const Endpoint& ep : endpoints) {
    for (Who w : everyone) {
      const bool is_public = ep.allowed.empty();
      const bool allowed =
          is_public || std::find(ep.allowed.begin(), ep.allowed.end(), w) != ep.allowed.end();
      const std::string who = UserOf(w);
      SCOPED_TRACE(ep.name + " as " + (who.empty() ? "no token" : who));
      const uint64_t before = node_->LogSize();
      httplib::Client c = node_->Client(who);
      httplib::Result r = ep.method == "GET"    ? c.Get(ep.path.c_str())
                          : ep.method == "POST" ? c.Post(ep.path.c_str(), ep.body, ep.content_type.c_str())
                          : ep.method == "PUT"  ? c.Put(ep.path.c_str(), ep.body, ep.content_type.c_str())
                                                : c.Delete(ep.path.c_str());
      ASSERT_TRUE(r) << "no response";
      if (allowed) {
        EXPECT_NE(r->status, 401) << r->body;
        EXPECT_NE(r->status, 403) << r->body;
        if (!is_public) {
          // Past authorisation: no denial of this caller was recorded.
          for (uint64_t i = before; i < node_->LogSize(); ++i) {
            json e = node_->Entry(static_cast<int64_t>(i));
            EXPECT_NE(e["type"], "auth.failure") << e.dump();
            EXPECT_NE(e["type"], "access.denied") << e.dump();
          }
        }
      } else {
        const bool authenticated = w != W::kNone && w != W::kBadToken;
        EXPECT_EQ(r->status, authenticated ? 403 : 401) << r->body;
        ASSERT_GT(node_->LogSize(), before) << "denial not audited";
        json e = node_->LastEntry();
        EXPECT_EQ(e["type"], authenticated ? "access.denied" : "auth.failure") << e.dump();
        EXPECT_EQ(e["outcome"], "denied");
        if (authenticated) {
          EXPECT_EQ(e["actor"]["id"], who);
        } else {
          EXPECT_EQ(r->get_header_value("WWW-Authenticate"), "Bearer");
        }
      }
    }
  }
}

// ---- Bad input: none of it may crash the node ----

class NodeBadInputTest : public NodePolicyTest {
 protected:
  void SetUp() override {
    NodeHarness::Options o;
    o.max_body_bytes = 256 << 10;
    node_ = std::make_unique<NodeHarness>(o);
  }
  void ExpectAlive() {
    auto r = node_->Client().Get("/healthz");
    ASSERT_TRUE(r) << "node stopped answering";
    EXPECT_EQ(r->status, 200);
  }
  void ExpectError(const httplib::Result& r, int status, std::string_view text) {
    ASSERT_TRUE(r) << "no response";
    EXPECT_EQ(r->status, status) << r->body;
    json body = BodyJson(r);
    ASSERT_TRUE(body.is_object() && body.contains("error")) << r->body;
    EXPECT_NE(body["error"]["message"].get<std::string>().find(text), std::string::npos) << r->body;
  }
};

TEST_F(NodeBadInputTest, BodyOverTheLimitIs413) {
  json b = ProbeBody(std::string(300 << 10, 'x'), "robbery", "C-1");
  b["identity_id"] = "someone";
  auto r = Verify("officer1", b);
  ASSERT_TRUE(r) << "no response";
  EXPECT_EQ(r->status, 413) << r->body;
  ExpectAlive();
}

TEST_F(NodeBadInputTest, WrongContentTypeIs415) {
  auto r = node_->Client("officer1").Post("/v1/verify", "image bytes", "image/jpeg");
  ExpectError(r, 415, "application/json");
  auto r2 = node_->Client("enroller1").Post("/v1/identities", "{}", "text/plain");
  ExpectError(r2, 415, "application/json");
  auto r3 = node_->Client("admin1").Put("/v1/policy", "{}", "application/json");
  ExpectError(r3, 415, "text/plain");
  ExpectAlive();
}

TEST_F(NodeBadInputTest, MalformedJsonIs400) {
  httplib::Client c = node_->Client("officer1");
  ExpectError(c.Post("/v1/verify", "{\"purpose\": ", "application/json"), 400, "not valid JSON");
  ExpectError(c.Post("/v1/verify", "[1,2,3]", "application/json"), 400, "not a JSON object");
  ExpectError(c.Post("/v1/verify", std::string(100, '[') + std::string(100, ']'), "application/json"),
              400, "nested too deeply");
  ExpectError(c.Post("/v1/verify", R"({"image": "@@not base64@@", "purpose": "robbery"})",
                     "application/json"),
              400, "image");
  ExpectError(c.Post("/v1/verify", R"({"image": 42})", "application/json"), 400, "base64");
  ExpectError(c.Post("/v1/verify", R"({"purpose": "robbery"})", "application/json"), 400,
              "probe image is required");
  ExpectError(c.Post("/v1/verify", R"({"image": "AAAA", "purpose": ["robbery"]})", "application/json"),
              400, "purpose must be a string");
  ExpectError(c.Post("/v1/verify", "{\"image\": \"AAAA\", \"purpose\": \"\xff\xfe\"}", "application/json"),
              400, "");
  httplib::Client rv = node_->Client("reviewer1");
  ExpectError(rv.Post("/v1/leads/L-0123456789abcdef/decisions", R"({"decision": "maybe"})",
                      "application/json"),
              400, "decision must be");
  ExpectError(rv.Get("/v1/leads?state=sideways"), 400, "");
  ExpectAlive();
}

TEST_F(NodeBadInputTest, UnknownRoutesAndHostileParameters) {
  httplib::Client c = node_->Client("auditor1");
  auto r = c.Get("/v1/audit/entries/99999999999999999999");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  auto r2 = c.Get("/v1/audit/entries/1000000");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 404) << r2->body;
  auto r3 = c.Get("/v1/audit/tile/../../node.key");
  ASSERT_TRUE(r3);
  EXPECT_NE(r3->status, 200) << r3->body;
  EXPECT_EQ(r3->body.find("PRIVATE"), std::string::npos);
  auto r4 = c.Get("/v1/cases/%00%01/export");
  ASSERT_TRUE(r4);
  EXPECT_GE(r4->status, 400);
  EXPECT_LT(r4->status, 500) << r4->body;
  ExpectAlive();
}

}  // namespace
}  // namespace facetrail::node
