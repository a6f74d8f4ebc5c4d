// tlog-witness server over real loopback HTTP with real SQLite state.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "audit/witness_testutil.h"
#include "facetrail/checkpoint.h"
#include "facetrail/witness.h"

namespace facetrail::witness {
namespace {

using facetrail::testing::RunningWitness;
using facetrail::testing::TempDir;
using facetrail::testing::TestLog;

class WitnessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = note::GenerateKey("witness.test/w1");
    witness_vkey_ = k->verifier_key;
    witness_key_ = std::move(*note::Ed25519Signer::FromKey(k->private_key));
    db_ = dir_.path() + "/witness.db";
    Start();
  }
  void Start() {
    server_ = std::make_unique<RunningWitness>(db_, std::vector<std::string>{log_.vkey()},
                                               witness_key_.get(), &clock_);
  }
  void Restart() {
    server_.reset();
    Start();
  }
  // Checks a 200 response carries a valid cosignature of `body` by this witness.
  void ExpectCosigned(const Response& r, const std::string& body) {
    ASSERT_EQ(r.status, 200) << r.body;
    auto n = note::Parse(body + "\n" + r.body);
    ASSERT_TRUE(n.ok()) << r.body;
    ASSERT_EQ(n->signatures.size(), 1u);
    auto key = note::ParseVerifierKey(witness_vkey_);
    auto t = checkpoint::VerifyCosignature(body, *key, n->signatures[0].signature);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(static_cast<int64_t>(*t), clock_.NowSeconds());
  }
  uint64_t StoredSize() {
    auto s = server_->witness().State("example.com/log");
    EXPECT_TRUE(s.ok());
    return s.ok() && s->has_value() ? (**s).size : 0;
  }

  TempDir dir_;
  ManualClock clock_{1'790'000'000'000'000};
  TestLog log_{"example.com/log", "A"};
  std::string witness_vkey_, db_;
  std::unique_ptr<note::Ed25519Signer> witness_key_;
  std::unique_ptr<RunningWitness> server_;
};

TEST_F(WitnessTest, FirstCheckpointThenAdvanceWithProof) {
  ExpectCosigned(server_->Post(log_.Request(0, 5)), log_.Body(5));
  EXPECT_EQ(StoredSize(), 5u);
  clock_.AdvanceSeconds(10);
  ExpectCosigned(server_->Post(log_.Request(5, 9)), log_.Body(9));
  EXPECT_EQ(StoredSize(), 9u);
  // Same checkpoint again (old == size, empty proof) is cosigned again.
  ExpectCosigned(server_->Post(log_.Request(9, 9)), log_.Body(9));
  // The stored checkpoint carries the log signature and our cosignature.
  auto st = server_->witness().State("example.com/log");
  ASSERT_TRUE(st.ok() && st->has_value());
  auto cv = checkpoint::CosignatureVerifier::FromKey(witness_vkey_);
  auto lv = note::Ed25519Verifier::FromKey(log_.vkey());
  const note::Verifier* vs[] = {lv->get(), cv->get()};
  auto opened = note::Open((**st).checkpoint, vs);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->verified.size(), 2u);
}

TEST_F(WitnessTest, StaleOldGets409WithSize) {
  ASSERT_EQ(server_->Post(log_.Request(0, 5)).status, 200);
  Response r = server_->Post(log_.Request(0, 7));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.content_type, "text/x.tlog.size");
  EXPECT_EQ(r.body, "5\n");
  r = server_->Post(log_.Request(3, 7));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, "5\n");
  EXPECT_EQ(StoredSize(), 5u);
}

TEST_F(WitnessTest, OldBeyondSizeIs400) {
  ASSERT_EQ(server_->Post(log_.Request(0, 5)).status, 200);
  AddCheckpointRequest req{9, {}, log_.Signed(5)};
  EXPECT_EQ(server_->Post(FormatAddCheckpointRequest(req)).status, 400);
  EXPECT_EQ(server_->Post("garbage").status, 400);
  EXPECT_EQ(server_->Post("old 0\n\nnot a note\n").status, 400);
}

TEST_F(WitnessTest, BadProofIs422) {
  ASSERT_EQ(server_->Post(log_.Request(0, 5)).status, 200);
  auto proof = log_.Proof(5, 9);
  AddCheckpointRequest req{5, proof, log_.Signed(9)};
  req.proof[0][3] ^= 1;
  EXPECT_EQ(server_->Post(FormatAddCheckpointRequest(req)).status, 422);
  req.proof = proof;
  req.proof.pop_back();
  EXPECT_EQ(server_->Post(FormatAddCheckpointRequest(req)).status, 422);
  req.proof = {};
  EXPECT_EQ(server_->Post(FormatAddCheckpointRequest(req)).status, 422);
  EXPECT_EQ(StoredSize(), 5u);
  // A non-empty proof with old 0 or old == size is also refused.
  AddCheckpointRequest same{5, proof, log_.Signed(5)};
  EXPECT_EQ(server_->Post(FormatAddCheckpointRequest(same)).status, 422);
}

TEST_F(WitnessTest, SameSizeDifferentRootIs409) {
  ASSERT_EQ(server_->Post(log_.Request(0, 5)).status, 200);
  auto fork = log_.Fork("B");
  Response r = server_->Post(fork->Request(5, 5));
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.content_type, "text/x.tlog.size");
  auto st = server_->witness().State("example.com/log");
  EXPECT_EQ((**st).root, *log_.tree().RootAt(5));
}

// A log signs two histories; the witness cosigned one and must refuse the other, even
// when the other comes with a proof that is valid within its own history.
TEST_F(WitnessTest, SplitViewRefused) {
  ASSERT_EQ(server_->Post(log_.Request(0, 5)).status, 200);
  auto fork = log_.Fork("B");
  EXPECT_EQ(server_->Post(fork->Request(5, 9)).status, 422);
  EXPECT_EQ(StoredSize(), 5u);
  // The honest history still advances.
  EXPECT_EQ(server_->Post(log_.Request(5, 9)).status, 200);
  // A fork that shares the first 9 entries but diverges after is refused too.
  auto late_fork = log_.Fork("A");  // same entries as log_ ...
  late_fork->GrowTo(9);
  late_fork->tree().Append("divergent entry");  // ... until index 9
  EXPECT_EQ(server_->Post(late_fork->Request(9, 12)).status, 200);  // consistent: a prefix
  EXPECT_EQ(server_->Post(log_.Request(12, 14)).status, 422);        // honest log now differs
}

// Regression: httplib's default SO_REUSEPORT let two witness processes share a port.
TEST_F(WitnessTest, SecondServerCannotBindTheSamePort) {
  ServerOptions o;
  o.port = server_->port();
  auto second = WitnessServer::Start(&server_->witness(), o);
  EXPECT_FALSE(second.ok());
}

TEST_F(WitnessTest, UnknownOriginIs404) {
  TestLog other("other.example/log", "C");
  EXPECT_EQ(server_->Post(other.Request(0, 3)).status, 404);
}

TEST_F(WitnessTest, UntrustedSignatureIs403) {
  TestLog impostor("example.com/log", "A");  // right origin, different key
  EXPECT_EQ(server_->Post(impostor.Request(0, 3)).status, 403);
  // A valid log note whose signature was tampered with.
  std::string req = log_.Request(0, 3);
  req[req.size() - 10] = req[req.size() - 10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(server_->Post(req).status, 403);
  EXPECT_EQ(StoredSize(), 0u);
}

TEST_F(WitnessTest, RestartKeepsState) {
  ASSERT_EQ(server_->Post(log_.Request(0, 5)).status, 200);
  ASSERT_EQ(server_->Post(log_.Request(5, 8)).status, 200);
  Restart();
  EXPECT_EQ(StoredSize(), 8u);
  Response r = server_->Post(log_.Request(0, 9));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, "8\n");
  EXPECT_EQ(server_->Post(log_.Request(8, 9)).status, 200);
}

// Many clients race to advance from the same size: exactly one wins; the state is the
// winner's checkpoint, and every later request sees it.
TEST_F(WitnessTest, ConcurrentPostsKeepStateConsistent) {
  ASSERT_EQ(server_->Post(log_.Request(0, 10)).status, 200);
  constexpr int kThreads = 8;
  std::vector<std::string> bodies;
  for (int i = 1; i <= kThreads; ++i) bodies.push_back(log_.Request(10, 10 + static_cast<uint64_t>(i)));
  std::vector<int> status(kThreads, 0);
  std::vector<std::thread> threads;
  std::atomic<int> go{0};
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      while (go.load() == 0) std::this_thread::yield();
      status[static_cast<size_t>(i)] = server_->Post(bodies[static_cast<size_t>(i)]).status;
    });
  }
  go = 1;
  for (auto& t : threads) t.join();
  int ok = 0, conflicts = 0;
  uint64_t winner = 0;
  for (int i = 0; i < kThreads; ++i) {
    if (status[static_cast<size_t>(i)] == 200) {
      ++ok;
      winner = 10 + static_cast<uint64_t>(i) + 1;
    }
    if (status[static_cast<size_t>(i)] == 409) ++conflicts;
  }
  EXPECT_EQ(ok, 1);
  EXPECT_EQ(conflicts, kThreads - 1);
  EXPECT_EQ(StoredSize(), winner);
  auto st = server_->witness().State("example.com/log");
  EXPECT_EQ((**st).root, *log_.tree().RootAt(winner));
}

}  // namespace
}  // namespace facetrail::witness
