// Fault injection through FaultInjectionEnv (after leveldb db/fault_injection_test.cc and
// tessera's integration/fault): fail every single write, then every single fsync, of a
// small workload, once each; the caller must see an error, no acknowledged entry may be
// lost, every checkpoint handed out must stay part of the history, and the log must verify
// after reopening, both as the process left it and after a simulated power loss.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>

#include "audit/log_testutil.h"
#include "core/env.h"
#include "core/fault_injection_env.h"
#include "facetrail/log_store.h"

namespace facetrail::logstore {
namespace {

using testing::MakeKey;
using testing::MakeOptions;
using testing::TestEntry;
using testing::TestKey;

using testing::ScratchRoot;

struct Outcome {
  std::map<uint64_t, std::string> acked;    // index -> entry
  std::vector<SignedCheckpoint> checkpoints;  // every checkpoint handed out
  Status first_error;
  size_t errors = 0;
};

// Creates a log and runs: appends in batches of one, checkpoints in between. Stops at
// the first error, after checking that the store refuses further work.
Outcome RunWorkload(Env* env, const std::string& dir, const TestKey& key) {
  Outcome out;
  auto note_error = [&](const Status& s) {
    if (out.errors++ == 0) out.first_error = s;
  };
  auto opened = LogStore::Open(dir, MakeOptions(key, env));
  if (!opened.ok()) {
    note_error(opened.status());
    return out;
  }
  std::unique_ptr<LogStore> store = std::move(*opened);
  for (uint64_t i = 0; i < 12; ++i) {
    auto idx = store->Append(TestEntry(i));
    if (!idx.ok()) {
      note_error(idx.status());
      // A stopped store stays stopped: nothing may be acknowledged after an I/O error.
      EXPECT_FALSE(store->Append("after error").ok());
      EXPECT_FALSE(store->Checkpoint().ok());
      return out;
    }
    out.acked[*idx] = TestEntry(i);
    if (i % 4 == 1) {
      // A multi-entry batch too: one write, one fsync, consecutive indices.
      std::string a = TestEntry(100 + i), b = TestEntry(200 + i);
      std::vector<std::string_view> batch = {a, b};
      auto first = store->AppendBatch(batch);
      if (!first.ok()) {
        note_error(first.status());
        EXPECT_FALSE(store->Append("after error").ok());
        return out;
      }
      out.acked[*first] = a;
      out.acked[*first + 1] = b;
    }
    if (i % 4 == 2) {
      auto cp = store->Checkpoint();
      if (!cp.ok()) {
        note_error(cp.status());
        EXPECT_FALSE(store->Append("after error").ok());
        return out;
      }
      out.checkpoints.push_back(*cp);
    }
  }
  return out;
}

// Reopens with the plain Env and checks the invariants.
void CheckRecovered(const std::string& dir, const TestKey& key, const Outcome& out,
                    const std::string& what) {
  SCOPED_TRACE(what);
  auto opened = LogStore::Open(dir, MakeOptions(key));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  LogStore& store = **opened;
  for (const auto& [index, entry] : out.acked) {
    auto e = store.Entry(index);
    ASSERT_TRUE(e.ok()) << "acknowledged entry " << index << " lost: " << e.status().ToString();
    EXPECT_EQ(*e, entry) << index;
  }
  // Appending and signing work again, and every checkpoint handed out before the fault is
  // a prefix of the history now.
  ASSERT_TRUE(store.Append("after recovery").ok());
  auto now = store.Checkpoint();
  ASSERT_TRUE(now.ok()) << now.status().ToString();
  for (const SignedCheckpoint& cp : out.checkpoints) {
    ASSERT_LE(cp.size, now->size);
    EXPECT_EQ(*store.RootHash(cp.size), cp.root) << "checkpoint of size " << cp.size;
    if (cp.size > 0) {
      auto proof = store.ConsistencyProof(cp.size, now->size);
      ASSERT_TRUE(proof.ok());
      EXPECT_TRUE(merkle::VerifyConsistency(cp.size, now->size, *proof, cp.root, now->root).ok());
    }
  }
  Status v = store.Verify();
  EXPECT_TRUE(v.ok()) << v.ToString();
  opened->reset();
  auto report = VerifyLogDirectory(nullptr, dir, *key.verifier);
  EXPECT_TRUE(report.ok()) << report.status().ToString();
}

enum class Fault { kWrite, kSync };

void RunFaultLoop(Fault fault) {
  auto key = MakeKey();
  // Count the operations of a clean run.
  uint64_t total;
  {
    testing::TempDir tmp(/*scratch=*/true);
    FaultInjectionEnv fenv(Env::Default());
    Outcome clean = RunWorkload(&fenv, tmp.Sub("log"), key);
    ASSERT_EQ(clean.errors, 0u) << clean.first_error.ToString();
    total = fault == Fault::kWrite ? fenv.writes() : fenv.syncs();
  }
  ASSERT_GT(total, 10u);
  std::printf("injecting a %s failure at each of %llu positions\n",
              fault == Fault::kWrite ? "write" : "fsync", static_cast<unsigned long long>(total));
  for (uint64_t n = 1; n <= total; ++n) {
    for (bool power_loss : {false, true}) {
      const std::string what = std::string(fault == Fault::kWrite ? "write " : "fsync ") +
                               std::to_string(n) + "/" + std::to_string(total) +
                               (power_loss ? " + power loss" : "");
      std::string dir = ScratchRoot() + "/ftfault-" + std::to_string(::getpid()) + "-" +
                        std::to_string(n) + (power_loss ? "p" : "");
      std::filesystem::remove_all(dir);
      FaultInjectionEnv fenv(Env::Default());
      if (fault == Fault::kWrite) {
        fenv.FailNthWrite(n);
      } else {
        fenv.FailNthSync(n);
      }
      Outcome out = RunWorkload(&fenv, dir, key);
      EXPECT_GE(out.errors, 1u) << what << ": the injected fault never reached the caller";
      if (out.errors > 0) {
        EXPECT_EQ(out.first_error.code(), StatusCode::kIOError)
            << what << ": " << out.first_error.ToString();
      }
      if (power_loss) {
        ASSERT_TRUE(fenv.DropUnsyncedData().ok());
      }
      if (std::filesystem::exists(dir + "/checkpoint")) {
        CheckRecovered(dir, key, out, what);
      } else {
        // The fault hit creation: nothing was acknowledged, and creating again works.
        EXPECT_TRUE(out.acked.empty()) << what;
        auto again = LogStore::Open(dir, MakeOptions(key));
        EXPECT_TRUE(again.ok()) << what << ": " << again.status().ToString();
      }
      std::filesystem::remove_all(dir);
    }
  }
}

TEST(LogFaultTest, EveryWriteFailureIsReportedAndRecoverable) { RunFaultLoop(Fault::kWrite); }

TEST(LogFaultTest, EveryFsyncFailureIsReportedAndRecoverable) { RunFaultLoop(Fault::kSync); }

TEST(LogFaultTest, PowerLossWithoutFaultsKeepsEveryAcknowledgedEntry) {
  auto key = MakeKey();
  std::string dir = ScratchRoot() + "/ftpower-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  FaultInjectionEnv fenv(Env::Default());
  Outcome all;
  for (int round = 0; round < 5; ++round) {
    auto opened = LogStore::Open(dir, MakeOptions(key, &fenv));
    ASSERT_TRUE(opened.ok()) << round << ": " << opened.status().ToString();
    for (int i = 0; i < 40; ++i) {
      std::string e = "r" + std::to_string(round) + "-" + std::to_string(i);
      auto idx = (*opened)->Append(e);
      ASSERT_TRUE(idx.ok());
      all.acked[*idx] = e;
      if (i == 17) all.checkpoints.push_back(*(*opened)->Checkpoint());
    }
    opened->reset();
    ASSERT_TRUE(fenv.DropUnsyncedData().ok());
    CheckRecovered(dir, key, all, "round " + std::to_string(round));
    all.acked[all.acked.size()] = "after recovery";  // CheckRecovered appended it
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace facetrail::logstore
