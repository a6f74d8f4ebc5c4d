// Crash safety under SIGKILL. The test re-executes its own binary as a child
// (LogCrashChild.Run, which only runs when FACETRAIL_CRASH_CHILD_DIR is set) that appends
// from several threads and signs checkpoints, printing every acknowledged index with its
// entry and every checkpoint it was handed. The parent kills it at a random moment, then
// reopens the log and checks: every acknowledged index holds its bytes, the log verifies,
// and every checkpoint ever printed (across all restarts) is consistent with every other.
//
// FACETRAIL_CRASH_TRIALS (default 200) sets the number of kills; FACETRAIL_CRASH_SEED
// replays a run (the seed is printed).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "audit/log_testutil.h"
#include "core/env.h"
#include "core/thread_annotations.h"
#include "facetrail/checkpoint.h"
#include "facetrail/encoding.h"
#include "facetrail/log_store.h"

namespace facetrail::logstore {
namespace {

constexpr char kOrigin[] = "crash.example/log";
constexpr int kChildThreads = 4;

// ---- child -------------------------------------------------------------------------

Mutex out_mu;

void EmitLine(const std::string& line) {
  MutexLock l(&out_mu);
  std::string s = line + "\n";  // < PIPE_BUF: one write() is atomic on the pipe
  const char* p = s.data();
  size_t n = s.size();
  while (n > 0) {
    ssize_t w = ::write(1, p, n);
    if (w <= 0) std::_Exit(4);
    p += w;
    n -= static_cast<size_t>(w);
  }
}

TEST(LogCrashChild, Run) {
  const char* dir = std::getenv("FACETRAIL_CRASH_CHILD_DIR");
  const char* skey = std::getenv("FACETRAIL_CRASH_CHILD_KEY");
  if (dir == nullptr || skey == nullptr) {
    GTEST_SKIP() << "helper process for LogCrashTest; runs only as its child";
  }
  auto signer = note::Ed25519Signer::FromKey(skey);
  ASSERT_TRUE(signer.ok());
  auto verifier = note::Ed25519Verifier::FromKey((*signer)->VerifierKeyString());
  ASSERT_TRUE(verifier.ok());
  LogStoreOptions o;
  o.origin = kOrigin;
  o.signer = signer->get();
  o.verifier = verifier->get();
  o.create_if_missing = true;
  o.checkpoint_interval_micros = 3000;  // the background signer runs too
  o.checkpoint_poll_millis = 1;
  auto store = LogStore::Open(dir, o);
  if (!store.ok()) {
    EmitLine("E " + store.status().ToString());
    std::_Exit(3);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kChildThreads; ++t) {
    threads.emplace_back([&, t] {
      for (uint64_t seq = 0;; ++seq) {
        std::string e = "p" + std::to_string(::getpid()) + "-t" + std::to_string(t) + "-" +
                        std::to_string(seq);
        auto idx = (*store)->Append(e);
        if (!idx.ok()) {
          EmitLine("E " + idx.status().ToString());
          std::_Exit(5);
        }
        EmitLine("A " + std::to_string(*idx) + " " + e);
      }
    });
  }
  uint64_t last = UINT64_MAX;
  while (true) {
    auto cp = (*store)->Checkpoint();
    if (!cp.ok()) {
      EmitLine("E " + cp.status().ToString());
      std::_Exit(6);
    }
    if (cp->size != last) {
      EmitLine("C " + Base64Encode(cp->note));
      last = cp->size;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
}

// ---- parent ------------------------------------------------------------------------

struct SeenCheckpoint {
  uint64_t size;
  merkle::Hash root;
};

// Runs the child for about `run_ms`, kills it with SIGKILL and returns what it printed.
std::string RunAndKill(const std::string& dir, const std::string& skey, int run_ms) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    ::setenv("FACETRAIL_CRASH_CHILD_DIR", dir.c_str(), 1);
    ::setenv("FACETRAIL_CRASH_CHILD_KEY", skey.c_str(), 1);
    ::execl("/proc/self/exe", "log_crash_child", "--gtest_filter=LogCrashChild.Run",
            "--gtest_brief=1", static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  ::close(fds[1]);
  std::string out;
  char buf[65536];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(run_ms);
  bool eof = false;
  while (!eof) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) > 0) {
      ssize_t r = ::read(fds[0], buf, sizeof(buf));
      if (r <= 0) {
        eof = true;
      } else {
        out.append(buf, static_cast<size_t>(r));
      }
    }
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  // Whatever it wrote before dying is in the pipe.
  while (true) {
    ssize_t r = ::read(fds[0], buf, sizeof(buf));
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  ::close(fds[0]);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
      << "child exited on its own (status " << status << "): " << out.substr(out.rfind('\n', out.size() - 2) + 1);
  return out;
}

TEST(LogCrashTest, SigkillAtRandomMomentsNeverLosesAcknowledgedEntriesOrForks) {
  int trials = 200;
  if (const char* t = std::getenv("FACETRAIL_CRASH_TRIALS")) trials = std::atoi(t);
  uint64_t seed = std::random_device{}();
  if (const char* s = std::getenv("FACETRAIL_CRASH_SEED")) seed = std::strtoull(s, nullptr, 10);
  std::printf("crash trials: %d, FACETRAIL_CRASH_SEED=%llu\n", trials,
              static_cast<unsigned long long>(seed));
  std::mt19937_64 rng(seed);
  testing::TestKey key = testing::MakeKey(kOrigin);
  const note::Verifier* verifiers[] = {key.verifier.get()};
  testing::TempDir tmp(/*scratch=*/true);

  // A fresh log every kTrialsPerLog kills keeps the per-trial full verification cheap.
  constexpr int kTrialsPerLog = 25;
  std::string dir;
  std::map<uint64_t, std::string> acked;
  std::vector<SeenCheckpoint> seen;
  uint64_t total_acked = 0, total_checkpoints = 0;
  for (int trial = 0; trial < trials; ++trial) {
    if (trial % kTrialsPerLog == 0) {
      dir = tmp.Sub("log" + std::to_string(trial / kTrialsPerLog));
      acked.clear();
      seen.clear();
    }
    SCOPED_TRACE("trial " + std::to_string(trial) + " seed " + std::to_string(seed));
    // Kill anywhere from exec/startup/recovery to well into the load.
    int run_ms = std::uniform_int_distribution<int>(0, 80)(rng);
    std::string out = RunAndKill(dir, key.private_key, run_ms);
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
      if (lines.eof()) break;  // a line cut by the kill has no "\n": never acknowledged
      if (line.rfind("A ", 0) == 0) {
        size_t sp = line.find(' ', 2);
        uint64_t idx = std::stoull(line.substr(2, sp - 2));
        std::string entry = line.substr(sp + 1);
        auto [it, inserted] = acked.emplace(idx, entry);
        ASSERT_TRUE(inserted || it->second == entry)
            << "index " << idx << " acknowledged twice: " << it->second << " and " << entry;
        ++total_acked;
      } else if (line.rfind("C ", 0) == 0) {
        auto note = Base64Decode(line.substr(2));
        ASSERT_TRUE(note.ok());
        auto cp = checkpoint::OpenSigned(*note, verifiers, kOrigin);
        ASSERT_TRUE(cp.ok()) << cp.status().ToString();
        seen.push_back({cp->checkpoint.size, cp->checkpoint.root});
        ++total_checkpoints;
      } else {
        FAIL() << "child reported: " << line;
      }
    }
    // Restart: recovery must succeed and keep everything that was acknowledged.
    LogStoreOptions o = testing::MakeOptions(key);
    o.origin = kOrigin;
    auto store = LogStore::Open(dir, o);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (const auto& [idx, entry] : acked) {
      auto e = (*store)->Entry(idx);
      ASSERT_TRUE(e.ok()) << "acknowledged index " << idx << " lost: " << e.status().ToString();
      ASSERT_EQ(*e, entry) << "index " << idx;
    }
    // No two checkpoints ever handed out disagree: all are prefixes of the recovered tree,
    // and consecutive ones (by size) are linked by a verified consistency proof.
    std::vector<SeenCheckpoint> sorted = seen;
    std::sort(sorted.begin(), sorted.end(),
              [](const SeenCheckpoint& a, const SeenCheckpoint& b) { return a.size < b.size; });
    for (size_t k = 0; k < sorted.size(); ++k) {
      ASSERT_LE(sorted[k].size, (*store)->Size());
      ASSERT_EQ(*(*store)->RootHash(sorted[k].size), sorted[k].root) << "size " << sorted[k].size;
      if (k == 0) continue;
      const SeenCheckpoint& a = sorted[k - 1];
      const SeenCheckpoint& b = sorted[k];
      if (a.size == b.size) {
        ASSERT_EQ(a.root, b.root) << "two roots signed for size " << a.size;
      } else if (a.size > 0) {
        auto proof = (*store)->ConsistencyProof(a.size, b.size);
        ASSERT_TRUE(proof.ok());
        ASSERT_TRUE(merkle::VerifyConsistency(a.size, b.size, *proof, a.root, b.root).ok())
            << a.size << " -> " << b.size;
      }
    }
    Status v = (*store)->Verify();
    ASSERT_TRUE(v.ok()) << v.ToString();
    store->reset();
  }
  std::printf("acknowledged entries checked: %llu, checkpoints checked: %llu\n",
              static_cast<unsigned long long>(total_acked),
              static_cast<unsigned long long>(total_checkpoints));
  EXPECT_GT(total_acked, 0u);
  EXPECT_GT(total_checkpoints, 0u);
}

}  // namespace
}  // namespace facetrail::logstore
