#include "facetrail/encoding.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "core/sha256_x86.h"

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

// FIPS 180-4 examples (NIST CSRC) and the million-'a' vector; run through the dispatched
// Sha256 and, where the CPU has it, through the SHA-NI path directly.
TEST(Sha256Test, KnownDigests) {
  const std::pair<std::string, const char*> v[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {std::string(1000000, 'a'), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
  };
  for (const auto& [msg, hex] : v) {
    EXPECT_EQ(Sha256Hex(msg), hex) << "length " << msg.size();
    if (internal::ShaNiSupported()) {
      EXPECT_EQ(HexEncode(AsStringView(internal::Sha256ShaNi(msg))), hex) << "length " << msg.size();
    }
  }
}

Sha256Digest Libsodium(std::string_view bytes) {
  Sha256Digest d;
  crypto_hash_sha256(d.data(), reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  return d;
}

TEST(Sha256Test, ReportsActiveImplementation) {
  const auto impl = internal::ActiveSha256Impl();
  std::cout << "[ INFO     ] Sha256 implementation: " << internal::Sha256ImplName(impl) << "\n";
  EXPECT_EQ(impl == internal::Sha256Impl::kShaNi, internal::ShaNiSupported());
}

// The dispatched Sha256 agrees with libsodium whatever path is live; boundary lengths
// (55/56 bytes: one or two padding blocks; 63/64/119/120) are all inside 0..1100.
TEST(Sha256Test, DispatchedAgreesWithLibsodium) {
  ASSERT_GE(sodium_init(), 0);
  std::mt19937_64 rng(20260115);
  std::string buf(1100, '\0');
  for (char& c : buf) c = static_cast<char>(rng());
  for (size_t len = 0; len <= buf.size(); ++len) {
    std::string_view m(buf.data(), len);
    ASSERT_EQ(Sha256(m), Libsodium(m)) << "length " << len;
  }
}

// Differential test of the SHA-NI code itself against libsodium (an independent
// implementation): every length 0..1100, random lengths up to 200 KB, one multi-MB input,
// and start pointers 1..7 bytes past an aligned buffer.
TEST(Sha256Test, ShaNiAgreesWithLibsodium) {
  if (!internal::ShaNiSupported()) {
    GTEST_SKIP() << "CPU has no SHA extensions: the SHA-NI path was not exercised";
  }
  ASSERT_GE(sodium_init(), 0);
  std::mt19937_64 rng(20260116);
  std::vector<char> buf((size_t{5} << 20) + 8);
  for (char& c : buf) c = static_cast<char>(rng());
  const char* base = buf.data();
  for (size_t len = 0; len <= 1100; ++len) {
    std::string_view m(base, len);
    ASSERT_EQ(internal::Sha256ShaNi(m), Libsodium(m)) << "length " << len;
  }
  std::uniform_int_distribution<size_t> any_len(0, 200 * 1024);
  for (int i = 0; i < 200; ++i) {
    const size_t len = any_len(rng), off = static_cast<size_t>(i % 8);
    std::string_view m(base + off, len);
    ASSERT_EQ(internal::Sha256ShaNi(m), Libsodium(m)) << "length " << len << " offset " << off;
  }
  for (size_t off = 1; off <= 7; ++off) {
    for (size_t len : {size_t{0}, size_t{1}, size_t{55}, size_t{56}, size_t{63}, size_t{64},
                       size_t{65}, size_t{119}, size_t{120}, size_t{1000}, size_t{32768},
                       size_t{100003}}) {
      std::string_view m(base + off, len);
      ASSERT_EQ(internal::Sha256ShaNi(m), Libsodium(m)) << "length " << len << " offset " << off;
    }
  }
  std::string_view big(base + 3, size_t{5} << 20);
  EXPECT_EQ(internal::Sha256ShaNi(big), Libsodium(big));
}

}  // namespace
}  // namespace facetrail
