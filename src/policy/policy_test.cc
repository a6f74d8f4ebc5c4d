#include "facetrail/policy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace facetrail::policy {
namespace {

std::string DemoPolicyText() {
  std::ifstream in(std::string(FACETRAIL_SOURCE_DIR) + "/config/demo-policy.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Policy Demo() {
  auto p = ParsePolicyJson(DemoPolicyText());
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return *p;
}

// Replaces the first occurrence of `from` in the demo policy text.
std::string DemoWith(const std::string& from, const std::string& to) {
  std::string s = DemoPolicyText();
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return s.replace(at, from.size(), to);
}

TEST(PolicyParseTest, DemoPolicyParses) {
  Policy p = Demo();
  EXPECT_EQ(p.agency, "demo-pd");
  EXPECT_EQ(p.serial, 1u);
  EXPECT_EQ(p.purposes.size(), 4u);
  EXPECT_TRUE(p.search.legal_authority_required);
  EXPECT_DOUBLE_EQ(p.target_fmr, 1e-4);
  EXPECT_EQ(p.reviewers_required, 2);
  EXPECT_EQ(p.probe_retention_days, 0);
}

TEST(PolicyParseTest, RefusesWhatWouldWidenTheHardLines) {
  struct Case {
    std::string from, to, needle;
  } cases[] = {
      // a streaming/crowd mode does not exist and cannot be enabled
      {"\"search\": {", "\"live\": {\"allowed\": true, \"case_number_required\": true, \"legal_authority_required\": true}, \"search\": {", "modes.live"},
      {"\"legal_authority_required\": true}", "\"legal_authority_required\": false}", "legal authority"},
      {"\"case_number_required\": true, \"legal_authority_required\": false", "\"case_number_required\": false, \"legal_authority_required\": false", "case number"},
      {"\"reviewers_required\": 2", "\"reviewers_required\": 0", "reviewers_required"},
      {"\"audit_days\": 3650", "\"audit_days\": 30", "audit_days"},
      {"\"target_fmr\": 0.0001", "\"target_fmr\": 0.5", "target_fmr"},
      {"\"max_candidates\": 5", "\"max_candidates\": 500", "max_candidates"},
      {"\"serial\": 1", "\"serial\": 0", "serial"},
      {"\"liveness_required\": false", "\"liveness_required\": false, \"emotion\": true", "emotion"},
      {"\"max_candidates\": 5", "\"max_candidates\": \"5\"", "max_candidates"},
      {"\"homicide\", ", "\"homicide\", \"homicide\", ", "duplicate"},
  };
  for (const auto& c : cases) {
    auto p = ParsePolicyJson(DemoWith(c.from, c.to));
    ASSERT_FALSE(p.ok()) << c.to;
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(p.status().message().find(c.needle), std::string::npos) << p.status().message();
  }
}

TEST(PolicyParseTest, RefusesMalformedJson) {
  for (const std::string& bad : std::vector<std::string>{"", "{", "[]", "null", "{\"schema\": 1}", std::string(100, '[')}) {
    EXPECT_FALSE(ParsePolicyJson(bad).ok()) << bad;
  }
}

TEST(PolicyParseTest, CanonicalFormRoundTrips) {
  Policy p = Demo();
  std::string c = CanonicalPolicyJson(p);
  auto again = ParsePolicyJson(c);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(CanonicalPolicyJson(*again), c);
  EXPECT_EQ(c.find('\n'), std::string::npos);
  EXPECT_EQ(c.find(' '), std::string::npos);  // no insignificant white space in the demo
}

TEST(PolicyBundleTest, SignOpenAndTamper) {
  auto key = note::GenerateKey("authority.example/policy");
  ASSERT_TRUE(key.ok());
  auto signer = note::Ed25519Signer::FromKey(key->private_key);
  auto verifier = note::Ed25519Verifier::FromKey(key->verifier_key);
  ASSERT_TRUE(signer.ok() && verifier.ok());

  Policy p = Demo();
  auto bundle = SignPolicyBundle(p, **signer);
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  auto opened = OpenPolicyBundle(*bundle, **verifier);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(CanonicalPolicyJson(*opened), CanonicalPolicyJson(p));

  // Any change to the signed text is caught: widen the candidate limit.
  std::string tampered = *bundle;
  size_t at = tampered.find("\"max_candidates\":5");
  ASSERT_NE(at, std::string::npos);
  tampered.replace(at, 18, "\"max_candidates\":9");
  EXPECT_FALSE(OpenPolicyBundle(tampered, **verifier).ok());

  // A bundle signed by another key is refused.
  auto other = note::GenerateKey("authority.example/policy");
  auto other_signer = note::Ed25519Signer::FromKey(other->private_key);
  auto forged = SignPolicyBundle(p, **other_signer);
  ASSERT_TRUE(forged.ok());
  EXPECT_FALSE(OpenPolicyBundle(*forged, **verifier).ok());
}

TEST(PolicyRulesTest, CheckQuery) {
  Policy p = Demo();
  QueryContext ok{Mode::kVerify, "robbery", "2026-CR-0042", ""};
  EXPECT_TRUE(CheckQuery(p, ok).ok());

  auto code = [&](QueryContext q) { return CheckQuery(p, q).code(); };
  EXPECT_EQ(code({Mode::kVerify, "", "C-1", ""}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({Mode::kVerify, "protest-monitoring", "C-1", ""}), StatusCode::kPermissionDenied);
  EXPECT_EQ(code({Mode::kVerify, "robbery", "", ""}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({Mode::kVerify, "robbery", "C\n1", ""}), StatusCode::kInvalidArgument);
  EXPECT_EQ(code({Mode::kSearch, "robbery", "C-1", ""}), StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckQuery(p, {Mode::kSearch, "robbery", "C-1", "warrant 2026-117"}).ok());

  p.search.allowed = false;
  EXPECT_EQ(code({Mode::kSearch, "robbery", "C-1", "warrant"}), StatusCode::kPermissionDenied);
}

TEST(RateLimiterTest, HourAndDayWindows) {
  ManualClock clock;
  RateLimiter limiter(&clock);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.Acquire("officer-1", 3, 5).ok());
  Status over = limiter.Acquire("officer-1", 3, 5);
  EXPECT_EQ(over.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(over.message().find("hourly"), std::string::npos);
  EXPECT_TRUE(limiter.Acquire("officer-2", 3, 5).ok());  // limits are per officer

  clock.AdvanceSeconds(3601);
  EXPECT_TRUE(limiter.Acquire("officer-1", 3, 5).ok());
  EXPECT_TRUE(limiter.Acquire("officer-1", 3, 5).ok());
  Status daily = limiter.Acquire("officer-1", 3, 5);
  EXPECT_NE(daily.message().find("daily"), std::string::npos) << daily.message();
  clock.AdvanceSeconds(24 * 3600);
  EXPECT_TRUE(limiter.Acquire("officer-1", 3, 5).ok());
}

TEST(RateLimiterTest, RestoredQueriesCountInTheirWindows) {
  ManualClock clock;
  RateLimiter limiter(&clock);
  constexpr int64_t kMin = 60LL * 1000000, kHour = 60 * kMin;
  // Out of order, as a log scanned backwards yields them: 10 and 50 minutes ago fill the
  // hour (limit 2); 3 and 23 hours ago count only for the day; 25 hours ago not at all.
  limiter.Restore("officer-1", 50 * kMin);
  limiter.Restore("officer-1", 25 * kHour);
  limiter.Restore("officer-1", 3 * kHour);
  limiter.Restore("officer-1", 10 * kMin);
  limiter.Restore("officer-1", 23 * kHour);
  Status over = limiter.Acquire("officer-1", 2, 5);
  EXPECT_EQ(over.code(), StatusCode::kResourceExhausted);
  // The oldest query of the hour (50 minutes ago) leaves it in 10 minutes and 1 second.
  EXPECT_NE(over.message().find("hourly query limit of 2 reached; retry in 601 s"),
            std::string::npos) << over.message();
  EXPECT_TRUE(limiter.Acquire("officer-2", 2, 5).ok());

  clock.AdvanceSeconds(601);
  EXPECT_TRUE(limiter.Acquire("officer-1", 2, 5).ok());  // day: 5 of 5 now
  Status daily = limiter.Acquire("officer-1", 2, 5);
  EXPECT_NE(daily.message().find("daily"), std::string::npos) << daily.message();
  // An hour on, the query restored as 23 hours old has left the day.
  clock.AdvanceSeconds(3600);
  EXPECT_TRUE(limiter.Acquire("officer-1", 2, 5).ok());
  // Entries stamped ahead of this clock count as queries made now.
  limiter.Restore("officer-2", -5 * kMin);
  limiter.Restore("officer-2", -1);
  EXPECT_EQ(limiter.Acquire("officer-2", 2, 5).code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace facetrail::policy
