// The log-side witness client against real witnesses over loopback HTTP.
#include "facetrail/witness_client.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "audit/witness_testutil.h"

namespace facetrail::witness {
namespace {

using facetrail::testing::RunningWitness;
using facetrail::testing::TempDir;
using facetrail::testing::TestLog;

struct WitnessKey {
  std::string vkey;
  std::unique_ptr<note::Ed25519Signer> signer;
};

WitnessKey NewWitnessKey(const std::string& name) {
  auto k = note::GenerateKey(name);
  return {k->verifier_key, std::move(*note::Ed25519Signer::FromKey(k->private_key))};
}

class WitnessClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    w1_ = NewWitnessKey("w1.test");
    w2_ = NewWitnessKey("w2.test");
    s1_ = std::make_unique<RunningWitness>(dir_.path() + "/w1.db", std::vector{log_.vkey()},
                                           w1_.signer.get(), &clock_);
    s2_ = std::make_unique<RunningWitness>(dir_.path() + "/w2.db", std::vector{log_.vkey()},
                                           w2_.signer.get(), &clock_);
  }
  ConsistencyProofFn Proofs() {
    return [this](uint64_t a, uint64_t b) -> StatusOr<std::vector<merkle::Hash>> {
      ++proof_calls_;
      return merkle::ConsistencyProof(a, b, log_.tree().HashFn());
    };
  }
  // Opens `note` requiring the log key and returns the number of verified cosignatures.
  size_t VerifiedCosignatures(const std::string& n) {
    auto lv = note::Ed25519Verifier::FromKey(log_.vkey());
    auto c1 = checkpoint::CosignatureVerifier::FromKey(w1_.vkey);
    auto c2 = checkpoint::CosignatureVerifier::FromKey(w2_.vkey);
    const note::Verifier* vs[] = {lv->get(), c1->get(), c2->get()};
    auto opened = note::Open(n, vs);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? opened->verified.size() - 1 : 0;
  }

  TempDir dir_;
  ManualClock clock_{1'790'000'000'000'000};
  TestLog log_{"example.com/log", "A"};
  WitnessKey w1_, w2_;
  std::unique_ptr<RunningWitness> s1_, s2_;
  int proof_calls_ = 0;
};

TEST_F(WitnessClientTest, CollectsVerifiedCosignaturesAndAdvances) {
  auto client = WitnessClient::Create({{s1_->url(), w1_.vkey}, {s2_->url() + "/", w2_.vkey}});
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto r = (*client)->Cosign(log_.Signed(4), Proofs());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->cosigned.size(), 2u);
  EXPECT_TRUE(r->failures.empty());
  EXPECT_EQ(VerifiedCosignatures(r->note), 2u);
  EXPECT_EQ(proof_calls_, 0);  // first contact: old 0, no proof
  clock_.AdvanceSeconds(60);
  r = (*client)->Cosign(log_.Signed(11), Proofs());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->cosigned.size(), 2u);
  EXPECT_EQ(VerifiedCosignatures(r->note), 2u);
  EXPECT_EQ(proof_calls_, 2);
  EXPECT_EQ((*client)->KnownSize(s1_->url()), 11u);
}

TEST_F(WitnessClientTest, RetriesWithTheWitnessSizeAfter409) {
  // Another client (e.g. before a restart of the log's process) advanced w1 to 6.
  ASSERT_EQ(s1_->Post(log_.Request(0, 6)).status, 200);
  auto client = WitnessClient::Create({{s1_->url(), w1_.vkey}});
  ASSERT_TRUE(client.ok());
  auto r = (*client)->Cosign(log_.Signed(9), Proofs());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->cosigned.size(), 1u) << (r->failures.empty() ? "" : r->failures[0].second.ToString());
  EXPECT_EQ((*client)->KnownSize(s1_->url()), 9u);
  EXPECT_EQ(proof_calls_, 1);
}

TEST_F(WitnessClientTest, BadWitnessIsReportedOthersStillCosign) {
  WitnessKey wrong = NewWitnessKey("w1.test");  // the URL's witness signs with another key
  auto client = WitnessClient::Create({{s1_->url(), wrong.vkey},
                                       {s2_->url(), w2_.vkey},
                                       {"http://127.0.0.1:1", w1_.vkey}});
  ASSERT_TRUE(client.ok());
  auto r = (*client)->Cosign(log_.Signed(3), Proofs());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->cosigned.size(), 1u);
  EXPECT_EQ(r->cosigned[0], s2_->url());
  ASSERT_EQ(r->failures.size(), 2u);
  EXPECT_EQ(r->failures[0].second.code(), StatusCode::kDataLoss);
  EXPECT_EQ(r->failures[1].second.code(), StatusCode::kUnavailable);
  EXPECT_EQ(VerifiedCosignatures(r->note), 1u);
}

TEST_F(WitnessClientTest, WitnessRefusesAForkThroughTheClient) {
  auto client = WitnessClient::Create({{s1_->url(), w1_.vkey}});
  ASSERT_TRUE((*client)->Cosign(log_.Signed(5), Proofs()).ok());
  auto fork = log_.Fork("B");
  ConsistencyProofFn fork_proofs = [&](uint64_t a, uint64_t b) -> StatusOr<std::vector<merkle::Hash>> {
    return merkle::ConsistencyProof(a, b, fork->tree().HashFn());
  };
  auto r = (*client)->Cosign(fork->Signed(8), fork_proofs);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->cosigned.empty());
  ASSERT_EQ(r->failures.size(), 1u);
  EXPECT_NE(r->failures[0].second.message().find("422"), std::string::npos);
}

TEST(WitnessClientCreate, RejectsBadEndpoints) {
  auto k = note::GenerateKey("w");
  EXPECT_FALSE(WitnessClient::Create({{"127.0.0.1:80", k->verifier_key}}).ok());
  EXPECT_FALSE(WitnessClient::Create({{"ftp://x", k->verifier_key}}).ok());
  EXPECT_FALSE(WitnessClient::Create({{"http://", k->verifier_key}}).ok());
  EXPECT_FALSE(WitnessClient::Create({{"http://x", "not a key"}}).ok());
}

}  // namespace
}  // namespace facetrail::witness
