// The auditor's parsers without a network: tile bodies (exact sizes, bounded entries),
// the JSON nesting bound, and a case export built by an independent implementation
// (Python: RFC 9162 tree and proofs, python3-cryptography Ed25519; the fuzzer's seed,
// fuzz/corpus/case_export/valid_export.json) verifying here, record by record.
#include <gtest/gtest.h>

#include <string>

#include "audit/case_export.h"
#include "audit/json_nesting.h"
#include "audit/log_tiles.h"
#include "core/env.h"
#include "facetrail/merkle.h"
#include "facetrail/note.h"

namespace facetrail::auditor {
namespace {

using logstore::ParseEntryBundle;
using logstore::ParseHashTile;

TEST(TileBodyTest, HashTilesMustHaveExactlyTheirWidth) {
  std::string body(64, 'a');
  auto two = ParseHashTile(body, 2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->size(), 2u);
  EXPECT_EQ(ParseHashTile(body, 1).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseHashTile(body + "x", 2).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseHashTile("", 0).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(ParseHashTile(std::string(32 * 257, 'a'), 257).status().code(), StatusCode::kDataLoss);
}

TEST(TileBodyTest, EntryBundlesAreExactAndBounded) {
  const std::string bundle = std::string("\x00\x02hi\x00\x00", 6) + std::string("\x00\x03you", 5);
  auto e = ParseEntryBundle(bundle, 3, 100);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(e->size(), 3u);
  EXPECT_EQ((*e)[0], "hi");
  EXPECT_EQ((*e)[1], "");
  EXPECT_EQ((*e)[2], "you");
  EXPECT_FALSE(ParseEntryBundle(bundle, 2, 100).ok());                  // bytes left over
  EXPECT_FALSE(ParseEntryBundle(bundle, 4, 100).ok());                  // one missing
  EXPECT_FALSE(ParseEntryBundle(bundle.substr(0, 10), 3, 100).ok());    // cut off
  EXPECT_FALSE(ParseEntryBundle(bundle, 3, 2).ok());                    // entry over the limit
  EXPECT_FALSE(ParseEntryBundle(bundle.substr(0, 1), 1, 100).ok());     // half a length
}

TEST(TileBodyTest, TileWidthsFollowTheTreeSize) {
  EXPECT_EQ(logstore::TileCountAt(0, 0), 0u);
  EXPECT_EQ(logstore::TileCountAt(0, 256), 1u);
  EXPECT_EQ(logstore::TileCountAt(0, 257), 2u);
  EXPECT_EQ(logstore::TileCountAt(1, 255), 0u);
  EXPECT_EQ(logstore::TileCountAt(1, 65536 + 256), 2u);
  auto t = logstore::HashTileAt(1, 1, 65536 + 256 * 3);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(logstore::FormatTilePath(*t), "tile/1/001.p/3");
  EXPECT_EQ(logstore::HashTileAt(0, 2, 512).status().code(), StatusCode::kOutOfRange);
  auto b = logstore::EntryBundleAt(1234067, 1234067ull * 256 + 5);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(logstore::FormatTilePath(*b), "tile/entries/x001/x234/067.p/5");
}

TEST(JsonNestingTest, CountsOnlyStructureOutsideStrings) {
  EXPECT_TRUE(CheckJsonNesting(R"({"a":[[1]],"s":"[[[[[[\"[[["})", 3).ok());
  EXPECT_FALSE(CheckJsonNesting("[[[[", 3).ok());
  EXPECT_TRUE(CheckJsonNesting("[[[]]]", 3).ok());
}

class IndependentExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto body = Env::Default()->ReadFileToString(std::string(FACETRAIL_SOURCE_DIR) +
                                                 "/fuzz/corpus/case_export/valid_export.json");
    ASSERT_TRUE(body.ok()) << body.status().ToString();
    body_ = *body;
    auto k = note::Ed25519Verifier::FromKey(
        "facetrail.local/demo-pd/fuzz+3dc50729+AVOSe1ZndURzFpVjgTvr673HtWeHPxhjUG4YY6UM7R5J");
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    key_ = std::move(*k);
  }
  std::string body_;
  std::unique_ptr<note::Ed25519Verifier> key_;
};

TEST_F(IndependentExportTest, AnExportBuiltInPythonVerifies) {
  CaseExportCheck x = VerifyCaseExport(body_, *key_, "C-42");
  EXPECT_TRUE(x.verification.ok()) << x.verification.ToString();
  EXPECT_EQ(x.size, 7u);
  ASSERT_EQ(x.records.size(), 6u);
  for (const CaseRecordCheck& r : x.records) {
    EXPECT_TRUE(r.status.ok()) << r.index << ": " << r.status.ToString();
    EXPECT_TRUE(r.names_case);
    EXPECT_EQ(r.outcome, "denied");
  }
  EXPECT_EQ(x.records[0].type, "access.read");
  EXPECT_EQ(x.records[1].type, "query.verify");
}

TEST_F(IndependentExportTest, OneChangedCharacterAnywhereInAnEntryFails) {
  // Flip the case of each letter inside the first record's entry object in turn.
  const size_t start = body_.find("\"entry\": {");
  ASSERT_NE(start, std::string::npos);
  const size_t end = body_.find(", \"leaf_hash\"", start);
  ASSERT_NE(end, std::string::npos);
  int changed = 0;
  for (size_t i = start + 10; i < end; ++i) {
    if (!std::isalpha(static_cast<unsigned char>(body_[i]))) continue;
    std::string edited = body_;
    edited[i] ^= 0x20;
    CaseExportCheck x = VerifyCaseExport(edited, *key_, "C-42");
    EXPECT_FALSE(x.verification.ok()) << "offset " << i;
    ++changed;
  }
  EXPECT_GT(changed, 100);
}

}  // namespace
}  // namespace facetrail::auditor
