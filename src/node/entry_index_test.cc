// IndexedEntryOf (what the node indexes for a fresh entry, without re-parsing it) must
// agree with ParseIndexedEntry (what a re-index after a crash reads back from the log), or
// case exports and usage counts would change with a restart.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "node/audit_entry.h"
#include "node/entry_index.h"

namespace facetrail::node {
namespace {

void ExpectSame(const IndexedEntry& a, const IndexedEntry& b) {
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.case_number, b.case_number);
  EXPECT_EQ(a.purpose, b.purpose);
  EXPECT_EQ(a.outcome, b.outcome);
  EXPECT_EQ(a.result, b.result);
}

TEST(EntryIndexTest, IndexedEntryOfMatchesParsedEntry) {
  const AuditContext ctx{"node-1", "agency-1", 3};
  const AuditActor officer{"officer-1", "officer", "training-1"};
  struct Case {
    std::string_view type;
    std::string_view outcome;
    nlohmann::json details;
  };
  const std::vector<Case> cases = {
      {event::kVerify, "ok",
       {{"purpose", "robbery"}, {"case_number", "CASE-1"}, {"result", "match"}, {"score", 0.7}}},
      {event::kSearch, "denied", {{"purpose", "fraud"}, {"case_number", "CASE-2"}}},
      {event::kSearch, "ok",
       {{"case_number", "CASE-3"}, {"result", "candidates"}, {"candidates", nlohmann::json::array()}}},
      // Non-string fields are not indexed (ParseIndexedEntry reads strings only).
      {event::kDecision, "ok", {{"case_number", 17}, {"purpose", nullptr}, {"result", true}}},
      {event::kNodeStart, "ok", nlohmann::json::object()},
  };
  uint64_t index = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.details.dump());
    auto entry = SerializeAuditEntry(ctx, c.type, 1'700'000'000'000'000, officer, c.outcome,
                                     c.outcome == "ok" ? "" : "refused", c.details);
    ASSERT_TRUE(entry.ok()) << entry.status().ToString();
    auto parsed = ParseIndexedEntry(index, *entry);
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    ExpectSame(IndexedEntryOf(index, c.type, c.outcome, c.details), *parsed);
    ++index;
  }
  // The first case really carries its fields (the comparison is not of empty strings).
  auto first = IndexedEntryOf(0, cases[0].type, cases[0].outcome, cases[0].details);
  EXPECT_EQ(first.case_number, "CASE-1");
  EXPECT_EQ(first.result, "match");
}

class EntryIndexStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ftindex-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<EntryIndex> Open() {
    auto ix = EntryIndex::Open(dir_ + "/entries.db");
    EXPECT_TRUE(ix.ok()) << ix.status().ToString();
    return ix.ok() ? std::move(*ix) : nullptr;
  }
  static IndexedEntry Query(uint64_t index, const std::string& case_number, const std::string& result) {
    return IndexedEntry{index, "query.verify", case_number, "robbery", "ok", result};
  }
  std::string dir_;
};

// Writes are queued; a read right after an Add must still see it (a case export taken
// just after a query lists that query).
TEST_F(EntryIndexStoreTest, ReadAfterAddSeesTheEntry) {
  auto ix = Open();
  ASSERT_NE(ix, nullptr);
  for (uint64_t i = 0; i < 300; ++i) {
    ASSERT_TRUE(ix->Add(Query(i, "C-" + std::to_string(i), "match")).ok());
    auto got = ix->EntriesForCase("C-" + std::to_string(i));
    ASSERT_TRUE(got.ok());
    ASSERT_EQ(*got, std::vector<uint64_t>{i}) << "entry " << i << " not visible after Add returned";
  }
  auto n = ix->IndexedCount();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 300u);
}

TEST_F(EntryIndexStoreTest, ConcurrentAddersLoseNothing) {
  auto ix = Open();
  ASSERT_NE(ix, nullptr);
  constexpr int kThreads = 8, kPerThread = 1500;  // more than the queue bound in total
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const uint64_t index = static_cast<uint64_t>(i * kThreads + t);
        EXPECT_TRUE(ix->Add(Query(index, "CASE-" + std::to_string(t), i % 3 == 0 ? "match" : "no_match")).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    auto got = ix->EntriesForCase("CASE-" + std::to_string(t));
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(got->size(), static_cast<size_t>(kPerThread));
  }
  auto counts = ix->Counts();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ((*counts)["verify"]["robbery"]["match"], kThreads * 500);
  EXPECT_EQ((*counts)["verify"]["robbery"]["no_match"], kThreads * 1000);
  auto n = ix->IndexedCount();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, static_cast<uint64_t>(kThreads * kPerThread));
}

// Closing the index commits what was queued: nothing accepted by Add is dropped.
TEST_F(EntryIndexStoreTest, CloseDrainsTheQueue) {
  {
    auto ix = Open();
    ASSERT_NE(ix, nullptr);
    for (uint64_t i = 0; i < 2000; ++i) ASSERT_TRUE(ix->Add(Query(i, "C-1", "match")).ok());
  }
  auto ix = Open();
  ASSERT_NE(ix, nullptr);
  auto n = ix->IndexedCount();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2000u);
}

}  // namespace
}  // namespace facetrail::node
