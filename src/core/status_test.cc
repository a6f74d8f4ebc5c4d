#include "facetrail/status.h"

#include <gtest/gtest.h>

namespace facetrail {
namespace {

StatusOr<int> Half(int x) {
  if (x % 2) return InvalidArgumentError("odd");
  return x / 2;
}

StatusOr<int> Quarter(int x) {
  FT_ASSIGN_OR_RETURN(int h, Half(x));
  FT_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, PropagatesFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().ToString(), "invalid_argument: odd");
}

TEST(StatusTest, WithContextKeepsCode) {
  Status s = NotFoundError("x").WithContext("loading y");
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "loading y: x");
  EXPECT_TRUE(Status::Ok().WithContext("z").ok());
}

}  // namespace
}  // namespace facetrail
