#include "node/audit_entry.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace facetrail::node {
namespace {

TEST(AuditTimeTest, ParseIsTheInverseOfFormat) {
  // Epoch, a leap day, the last microsecond of a year, and times of this decade.
  for (int64_t t : {int64_t{0}, int64_t{951782400} * 1000000 + 1,  // 2000-02-29
                    int64_t{1798761599} * 1000000 + 999999,        // 2026-12-31T23:59:59
                    int64_t{1790000000123456}, int64_t{4102444800} * 1000000}) {
    const std::string s = FormatMicrosRfc3339(t);
    auto back = ParseMicrosRfc3339(s);
    ASSERT_TRUE(back.ok()) << s << ": " << back.status().ToString();
    EXPECT_EQ(*back, t) << s;
  }
  auto known = ParseMicrosRfc3339("2026-11-27T23:15:00.123456Z");
  ASSERT_TRUE(known.ok());
  EXPECT_EQ(*known, int64_t{1795821300} * 1000000 + 123456);
}

TEST(AuditTimeTest, AnythingButTheExactFormIsRefused) {
  for (const char* bad : {"", "2026-11-27T23:15:00Z", "2026-11-27T23:15:00.12345Z",
                          "2026-11-27T23:15:00.123456", "2026-11-27 23:15:00.123456Z",
                          "2026-11-27T23:15:00.123456+00:00", "2026-13-01T00:00:00.000000Z",
                          "2026-00-01T00:00:00.000000Z", "2026-02-29T00:00:00.000000Z",
                          "2026-04-31T00:00:00.000000Z", "2026-11-27T24:00:00.000000Z",
                          "2026-11-27T23:60:00.000000Z", "2026-11-27T23:15:60.000000Z",
                          "1969-12-31T23:59:59.999999Z", "2026-11-2xT23:15:00.123456Z",
                          "+026-11-27T23:15:00.123456Z"}) {
    EXPECT_FALSE(ParseMicrosRfc3339(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace facetrail::node
