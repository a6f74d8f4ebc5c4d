#include "facetrail/encoding.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <random>

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

// Differential test against libsodium's strict decoder (an independent implementation):
// the same inputs are accepted, with the same bytes, and the same ones refused. Inputs are
// mostly near-valid (alphabet, '=' in random places, lengths around multiples of 4) so
// that both branches are exercised. Corruptions stay ASCII: libsodium 1.0.18 (Debian 12)
// decodes bytes >= 0x80 as '/' (its constant-time lookup takes a signed char), so it is no
// reference for those; NonAsciiBytesAreRefused covers them.
TEST(Base64Test, AgreesWithLibsodiumOnRandomInputs) {
  ASSERT_GE(sodium_init(), 0);
  std::mt19937 rng(20261204);
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  int accepted = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    std::string text;
    if (iter % 2 == 0) {
      std::string bytes(rng() % 40, '\0');
      for (char& c : bytes) c = static_cast<char>(rng());
      text = Base64Encode(bytes);
      if (iter % 4 == 0 && !text.empty()) {  // one random corruption
        size_t at = rng() % text.size();
        text[at] = rng() % 3 == 0 ? '=' : (rng() % 2 ? static_cast<char>(rng() % 128) : alphabet[rng() % 64]);
      }
    } else {
      text.resize(rng() % 13);
      for (char& c : text) c = rng() % 8 == 0 ? '=' : alphabet[rng() % 64];
    }
    std::string ref(text.size(), '\0');
    size_t ref_len = 0;
    const char* end = nullptr;
    bool ref_ok = sodium_base642bin(reinterpret_cast<unsigned char*>(ref.data()), ref.size(), text.data(),
                                    text.size(), nullptr, &ref_len, &end,
                                    sodium_base64_VARIANT_ORIGINAL) == 0 &&
                  end == text.data() + text.size();
    auto ours = Base64Decode(text);
    ASSERT_EQ(ours.ok(), ref_ok) << "input '" << text << "'";
    if (ref_ok) {
      ++accepted;
      EXPECT_EQ(*ours, ref.substr(0, ref_len)) << "input '" << text << "'";
    }
  }
  EXPECT_GT(accepted, 5000);
}

TEST(Base64Test, NonAsciiBytesAreRefused) {
  for (int b = 0x80; b < 0x100; ++b) {
    std::string t = "QUJD";
    t[static_cast<size_t>(b % 4)] = static_cast<char>(b);
    EXPECT_FALSE(Base64Decode(t).ok()) << "byte " << b;
  }
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
