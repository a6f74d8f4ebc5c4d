// IndexedEntryOf (what the node indexes for a fresh entry, without re-parsing it) must
// agree with ParseIndexedEntry (what a re-index after a crash reads back from the log), or
// case exports and usage counts would change with a restart.
#include <gtest/gtest.h>
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

}  // namespace
}  // namespace facetrail::node
