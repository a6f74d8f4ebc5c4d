// LogStore behaviour: append/reopen, proofs and roots against merkle::MemoryTree, tiles,
// limits, locking, background checkpoints, concurrency, refusing a forked directory.
#include "facetrail/log_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "audit/log_testutil.h"
#include "audit/log_tiles.h"
#include "core/env.h"
#include "facetrail/checkpoint.h"

namespace facetrail::logstore {
namespace {

using testing::MakeKey;
using testing::MakeOptions;
using testing::TempDir;
using testing::TestEntry;

std::unique_ptr<LogStore> MustOpen(const std::string& dir, const LogStoreOptions& o) {
  auto s = LogStore::Open(dir, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(LogStoreTest, AppendReopenAndReadBack) {
  TempDir tmp;
  auto key = MakeKey();
  const std::string dir = tmp.Sub("log");
  {
    auto store = MustOpen(dir, MakeOptions(key));
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->Size(), 0u);
    EXPECT_EQ(store->LatestCheckpoint().size, 0u);
    for (uint64_t i = 0; i < 300; ++i) {
      auto idx = store->Append(TestEntry(i));
      ASSERT_TRUE(idx.ok()) << idx.status().ToString();
      EXPECT_EQ(*idx, i);
    }
    auto cp = store->Checkpoint();
    ASSERT_TRUE(cp.ok()) << cp.status().ToString();
    EXPECT_EQ(cp->size, 300u);
    // No growth: the same checkpoint comes back, nothing new is signed.
    auto again = store->Checkpoint();
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->note, cp->note);
    for (uint64_t i = 300; i < 345; ++i) ASSERT_TRUE(store->Append(TestEntry(i)).ok());
  }
  auto store = MustOpen(dir, MakeOptions(key));
  ASSERT_NE(store, nullptr);
  // Entries after the last checkpoint were durable, so recovery re-derives them.
  EXPECT_EQ(store->Size(), 345u);
  for (uint64_t i = 0; i < 345; ++i) {
    auto e = store->Entry(i);
    ASSERT_TRUE(e.ok()) << i << ": " << e.status().ToString();
    EXPECT_EQ(*e, TestEntry(i));
  }
  EXPECT_EQ(store->Entry(345).status().code(), StatusCode::kOutOfRange);
  const note::Verifier* vs[] = {key.verifier.get()};
  auto opened = checkpoint::OpenSigned(store->LatestCheckpoint().note, vs, "example.org/log");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->checkpoint.size, 300u);
  EXPECT_TRUE(store->Verify().ok()) << store->Verify().ToString();
}

TEST(LogStoreTest, RootsAndProofsMatchMemoryTree) {
  TempDir tmp;
  auto key = MakeKey();
  auto store = MustOpen(tmp.Sub("log"), MakeOptions(key));
  ASSERT_NE(store, nullptr);
  merkle::MemoryTree tree;
  const uint64_t n = 530;
  for (uint64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(store->Append(TestEntry(i)).ok());
    tree.Append(TestEntry(i));
  }
  for (uint64_t size = 0; size <= n; size += (size < 70 ? 1 : 37)) {
    auto root = store->RootHash(size);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(*root, *tree.RootAt(size)) << size;
    for (uint64_t i = 0; i < size; i += 1 + size / 9) {
      auto proof = store->InclusionProof(i, size);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      auto expect = merkle::InclusionProof(i, size, tree.HashFn());
      EXPECT_EQ(*proof, *expect);
      EXPECT_TRUE(merkle::VerifyInclusion(merkle::HashLeaf(TestEntry(i)), i, size, *proof, *root).ok());
    }
    for (uint64_t s1 = 1; s1 <= size; s1 += 1 + size / 7) {
      auto proof = store->ConsistencyProof(s1, size);
      ASSERT_TRUE(proof.ok()) << proof.status().ToString();
      EXPECT_EQ(*proof, *merkle::ConsistencyProof(s1, size, tree.HashFn()));
      EXPECT_TRUE(merkle::VerifyConsistency(s1, size, *proof, *tree.RootAt(s1), *root).ok());
    }
  }
  EXPECT_EQ(store->RootHash(n + 1).status().code(), StatusCode::kOutOfRange);
  EXPECT_FALSE(store->InclusionProof(0, n + 1).ok());
  EXPECT_FALSE(store->InclusionProof(n, n).ok());
  EXPECT_FALSE(store->ConsistencyProof(2, n + 1).ok());
}

TEST(LogStoreTest, TilesServeHashesAndEntryBundles) {
  TempDir tmp;
  auto key = MakeKey();
  auto store = MustOpen(tmp.Sub("log"), MakeOptions(key));
  ASSERT_NE(store, nullptr);
  merkle::MemoryTree tree;
  const uint64_t n = 600;
  for (uint64_t i = 0; i < n; ++i) {
    ASSERT_TRUE(store->Append(TestEntry(i)).ok());
    tree.Append(TestEntry(i));
  }
  auto hashes = [&](uint64_t level, uint64_t first, uint64_t count) {
    std::string out;
    for (uint64_t j = first; j < first + count; ++j) out += AsStringView(*tree.SubtreeHash(level, j));
    return out;
  };
  auto bundle = [&](uint64_t first, uint64_t count) {
    std::string out;
    for (uint64_t j = first; j < first + count; ++j) {
      std::string e = TestEntry(j);
      out.push_back(static_cast<char>(e.size() >> 8));
      out.push_back(static_cast<char>(e.size() & 0xff));
      out += e;
    }
    return out;
  };
  EXPECT_EQ(*store->ReadTilesPath("tile/0/000"), hashes(0, 0, 256));
  EXPECT_EQ(*store->ReadTilesPath("tile/0/001"), hashes(0, 256, 256));
  EXPECT_EQ(*store->ReadTilesPath("tile/0/002.p/88"), hashes(0, 512, 88));
  EXPECT_EQ(*store->ReadTilesPath("tile/0/002.p/3"), hashes(0, 512, 3));
  EXPECT_EQ(*store->ReadTilesPath("tile/1/000.p/2"), hashes(8, 0, 2));
  EXPECT_EQ(*store->ReadTilesPath("tile/entries/001"), bundle(256, 256));
  EXPECT_EQ(*store->ReadTilesPath("tile/entries/002.p/88"), bundle(512, 88));
  EXPECT_EQ(*store->ReadTilesPath("checkpoint"), store->LatestCheckpoint().note);
  EXPECT_EQ(store->ReadTilesPath("tile/0/002").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->ReadTilesPath("tile/0/002.p/89").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->ReadTilesPath("tile/1/000.p/3").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->ReadTilesPath("tile/entries/003.p/1").status().code(), StatusCode::kNotFound);
  for (const char* bad : {"tile/0/2", "tile/0/x000/002", "tile/0/002.p/0", "tile/0/002.p/256",
                          "tile/0/002.p/088", "tile/8/000", "tile/00/000", "tile/entries",
                          "/tile/0/000", "tile/0/000/", "tile/0/x1/000", "checkpoint/"}) {
    EXPECT_EQ(store->ReadTilesPath(bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(LogTilesTest, IndexEncodingRoundTrips) {
  EXPECT_EQ(FormatTileIndex(0), "000");
  EXPECT_EQ(FormatTileIndex(67), "067");
  EXPECT_EQ(FormatTileIndex(1234067), "x001/x234/067");
  EXPECT_EQ(FormatTileIndex(1000), "x001/000");
  for (uint64_t n : {uint64_t{0}, uint64_t{999}, uint64_t{1000}, uint64_t{1234067},
                     uint64_t{72057594037927935}}) {
    TilePath t;
    t.kind = TilePath::Kind::kHashTile;
    t.level = 3;
    t.index = n;
    t.width = 17;
    auto parsed = ParseTilePath(FormatTilePath(t));
    ASSERT_TRUE(parsed.ok()) << FormatTilePath(t);
    EXPECT_EQ(parsed->index, n);
    EXPECT_EQ(parsed->width, 17u);
    EXPECT_EQ(parsed->level, 3);
  }
}

TEST(LogStoreTest, LimitsAndOptions) {
  TempDir tmp;
  auto key = MakeKey();
  auto o = MakeOptions(key);
  o.max_entry_bytes = 100;
  auto store = MustOpen(tmp.Sub("log"), o);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->Append(std::string(100, 'x')).ok());
  EXPECT_EQ(store->Append(std::string(101, 'x')).status().code(), StatusCode::kInvalidArgument);
  store.reset();
  o.max_entry_bytes = kMaxLogEntryBytes + 1;
  EXPECT_EQ(LogStore::Open(tmp.Sub("log"), o).status().code(), StatusCode::kInvalidArgument);
  auto other = MakeKey("other.example/log");
  auto mixed = MakeOptions(key);
  mixed.verifier = other.verifier.get();
  EXPECT_EQ(LogStore::Open(tmp.Sub("log"), mixed).status().code(), StatusCode::kInvalidArgument);
  // A log signed by another key does not open.
  auto wrong = MakeOptions(other);
  wrong.origin.clear();
  EXPECT_EQ(LogStore::Open(tmp.Sub("log"), wrong).status().code(), StatusCode::kDataLoss);
  auto bad_origin = MakeOptions(key);
  bad_origin.origin = "elsewhere.example/log";
  EXPECT_EQ(LogStore::Open(tmp.Sub("log"), bad_origin).status().code(),
            StatusCode::kInvalidArgument);
  auto no_create = MakeOptions(key);
  no_create.create_if_missing = false;
  EXPECT_EQ(LogStore::Open(tmp.Sub("nothing"), no_create).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(Env::Default()->FileExists(tmp.Sub("nothing")));  // nothing created
}

TEST(LogStoreTest, OneStorePerDirectory) {
  TempDir tmp;
  auto key = MakeKey();
  auto store = MustOpen(tmp.Sub("log"), MakeOptions(key));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(LogStore::Open(tmp.Sub("log"), MakeOptions(key)).status().code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(VerifyLogDirectory(nullptr, tmp.Sub("log"), *key.verifier).status().code(),
            StatusCode::kUnavailable);
  store.reset();
  EXPECT_TRUE(VerifyLogDirectory(nullptr, tmp.Sub("log"), *key.verifier).ok());
}

TEST(LogStoreTest, BackgroundCheckpointsFollowTheInjectedClock) {
  TempDir tmp;
  auto key = MakeKey();
  ManualClock clock;
  auto o = MakeOptions(key, nullptr, &clock);
  o.checkpoint_interval_micros = 10'000'000;
  o.checkpoint_poll_millis = 5;
  auto store = MustOpen(tmp.Sub("log"), o);
  ASSERT_NE(store, nullptr);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(store->Append(TestEntry(i)).ok());
  // The interval has not passed on the injected clock: nothing may be signed however long
  // real time runs. (Sleeping only gives the thread chances to misbehave.)
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(store->LatestCheckpoint().size, 0u);
  clock.AdvanceSeconds(11);
  // Wait (up to a generous bound, for loaded machines) for the signer to notice.
  for (int spin = 0; spin < 12000 && store->LatestCheckpoint().size != 10; ++spin) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(store->LatestCheckpoint().size, 10u);
}

TEST(LogStoreTest, AppendBatchGetsConsecutiveIndices) {
  TempDir tmp;
  auto key = MakeKey();
  auto o = MakeOptions(key);
  o.max_batch_entries = 8;
  auto store = MustOpen(tmp.Sub("log"), o);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Append("solo").ok());
  // Several threads mixing batches and single appends: each batch stays contiguous.
  std::vector<std::thread> threads;
  std::atomic<bool> failed{false};
  std::vector<std::pair<uint64_t, std::vector<std::string>>> got(6);
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::vector<std::string> entries;
      for (int i = 0; i <= t; ++i) entries.push_back("b" + std::to_string(t) + "-" + std::to_string(i));
      std::vector<std::string_view> views(entries.begin(), entries.end());
      auto first = store->AppendBatch(views);
      if (!first.ok() || !store->Append("single" + std::to_string(t)).ok()) failed = true;
      got[t] = {first.ok() ? *first : 0, entries};
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_FALSE(failed);
  for (const auto& [first, entries] : got) {
    for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(*store->Entry(first + i), entries[i]);
  }
  EXPECT_EQ(store->Size(), 1u + 21u + 6u);
  std::vector<std::string_view> none;
  EXPECT_EQ(store->AppendBatch(none).status().code(), StatusCode::kInvalidArgument);
  std::vector<std::string_view> nine(9, "x");
  EXPECT_EQ(store->AppendBatch(nine).status().code(), StatusCode::kInvalidArgument);
  std::string big(kMaxLogEntryBytes + 1, 'x');
  std::vector<std::string_view> with_big = {"ok", big};
  EXPECT_EQ(store->AppendBatch(with_big).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Size(), 28u);
  EXPECT_TRUE(store->Verify().ok());
}

TEST(LogStoreTest, ManyConcurrentAppenders) {
  TempDir tmp;
  auto key = MakeKey();
  auto store = MustOpen(tmp.Sub("log"), MakeOptions(key));
  ASSERT_NE(store, nullptr);
  const int kThreads = 16, kPer = 150;
  std::vector<std::vector<uint64_t>> got(kThreads);
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPer; ++i) {
        auto idx = store->Append("t" + std::to_string(t) + "-" + std::to_string(i));
        if (!idx.ok()) {
          failed = true;
          return;
        }
        got[t].push_back(*idx);
        if (i % 50 == 0 && !store->Checkpoint().ok()) failed = true;
      }
    });
  }
  // Readers and the verifier run against the growing log at the same time.
  std::thread reader([&] {
    for (int k = 0; k < 20; ++k) {
      if (!store->Verify().ok()) failed = true;
      uint64_t n = store->Size();
      if (n > 0 && !store->InclusionProof(n - 1, n).ok()) failed = true;
    }
  });
  for (auto& th : threads) th.join();
  reader.join();
  ASSERT_FALSE(failed);
  std::set<uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPer; ++i) {
      all.insert(got[t][i]);
      EXPECT_EQ(*store->Entry(got[t][i]), "t" + std::to_string(t) + "-" + std::to_string(i));
      if (i > 0) {
        EXPECT_LT(got[t][i - 1], got[t][i]);  // one thread's appends stay in order
      }
    }
  }
  EXPECT_EQ(all.size(), size_t{kThreads * kPer});
  EXPECT_EQ(*all.rbegin(), uint64_t{kThreads * kPer - 1});
  EXPECT_TRUE(store->Checkpoint().ok());
  EXPECT_TRUE(store->Verify().ok()) << store->Verify().ToString();
}

TEST(LogStoreTest, RefusesToOpenWhenTheTreeContradictsTheSignedCheckpoint) {
  TempDir tmp;
  auto key = MakeKey();
  const std::string dir = tmp.Sub("log");
  {
    auto store = MustOpen(dir, MakeOptions(key));
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(store->Append(TestEntry(i)).ok());
    ASSERT_TRUE(store->Checkpoint().ok());
  }
  // Rewrite one stored hash under the signed checkpoint: opening must refuse rather than
  // sign a later checkpoint over a different history.
  {
    std::fstream f(dir + "/tree/4", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3);
    f.put('\x7f');
  }
  auto r = LogStore::Open(dir, MakeOptions(key));
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
  // Losing signed entries is refused too.
  TempDir tmp2;
  const std::string dir2 = tmp2.Sub("log");
  {
    auto store = MustOpen(dir2, MakeOptions(key));
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(store->Append(TestEntry(i)).ok());
    ASSERT_TRUE(store->Checkpoint().ok());
  }
  ASSERT_TRUE(Env::Default()->TruncateFile(dir2 + "/entries.log", 100).ok());
  EXPECT_EQ(LogStore::Open(dir2, MakeOptions(key)).status().code(), StatusCode::kDataLoss);
}

// Regression: a damaged length in the unsigned tail made a record look cut off, and
// recovery truncated it as a torn tail, silently dropping the acknowledged entries after it.
TEST(LogStoreTest, DamagedLengthBeforeAcknowledgedEntriesIsNotATornTail) {
  TempDir tmp;
  auto key = MakeKey();
  const std::string dir = tmp.Sub("log");
  uint64_t offset_of_5 = 0;
  {
    auto store = MustOpen(dir, MakeOptions(key));
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->Append(TestEntry(i)).ok());
    ASSERT_TRUE(store->Checkpoint().ok());
    offset_of_5 = *Env::Default()->GetFileSize(dir + "/entries.log");
    for (int i = 5; i < 9; ++i) ASSERT_TRUE(store->Append(TestEntry(i)).ok());
  }
  {
    // Entry 5's length now claims more bytes than the file has.
    std::fstream f(dir + "/entries.log", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(offset_of_5 + 2));
    f.put('\x7f');
  }
  auto r = LogStore::Open(dir, MakeOptions(key));
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
  EXPECT_NE(r.status().message().find("offset " + std::to_string(offset_of_5)), std::string::npos)
      << r.status().message();
}

// The same for the checkpoint history: a damaged length must not silently drop the
// signed checkpoints recorded after it.
TEST(LogStoreTest, DamagedLengthInCheckpointHistoryIsNotATornTail) {
  TempDir tmp;
  auto key = MakeKey();
  const std::string dir = tmp.Sub("log");
  {
    auto store = MustOpen(dir, MakeOptions(key));
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(store->Append(TestEntry(i)).ok());
      ASSERT_TRUE(store->Checkpoint().ok());
    }
  }
  {
    // Record 0 (the size-0 checkpoint) now claims ~32 KiB: past the end of the file, within
    // the record bound, so it looks like a record cut short.
    std::fstream f(dir + "/checkpoints.log", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2);
    f.put('\x7f');
  }
  auto r = LogStore::Open(dir, MakeOptions(key));
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << r.status().ToString();
}

// A real torn tail (the write of an unacknowledged batch cut short) is repaired.
TEST(LogStoreTest, TornTailIsTruncated) {
  TempDir tmp;
  auto key = MakeKey();
  const std::string dir = tmp.Sub("log");
  uint64_t full = 0;
  {
    auto store = MustOpen(dir, MakeOptions(key));
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 6; ++i) ASSERT_TRUE(store->Append(TestEntry(i)).ok());
    full = *Env::Default()->GetFileSize(dir + "/entries.log");
  }
  {
    std::ofstream f(dir + "/entries.log", std::ios::binary | std::ios::app);
    f << std::string("\x00\x00\x01\x00\x12\x34\x56\x78partial", 15);
  }
  auto store = MustOpen(dir, MakeOptions(key));
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Size(), 6u);
  EXPECT_EQ(*Env::Default()->GetFileSize(dir + "/entries.log"), full);
  EXPECT_TRUE(store->Verify().ok());
}

}  // namespace
}  // namespace facetrail::logstore
