#include "facetrail/note.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "audit/vectors_testutil.h"
#include "facetrail/encoding.h"

namespace facetrail::note {
namespace {

// Go sumdb/note known answers (sumdb_note_vectors.txt).
class GoNoteVectors : public ::testing::Test {
 protected:
  void SetUp() override {
    auto text = testing::ReadVectorFile("sumdb_note_vectors.txt");
    if (!text) GTEST_SKIP() << "vectors not found in " << testing::VectorsDir();
    file_ = *text;
    peter_vkey_ = Get("VKEY_PETER");
    enoch_vkey_ = Get("VKEY_ENOCH");
    peter_skey_ = Get("SKEY_PETER");
    note_text_ = *testing::Block(file_, "TEXT");
    peter_line_ = Get("SIG_PETER_LINE") + "\n";
    enoch_line_ = Get("SIG_ENOCH_LINE") + "\n";
    peter_ = *Ed25519Verifier::FromKey(peter_vkey_);
    enoch_ = *Ed25519Verifier::FromKey(enoch_vkey_);
  }
  std::string Get(const std::string& key) {
    auto v = testing::Value(file_, key);
    EXPECT_TRUE(v.has_value()) << key;
    return v.value_or("");
  }
  std::string file_, peter_vkey_, enoch_vkey_, peter_skey_, note_text_, peter_line_, enoch_line_;
  std::unique_ptr<Ed25519Verifier> peter_, enoch_;
};

TEST_F(GoNoteVectors, VerifierKeysParseAndRoundTrip) {
  EXPECT_EQ(peter_->name(), "PeterNeumann");
  EXPECT_EQ(peter_->key_id(), 0xc74f20a3u);
  EXPECT_EQ(FormatVerifierKey(peter_->key()), peter_vkey_);
  EXPECT_EQ(enoch_->name(), "EnochRoot");
  EXPECT_EQ(enoch_->key_id(), 0xaf0cfe78u);
  EXPECT_EQ(FormatVerifierKey(enoch_->key()), enoch_vkey_);
}

TEST_F(GoNoteVectors, BadVerifierKeysRejected) {
  EXPECT_FALSE(ParseVerifierKey(Get("BAD_VKEY_WRONG_LEN")).ok());
  EXPECT_FALSE(ParseVerifierKey(Get("BAD_VKEY_UNKNOWN_ALG")).ok());
  // Wrong ID for the right key; missing parts; bad name.
  EXPECT_FALSE(ParseVerifierKey("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").ok());
  EXPECT_FALSE(ParseVerifierKey("PeterNeumann+c74f20a3").ok());
  EXPECT_FALSE(ParseVerifierKey("Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").ok());
  EXPECT_FALSE(ParseVerifierKey("+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW").ok());
}

TEST_F(GoNoteVectors, SignerReproducesGoSignatureByteForByte) {
  auto signer = Ed25519Signer::FromKey(peter_skey_);
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  EXPECT_EQ((*signer)->name(), "PeterNeumann");
  EXPECT_EQ((*signer)->key_id(), 0xc74f20a3u);
  EXPECT_EQ((*signer)->VerifierKeyString(), peter_vkey_);
  const Signer* signers[] = {signer->get()};
  auto msg = Sign(note_text_, signers);
  ASSERT_TRUE(msg.ok()) << msg.status().ToString();
  EXPECT_EQ(*msg, note_text_ + "\n" + peter_line_);
}

TEST_F(GoNoteVectors, OpenVerifiesKnownAndIgnoresUnknown) {
  std::string msg = note_text_ + "\n" + peter_line_ + enoch_line_;
  const Verifier* only_peter[] = {peter_.get()};
  auto opened = Open(msg, only_peter);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->text, note_text_);
  ASSERT_EQ(opened->verified.size(), 1u);
  EXPECT_EQ(opened->verified[0].name, "PeterNeumann");
  ASSERT_EQ(opened->unverified.size(), 1u);
  EXPECT_EQ(opened->unverified[0].name, "EnochRoot");

  const Verifier* both[] = {peter_.get(), enoch_.get()};
  auto opened2 = Open(msg, both);
  ASSERT_TRUE(opened2.ok());
  EXPECT_EQ(opened2->verified.size(), 2u);
  EXPECT_TRUE(opened2->unverified.empty());
}

TEST_F(GoNoteVectors, NoKnownKeyRejects) {
  std::string msg = note_text_ + "\n" + peter_line_ + enoch_line_;
  EXPECT_EQ(Open(msg, {}).status().code(), StatusCode::kUnauthenticated);
  // A key with the right name but another ID is unknown, not a failure.
  auto other = GenerateKey("PeterNeumann");
  auto v = Ed25519Verifier::FromKey(other->verifier_key);
  const Verifier* vs[] = {v->get()};
  EXPECT_EQ(Open(msg, vs).status().code(), StatusCode::kUnauthenticated);
}

TEST_F(GoNoteVectors, MoreThan100SignaturesIsMalformed) {
  std::string msg = note_text_ + "\n";
  for (int i = 0; i < 101; ++i) msg += peter_line_;
  const Verifier* vs[] = {peter_.get()};
  EXPECT_EQ(Open(msg, vs).status().code(), StatusCode::kInvalidArgument);
  // 100 duplicates are fine and collapse to one verified signature.
  std::string ok = note_text_ + "\n";
  for (int i = 0; i < 100; ++i) ok += peter_line_;
  auto opened = Open(ok, vs);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->verified.size(), 1u);
}

TEST_F(GoNoteVectors, CorruptedKnownSignatureRejectsNamingTheKey) {
  std::string line = peter_line_;
  line.insert(60, "ABCD");
  const Verifier* vs[] = {peter_.get(), enoch_.get()};
  auto r = Open(note_text_ + "\n" + line + enoch_line_, vs);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find("PeterNeumann+c74f20a3"), std::string::npos);
  // Changing the text invalidates the signature too.
  std::string text2 = note_text_;
  text2[0] = 'i';
  EXPECT_EQ(Open(text2 + "\n" + peter_line_, vs).status().code(), StatusCode::kDataLoss);
}

TEST_F(GoNoteVectors, MalformedNotes) {
  const Verifier* vs[] = {peter_.get()};
  std::string good = note_text_ + "\n" + peter_line_;
  ASSERT_TRUE(Open(good, vs).ok());
  std::string sig_no_nl = peter_line_.substr(0, peter_line_.size() - 1);
  const std::vector<std::string> bad = {
      note_text_,                                             // no signature block
      note_text_ + "\n",                                      // empty block
      note_text_ + "\n" + sig_no_nl,                          // no final newline
      std::string("\x01") + good,                             // control character
      std::string("\xff") + good,                             // invalid UTF-8
      note_text_ + "\n" + "\xE2\x80\x94 Bad Name " + peter_line_.substr(peter_line_.rfind(' ') + 1),
      good + "trailing line\n",                               // non-signature line
      note_text_ + "\n- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
      note_text_ + "\n\xE2\x80\x94 PeterNeumann AAAA\n",       // signature shorter than 5 bytes
      note_text_ + "\n\xE2\x80\x94 PeterNeumann\n",           // no signature field
      std::string("a\rb\n\n") + peter_line_,                   // CR in text
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    auto r = Open(bad[i], vs);
    EXPECT_FALSE(r.ok()) << "case " << i;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << "case " << i;
    }
  }
}

TEST_F(GoNoteVectors, AmbiguousVerifiers) {
  auto enoch2 = Ed25519Verifier::FromKey(enoch_vkey_);
  const Verifier* vs[] = {peter_.get(), enoch_.get(), enoch2->get()};
  EXPECT_EQ(Open(note_text_ + "\n" + peter_line_ + enoch_line_, vs).status().code(),
            StatusCode::kInvalidArgument);
  // Not ambiguous when no line needs the duplicated key.
  EXPECT_TRUE(Open(note_text_ + "\n" + peter_line_, vs).ok());
}

TEST_F(GoNoteVectors, ResignKeepsUnknownSignatures) {
  auto signer = Ed25519Signer::FromKey(peter_skey_);
  const Verifier* vs[] = {peter_.get()};
  auto opened = Open(note_text_ + "\n" + peter_line_ + enoch_line_, vs);
  ASSERT_TRUE(opened.ok());
  const Signer* signers[] = {signer->get()};
  std::vector<Signature> existing = opened->verified;
  existing.insert(existing.end(), opened->unverified.begin(), opened->unverified.end());
  auto msg = Sign(opened->text, signers, existing);
  ASSERT_TRUE(msg.ok());
  // Peter's old line is superseded by the fresh (identical, deterministic) one.
  EXPECT_EQ(*msg, note_text_ + "\n" + enoch_line_ + peter_line_);
}

TEST(C2spSignedNote, SpecExampleVerifies) {
  auto file = testing::ReadVectorFile("c2sp_spec_examples.txt");
  if (!file) GTEST_SKIP() << "vectors not found in " << testing::VectorsDir();
  auto vkey = testing::Value(*file, "VKEY");
  auto msg = testing::Block(*file, "NOTE");
  ASSERT_TRUE(vkey && msg);
  auto v = Ed25519Verifier::FromKey(*vkey);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ((*v)->key_id(), 0x530d903au);
  const Verifier* vs[] = {v->get()};
  auto opened = Open(*msg, vs);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->text, "This is an example message.\n");
}

TEST(NoteKeys, NameValidity) {
  EXPECT_TRUE(IsValidKeyName("example.com/log"));
  EXPECT_TRUE(IsValidKeyName("\xC3\xA9t\xC3\xA9"));  // "été"
  EXPECT_FALSE(IsValidKeyName(""));
  EXPECT_FALSE(IsValidKeyName("a b"));
  EXPECT_FALSE(IsValidKeyName("a+b"));
  EXPECT_FALSE(IsValidKeyName("a\tb"));
  EXPECT_FALSE(IsValidKeyName("a\xE3\x80\x80" "b"));  // U+3000 ideographic space
  EXPECT_FALSE(IsValidKeyName("a\xC2\xA0" "b"));       // U+00A0
  EXPECT_FALSE(IsValidKeyName("\xC0\xAF"));            // overlong '/'
  EXPECT_FALSE(IsValidKeyName("\xED\xA0\x80"));        // surrogate
}

TEST(NoteKeys, GenerateSignVerifyRoundTrip) {
  auto k = GenerateKey("facetrail.test/log");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->private_key.rfind("PRIVATE+KEY+facetrail.test/log+", 0), 0u);
  auto s = Ed25519Signer::FromKey(k->private_key);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->VerifierKeyString(), k->verifier_key);
  auto v = Ed25519Verifier::FromKey(k->verifier_key);
  ASSERT_TRUE(v.ok());
  const Signer* ss[] = {s->get()};
  const Verifier* vs[] = {v->get()};
  auto msg = Sign("hello\nworld\n", ss);
  ASSERT_TRUE(msg.ok());
  auto opened = Open(*msg, vs);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->text, "hello\nworld\n");
  EXPECT_FALSE(Sign("no newline", ss).ok());
  EXPECT_FALSE(Sign("ctl\x01\n", ss).ok());
  EXPECT_FALSE(GenerateKey("bad name").ok());
  // A private key whose ID does not match is refused.
  std::string tampered = k->private_key;
  size_t id_at = std::string("PRIVATE+KEY+facetrail.test/log+").size();
  tampered[id_at] = tampered[id_at] == '0' ? '1' : '0';
  EXPECT_FALSE(Ed25519Signer::FromKey(tampered).ok());
}

// C2SP: verifiers must accept at least 16 signatures; every one is checked.
TEST(NoteRules, TwentySignaturesAllVerify) {
  std::vector<std::unique_ptr<Ed25519Signer>> signers;
  std::vector<std::unique_ptr<Ed25519Verifier>> verifiers;
  for (int i = 0; i < 20; ++i) {
    auto k = GenerateKey("signer" + std::to_string(i));
    signers.push_back(std::move(*Ed25519Signer::FromKey(k->private_key)));
    verifiers.push_back(std::move(*Ed25519Verifier::FromKey(k->verifier_key)));
  }
  std::vector<const Signer*> sp;
  for (auto& s : signers) sp.push_back(s.get());
  std::vector<const Verifier*> vp;
  for (auto& v : verifiers) vp.push_back(v.get());
  auto msg = Sign("many\n", sp);
  ASSERT_TRUE(msg.ok());
  auto opened = Open(*msg, vp);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->verified.size(), 20u);
  // Only the last verifier known: 19 ignored, one verified.
  const Verifier* last[] = {vp.back()};
  opened = Open(*msg, last);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->verified.size(), 1u);
  EXPECT_EQ(opened->unverified.size(), 19u);
}

class KeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/facetrail_keyfile_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  std::string dir_;
};

TEST_F(KeyFileTest, WrittenWith0600AndReadBack) {
  auto k = GenerateKey("file.test");
  std::string path = dir_ + "/key";
  ASSERT_TRUE(WritePrivateKeyFile(path, k->private_key).ok());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto read = ReadPrivateKeyFile(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, k->private_key);
  // Never overwrites an existing key.
  EXPECT_EQ(WritePrivateKeyFile(path, k->private_key).code(), StatusCode::kAlreadyExists);
}

TEST_F(KeyFileTest, GroupOrWorldReadableKeyRefused) {
  auto k = GenerateKey("file.test");
  std::string path = dir_ + "/key";
  ASSERT_TRUE(WritePrivateKeyFile(path, k->private_key).ok());
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  EXPECT_EQ(ReadPrivateKeyFile(path).status().code(), StatusCode::kPermissionDenied);
  ASSERT_EQ(chmod(path.c_str(), 0640), 0);
  EXPECT_EQ(ReadPrivateKeyFile(path).status().code(), StatusCode::kPermissionDenied);
  ASSERT_EQ(chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(ReadPrivateKeyFile(path).ok());
  EXPECT_FALSE(ReadPrivateKeyFile(dir_ + "/missing").ok());
}

}  // namespace
}  // namespace facetrail::note
