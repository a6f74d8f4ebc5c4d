// Signed accountability reports: the format (facetrail/signed_report.h) and the hub's
// handling of them (docs/hub.md "Reports"): a report is verified under the agency's
// node_key, an agency with a node_key can no longer file unsigned reports, an agency
// without one files unsigned reports that the portal marks as such, and a hub.db from
// before signed reports is migrated in place.
#include <gtest/gtest.h>

#include "core/sqlite_db.h"
#include "facetrail/signed_report.h"
#include "hub/hub_testutil.h"

namespace facetrail::hub {
namespace {

using testing::HttpReply;
using testing::HubClient;
using testing::json;
using testing::Key;
using testing::TempDir;

const char kReport[] = R"({"agency":"pd-a","node":"node-1","generated_at":"2026-12-04T10:00:00.000000Z",)"
                       R"("usage":{"verify":{"robbery":{"ok:match":2}}},"model":{"id":"m","sha256":"ab"}})";

TEST(SignedReportTest, RoundTripsAndIsCanonical) {
  Key node("pd-a.example/node-1/report");
  auto signed_report = report::SignReport(kReport, *node.signer);
  ASSERT_TRUE(signed_report.ok()) << signed_report.status().ToString();
  EXPECT_EQ(signed_report->rfind("facetrail-report/v1\n{\"agency\":\"pd-a\",\"generated_at\"", 0), 0u) << *signed_report;
  auto opened = report::OpenSignedReport(*signed_report, *node.verifier);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(json::parse(*opened), json::parse(kReport));
  // Signing the canonical text again gives the same text: one report, one form.
  auto again = report::SignReport(*opened, *node.signer);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->substr(0, again->find("\n\n")), signed_report->substr(0, signed_report->find("\n\n")));
}

TEST(SignedReportTest, RefusesOtherKeysOtherFormsAndHostileInput) {
  Key node("pd-a.example/node-1/report"), other("pd-a.example/node-1/report");
  auto good = report::SignReport(kReport, *node.signer);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(report::OpenSignedReport(*good, *other.verifier).status().code(), StatusCode::kUnauthenticated);
  // Validly signed, but not the format: each is refused as malformed.
  auto sign_text = [&](const std::string& text) {
    const note::Signer* s[] = {node.signer.get()};
    return *note::Sign(text, s);
  };
  for (const std::string& text : {std::string("facetrail-report/v2\n{}\n"),
                                  std::string("facetrail-report/v1\n{\"b\":1, \"a\":2}\n"),  // not canonical
                                  std::string("facetrail-report/v1\n{\"a\":1}\n{\"b\":2}\n"),
                                  std::string("facetrail-report/v1\n[1,2]\n"),
                                  std::string("facetrail-report/v1\n\"\\u00e9\"\n"),
                                  std::string("facetrail-report/v1\n{\"a\":\"caf\xc3\xa9\"}\n"),  // not ASCII
                                  std::string("facetrail-report/v1\n") + std::string(40, '[') +
                                      std::string(40, ']') + "\n"}) {
    EXPECT_EQ(report::OpenSignedReport(sign_text(text), *node.verifier).status().code(),
              StatusCode::kInvalidArgument)
        << text;
  }
  EXPECT_FALSE(report::SignReport("not json", *node.signer).ok());
  EXPECT_FALSE(report::SignReport(std::string(report::kMaxReportBytes + 1, ' '), *node.signer).ok());
  EXPECT_FALSE(report::OpenSignedReport("", *node.verifier).ok());
  EXPECT_FALSE(report::OpenSignedReport(good->substr(0, good->size() / 2), *node.verifier).ok());
}

class HubReportsTest : public ::testing::Test {
 protected:
  void Start() {
    HubOptions o;
    o.data_dir = dir_.path() + "/hub";
    o.authority_vkey = authority_.vkey;
    o.clock = &clock_;
    auto h = HubServer::Start(o);
    ASSERT_TRUE(h.ok()) << h.status().ToString();
    hub_ = std::move(*h);
    if (!hub_->initial_admin_token().empty()) admin_ = hub_->initial_admin_token();
    client_ = std::make_unique<HubClient>(hub_->port());
  }
  void TearDown() override {
    if (hub_) hub_->Stop();
  }
  std::string Register(const std::string& id, const Key& log, const Key* node_key) {
    json body{{"id", id}, {"name", id}, {"jurisdiction", "Testshire"}, {"log_key", log.vkey},
              {"contact", "oversight@" + id + ".example"}};
    if (node_key != nullptr) body["node_key"] = node_key->vkey;
    HttpReply r = client_->Post("/hub/v1/agencies", body.dump(), admin_);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? r.Json()["agency_token"].get<std::string>() : "";
  }
  json AgencyInPortal(const std::string& id) {
    json p = client_->Get("/hub/v1/portal").Json();
    for (const json& a : p["agencies"]) {
      if (a["id"] == id) return a;
    }
    ADD_FAILURE() << "no agency " << id << " in " << p.dump();
    return json();
  }

  TempDir dir_;
  Key authority_{"authority.hub.test"};
  ManualClock clock_{1'790'000'000'000'000};
  std::unique_ptr<HubServer> hub_;
  std::unique_ptr<HubClient> client_;
  std::string admin_;
};

TEST_F(HubReportsTest, SignedWhereANodeKeyIsRegisteredUnsignedOnlyWhereNone) {
  Start();
  Key log_a("pd-a.example/log"), node_a("pd-a.example/report"), log_b("pd-b.example/log");
  const std::string token_a = Register("pd-a", log_a, &node_a);
  const std::string token_b = Register("pd-b", log_b, nullptr);
  auto signed_a = report::SignReport(kReport, *node_a.signer);
  ASSERT_TRUE(signed_a.ok());
  HttpReply r = client_->Post("/hub/v1/agencies/pd-a/report", *signed_a, token_a, "text/plain");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.Json()["signed"], true);
  EXPECT_EQ(client_->Post("/hub/v1/agencies/pd-a/report", kReport, token_a).status, 409);

  json report_b = json::parse(kReport);
  report_b["agency"] = "pd-b";
  EXPECT_EQ(client_->Post("/hub/v1/agencies/pd-b/report", report_b.dump(), token_b).status, 201);
  // Without a node_key there is nothing to check a signature against: refused, not trusted.
  auto signed_b = report::SignReport(report_b.dump(), *node_a.signer);
  EXPECT_EQ(client_->Post("/hub/v1/agencies/pd-b/report", *signed_b, token_b, "text/plain").status, 409);

  json a = AgencyInPortal("pd-a"), b = AgencyInPortal("pd-b");
  EXPECT_EQ(a["report_signed"], true) << a.dump();
  EXPECT_EQ(a["node_key"], node_a.vkey);
  EXPECT_EQ(a["reports"].back()["generated_at"], "2026-12-04T10:00:00.000000Z");
  EXPECT_EQ(b["report_signed"], false) << b.dump();
  EXPECT_TRUE(b["node_key"].is_null());
  EXPECT_EQ(b["reports"].back()["signed"], false);

  // The latest report as the node sent it: the signed note, checkable by anyone.
  HttpReply latest = client_->Get("/hub/v1/agencies/pd-a/report");
  ASSERT_EQ(latest.status, 200);
  EXPECT_EQ(latest.body, *signed_a);
  EXPECT_TRUE(report::OpenSignedReport(latest.body, *node_a.verifier).ok());
  EXPECT_EQ(client_->Get("/hub/v1/agencies/pd-b/report").Json()["agency"], "pd-b");
  EXPECT_EQ(client_->Get("/hub/v1/agencies/pd-c/report").status, 404);
}

TEST_F(HubReportsTest, SignedReportWithoutGeneratedAtIsRefused) {
  Start();
  Key log_a("pd-a.example/log"), node_a("pd-a.example/report");
  const std::string token = Register("pd-a", log_a, &node_a);
  json j = json::parse(kReport);
  j.erase("generated_at");
  auto s = report::SignReport(j.dump(), *node_a.signer);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(client_->Post("/hub/v1/agencies/pd-a/report", *s, token, "text/plain").status, 400);
}

// A hub.db written before reports were signed (no signed/note/generated_at columns): the
// hub adds the columns at start, keeps the old reports (shown as unsigned) and takes
// signed ones.
TEST_F(HubReportsTest, MigratesAHubDbFromBeforeSignedReports) {
  Start();
  Key log_a("pd-a.example/log"), node_a("pd-a.example/report");
  const std::string token = Register("pd-a", log_a, &node_a);
  hub_->Stop();
  hub_.reset();
  {
    auto db = SqliteDb::Open(dir_.path() + "/hub/hub.db", /*create=*/false, 1000);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    // Rebuild the reports table in its first form, with one report in it.
    ASSERT_TRUE((*db)->Exec("DROP TABLE reports; CREATE TABLE reports(id INTEGER PRIMARY KEY AUTOINCREMENT, "
                            "agency TEXT NOT NULL, received_at INTEGER NOT NULL, json TEXT NOT NULL); "
                            "INSERT INTO reports(agency, received_at, json) VALUES('pd-a', 1790000000, "
                            "'{\"agency\":\"pd-a\",\"usage\":{}}');")
                    .ok());
  }
  Start();
  json a = AgencyInPortal("pd-a");
  ASSERT_EQ(a["reports"].size(), 1u) << a.dump();
  EXPECT_EQ(a["reports"][0]["signed"], false);
  auto s = report::SignReport(kReport, *node_a.signer);
  EXPECT_EQ(client_->Post("/hub/v1/agencies/pd-a/report", *s, token, "text/plain").status, 201);
  a = AgencyInPortal("pd-a");
  ASSERT_EQ(a["reports"].size(), 2u);
  EXPECT_EQ(a["reports"][1]["signed"], true);
  EXPECT_EQ(a["report_signed"], true);
}

}  // namespace
}  // namespace facetrail::hub
