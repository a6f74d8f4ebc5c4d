#include "facetrail/encoding.h"

#include <gtest/gtest.h>

namespace facetrail {
namespace {

// RFC 4648 section 10 test vectors.
TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<const char*, const char*> v[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},        {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, enc] : v) {
    EXPECT_EQ(Base64Encode(plain), enc);
    auto d = Base64Decode(enc);
    ASSERT_TRUE(d.ok()) << enc;
    EXPECT_EQ(*d, plain);
  }
}

TEST(Base64Test, RejectsNonCanonicalAndGarbage) {
  EXPECT_FALSE(Base64Decode("Zg=").ok());     // bad length
  EXPECT_FALSE(Base64Decode("Zh==").ok());    // non-zero trailing bits
  EXPECT_FALSE(Base64Decode("Zm9v\n").ok());  // stray newline
  EXPECT_FALSE(Base64Decode("Z=9v").ok());    // padding in the middle
  EXPECT_FALSE(Base64Decode("Zm-v").ok());    // URL alphabet is not standard base64
}

TEST(HexTest, RoundTrip) {
  EXPECT_EQ(HexEncode(std::string("\x00\xff\x10", 3)), "00ff10");
  EXPECT_EQ(*HexDecode("00FF10"), std::string("\x00\xff\x10", 3));
  EXPECT_FALSE(HexDecode("0g").ok());
  EXPECT_FALSE(HexDecode("abc").ok());
}

TEST(Sha256Test, KnownDigests) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace facetrail
