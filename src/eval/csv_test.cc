#include "eval/csv.h"

#include <gtest/gtest.h>

namespace facetrail::eval {
namespace {

TEST(CsvTest, ParsesHeaderRowsQuotesAndCrlf) {
  auto t = ParseCsv("\xEF\xBB\xBF" "fold,image_a,image_b,same\r\n1,a.jpg,\"b,1.jpg\",1\r\n2,\"x\"\"y\",z,0\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->header.size(), 4u);
  EXPECT_EQ(t->header[0], "fold");
  ASSERT_EQ(t->rows.size(), 2u);
  EXPECT_EQ(t->rows[0][2], "b,1.jpg");
  EXPECT_EQ(t->rows[1][1], "x\"y");
  EXPECT_EQ(*t->Column("same"), 3u);
  EXPECT_FALSE(t->Column("missing").has_value());
}

TEST(CsvTest, EmptyTrailingFieldCounts) {
  auto t = ParseCsv("image,gender,race\na.jpg,M,\n");
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->rows[0].size(), 3u);
  EXPECT_EQ(t->rows[0][2], "");
}

TEST(CsvTest, RejectsRaggedRowsAndUnterminatedQuotes) {
  EXPECT_FALSE(ParseCsv("a,b\n1\n").ok());
  EXPECT_FALSE(ParseCsv("a,b\n\"1,2\n").ok());
  EXPECT_FALSE(ParseCsv("").ok());
  CsvLimits small;
  small.max_rows = 1;
  EXPECT_FALSE(ParseCsv("a\n1\n2\n", small).ok());
}

}  // namespace
}  // namespace facetrail::eval
