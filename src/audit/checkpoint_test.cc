#include "facetrail/checkpoint.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "audit/vectors_testutil.h"
#include "facetrail/encoding.h"

namespace facetrail::checkpoint {
namespace {

TEST(CheckpointBody, GoTreeNoteGoldenValue) {
  auto file = testing::ReadVectorFile("sumdb_tlog_vectors.txt");
  if (!file) GTEST_SKIP() << "vectors not found in " << testing::VectorsDir();
  auto body = testing::Block(*file, "TREE_NOTE");
  ASSERT_TRUE(body.has_value());
  auto c = Parse(*body);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->origin, "go.sum database tree");
  EXPECT_EQ(c->size, 123456789012u);
  EXPECT_EQ(c->root, merkle::HashLeaf("hello world"));
  EXPECT_TRUE(c->extensions.empty());
  EXPECT_EQ(*Format(*c), *body);
}

TEST(CheckpointBody, RejectsMalformedBodies) {
  const std::string root = Base64Encode(AsStringView(merkle::HashLeaf("hello world")));
  const std::vector<std::string> bad = {
      "",
      "origin\n123\n" + root,                 // no final newline
      "origin\n123\n",                        // no root
      "origin\n0xabcdef\n" + root + "\n",      // Go vector: hex size
      "origin\n+12\n" + root + "\n",
      "origin\n-1\n" + root + "\n",
      "origin\n012\n" + root + "\n",           // leading zero
      "origin\n18446744073709551616\n" + root + "\n",  // 2^64
      "origin\n\n" + root + "\n",
      "\n123\n" + root + "\n",                 // empty origin
      "origin\n123\nnot-base64!\n",            // Go vector: bad hash
      "origin\n123\n" + root.substr(0, 40) + "\n",
      "origin\n123\n" + Base64Encode(std::string(31, 'x')) + "\n",
      "origin\n123\n" + root + "\n\n",         // empty extension line
      "ori\tgin\n123\n" + root + "\n",
  };
  for (size_t i = 0; i < bad.size(); ++i) {
    EXPECT_FALSE(Parse(bad[i]).ok()) << "case " << i << ": " << bad[i];
  }
  EXPECT_TRUE(Parse("origin\n0\n" + root + "\n").ok());
  EXPECT_TRUE(Parse("origin\n18446744073709551615\n" + root + "\n").ok());
}

TEST(CheckpointBody, ExtensionLinesRoundTrip) {
  Checkpoint c{"example.com/log", 42, merkle::HashLeaf("x"), {"ext one", "ext two"}};
  auto body = Format(c);
  ASSERT_TRUE(body.ok());
  auto back = Parse(*body);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->extensions, c.extensions);
  EXPECT_FALSE(Format(Checkpoint{"bad\norigin", 1, {}, {}}).ok());
  EXPECT_FALSE(Format(Checkpoint{"o", 1, {}, {""}}).ok());
  std::string many = *Format(Checkpoint{"o", 1, {}, {}});
  for (size_t i = 0; i <= kMaxExtensionLines; ++i) many += "e\n";
  EXPECT_FALSE(Parse(many).ok());
}

class C2spExamples : public ::testing::Test {
 protected:
  void SetUp() override {
    auto f = testing::ReadVectorFile("c2sp_spec_examples.txt");
    if (!f) GTEST_SKIP() << "vectors not found in " << testing::VectorsDir();
    file_ = *f;
  }
  std::string file_;
};

TEST_F(C2spExamples, CheckpointExampleParses) {
  auto msg = testing::Block(file_, "CHECKPOINT");
  ASSERT_TRUE(msg.has_value());
  auto n = note::Parse(*msg);
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  ASSERT_EQ(n->signatures.size(), 1u);
  EXPECT_EQ(n->signatures[0].key_id, 0x033de0aeu);
  auto c = Parse(n->text);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->origin, "example.com/behind-the-sofa");
  EXPECT_EQ(c->size, 20852163u);
  EXPECT_EQ(Base64Encode(AsStringView(c->root)), "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=");
}

TEST_F(C2spExamples, CosignedMessageMatchesSpec) {
  auto msg = testing::Block(file_, "CHECKPOINT");
  auto want = testing::Block(file_, "COSIG_V1_SIGNED_MESSAGE");
  ASSERT_TRUE(msg && want);
  auto n = note::Parse(*msg);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(CosignedMessage(n->text, 1679315147), *want);
}

TEST_F(C2spExamples, CosignatureLineParses) {
  auto line = testing::Value(file_, "COSIG_LINE");
  ASSERT_TRUE(line.has_value());
  auto n = note::Parse("a\n\n" + *line + "\n");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  ASSERT_EQ(n->signatures.size(), 1u);
  EXPECT_EQ(n->signatures[0].name, "witness.example.com/w1");
  EXPECT_EQ(n->signatures[0].key_id, 0x8d66cf3fu);
  auto t = CosignatureTimestamp(n->signatures[0].signature);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, 1679315147u);
}

class CosignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto lk = note::GenerateKey("example.com/log");
    auto wk = note::GenerateKey("witness.example/w1");
    log_signer_ = std::move(*note::Ed25519Signer::FromKey(lk->private_key));
    log_verifier_ = std::move(*note::Ed25519Verifier::FromKey(lk->verifier_key));
    witness_ = std::move(*note::Ed25519Signer::FromKey(wk->private_key));
    witness_vkey_ = wk->verifier_key;
    body_ = *Format(Checkpoint{"example.com/log", 10, merkle::HashLeaf("r"), {}});
  }
  std::unique_ptr<note::Ed25519Signer> log_signer_, witness_;
  std::unique_ptr<note::Ed25519Verifier> log_verifier_;
  std::string witness_vkey_, body_;
};

TEST_F(CosignatureTest, KeyIdUsesType04) {
  auto cv = CosignatureVerifier::FromKey(witness_vkey_);
  ASSERT_TRUE(cv.ok());
  std::string typed(1, '\x04');
  typed.append(reinterpret_cast<const char*>(witness_->public_key().data()), 32);
  EXPECT_EQ((*cv)->key_id(), note::KeyId("witness.example/w1", typed));
  EXPECT_NE((*cv)->key_id(), witness_->key_id());
}

TEST_F(CosignatureTest, CosignAndVerify) {
  auto line = Cosign(body_, *witness_, 1700000123);
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  auto n = note::Parse(body_ + "\n" + *line);
  ASSERT_TRUE(n.ok());
  ASSERT_EQ(n->signatures.size(), 1u);
  const std::string& sig = n->signatures[0].signature;
  EXPECT_EQ(sig.size(), 72u);
  auto key = note::ParseVerifierKey(witness_vkey_);
  auto t = VerifyCosignature(body_, *key, sig);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(*t, 1700000123u);
  // Another body, another timestamp, or a flipped byte all fail.
  std::string other = *Format(Checkpoint{"example.com/log", 11, merkle::HashLeaf("r"), {}});
  EXPECT_EQ(VerifyCosignature(other, *key, sig).status().code(), StatusCode::kDataLoss);
  std::string later = sig;
  later[7] ^= 1;
  EXPECT_FALSE(VerifyCosignature(body_, *key, later).ok());
  for (size_t i = 8; i < sig.size(); i += 5) {
    std::string bad = sig;
    bad[i] ^= 0x20;
    EXPECT_FALSE(VerifyCosignature(body_, *key, bad).ok()) << i;
  }
  EXPECT_FALSE(VerifyCosignature(body_, *key, sig.substr(1)).ok());
  // Only checkpoint bodies are cosigned.
  EXPECT_FALSE(Cosign("not a checkpoint\n", *witness_, 1).ok());
}

TEST_F(CosignatureTest, SignedCheckpointWithCosignaturesOpens) {
  ManualClock clock(1'700'000'500'000'000);
  CosignatureSigner cosigner(witness_.get(), &clock);
  const note::Signer* signers[] = {log_signer_.get(), &cosigner};
  auto msg = note::Sign(body_, signers);
  ASSERT_TRUE(msg.ok());
  auto cv = CosignatureVerifier::FromKey(witness_vkey_);
  // Log key alone; witness key alone; both.
  const note::Verifier* log_only[] = {log_verifier_.get()};
  auto s = OpenSigned(*msg, log_only, "example.com/log");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->checkpoint.size, 10u);
  EXPECT_EQ(s->note.unverified.size(), 1u);
  const note::Verifier* both[] = {log_verifier_.get(), cv->get()};
  s = OpenSigned(*msg, both);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->note.verified.size(), 2u);
  EXPECT_EQ(*CosignatureTimestamp(s->note.verified[1].signature), 1700000500u);
  EXPECT_FALSE(OpenSigned(*msg, log_only, "example.com/other").ok());
  // The witness's Ed25519 note key (type 0x01 ID) does not verify cosignature lines: they
  // carry the 0x04 ID, so it sees them as unknown.
  auto wv = note::Ed25519Verifier::FromKey(witness_vkey_);
  const note::Verifier* wrong[] = {wv->get()};
  EXPECT_EQ(OpenSigned(*msg, wrong).status().code(), StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace facetrail::checkpoint
