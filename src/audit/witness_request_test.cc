#include <gtest/gtest.h>

#include <string>

#include "audit/vectors_testutil.h"
#include "facetrail/encoding.h"
#include "facetrail/witness.h"

namespace facetrail::witness {
namespace {

TEST(AddCheckpointRequest, C2spSpecExampleParses) {
  auto file = testing::ReadVectorFile("c2sp_spec_examples.txt");
  if (!file) GTEST_SKIP() << "vectors not found in " << testing::VectorsDir();
  auto body = testing::Block(*file, "ADD_CHECKPOINT_REQUEST");
  ASSERT_TRUE(body.has_value());
  auto req = ParseAddCheckpointRequest(*body);
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  EXPECT_EQ(req->old_size, 20852014u);
  ASSERT_EQ(req->proof.size(), 4u);
  EXPECT_EQ(Base64Encode(AsStringView(req->proof[0])), "PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=");
  EXPECT_EQ(req->checkpoint.rfind("example.com/behind-the-sofa\n20852163\n", 0), 0u);
  EXPECT_EQ(FormatAddCheckpointRequest(*req), *body);
}

TEST(AddCheckpointRequest, RoundTripAndBounds) {
  AddCheckpointRequest req;
  req.old_size = 7;
  for (int i = 0; i < 63; ++i) req.proof.push_back(Sha256(std::to_string(i)));
  req.checkpoint = "o\n9\nroot\n\nsig\n";
  std::string body = FormatAddCheckpointRequest(req);
  auto back = ParseAddCheckpointRequest(body);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->old_size, 7u);
  EXPECT_EQ(back->proof, req.proof);
  EXPECT_EQ(back->checkpoint, req.checkpoint);
  req.proof.push_back(Sha256("one too many"));
  EXPECT_EQ(ParseAddCheckpointRequest(FormatAddCheckpointRequest(req)).status().code(),
            StatusCode::kResourceExhausted);
  std::string huge = "old 0\n\n" + std::string(kMaxRequestBytes, 'a');
  EXPECT_EQ(ParseAddCheckpointRequest(huge).status().code(), StatusCode::kResourceExhausted);
}

TEST(AddCheckpointRequest, RejectsMalformed) {
  const std::string h = Base64Encode(AsStringView(Sha256("x")));
  const std::string cp = "o\n1\n" + h + "\n\nsig\n";
  const std::vector<std::string> bad = {
      "",
      "old 1",
      "old\n\n" + cp,
      "old \n\n" + cp,
      "old 01\n\n" + cp,
      "old -1\n\n" + cp,
      "old 1 \n\n" + cp,
      "Old 1\n\n" + cp,
      "old 18446744073709551616\n\n" + cp,
      "old 1\n" + h + "\n",                  // no empty line
      "old 1\n\n",                           // no checkpoint
      "old 1\n" + h.substr(0, 43) + "\n\n" + cp,
      "old 1\n" + h + "=\n\n" + cp,
      "old 1\n" + Base64Encode(std::string(33, 'a')) + "\n\n" + cp,
      "old 1\n" + h + " \n\n" + cp,
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    EXPECT_FALSE(ParseAddCheckpointRequest(bad[i]).ok()) << "case " << i;
  }
  EXPECT_TRUE(ParseAddCheckpointRequest("old 0\n\n" + cp).ok());
  EXPECT_TRUE(ParseAddCheckpointRequest("old 18446744073709551615\n" + h + "\n\n" + cp).ok());
}

}  // namespace
}  // namespace facetrail::witness
