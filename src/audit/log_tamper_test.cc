// Tampering: change every byte of every stored file of a small log, one at a time, and
// require the full verification to fail and to name the file that was changed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "audit/log_testutil.h"
#include "core/env.h"
#include "facetrail/log_store.h"

namespace facetrail::logstore {
namespace {

using testing::MakeKey;
using testing::MakeOptions;
using testing::TestEntry;

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << data;
}

TEST(LogTamperTest, EverySingleByteChangeIsDetectedAndNamed) {
  testing::TempDir tmp(/*scratch=*/true);
  auto key = MakeKey();
  const std::string dir = tmp.Sub("log");
  {
    auto store = LogStore::Open(dir, MakeOptions(key));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (uint64_t i = 0; i < 11; ++i) {
      ASSERT_TRUE((*store)->Append(TestEntry(i)).ok());
      if (i == 2 || i == 6) {
        ASSERT_TRUE((*store)->Checkpoint().ok());
      }
    }
    ASSERT_TRUE((*store)->Checkpoint().ok());  // everything covered by a signature
  }
  auto clean = VerifyLogDirectory(nullptr, dir, *key.verifier);
  ASSERT_TRUE(clean.ok()) << clean.status().ToString();
  EXPECT_EQ(clean->entries, 11u);
  EXPECT_EQ(clean->checkpoints, 4u);  // sizes 0, 3, 7, 11

  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::string rel = std::filesystem::relative(e.path(), dir).string();
    if (rel == "LOCK") continue;  // empty; holds no data
    files.push_back(rel);
  }
  std::sort(files.begin(), files.end());
  ASSERT_EQ(files, (std::vector<std::string>{"checkpoint", "checkpoints.log", "entries.idx",
                                             "entries.log", "tree/0", "tree/1", "tree/2",
                                             "tree/3"}));
  size_t flips = 0;
  for (const std::string& rel : files) {
    const std::string path = dir + "/" + rel;
    const std::string original = ReadAll(path);
    ASSERT_FALSE(original.empty()) << rel;
    for (size_t pos = 0; pos < original.size(); ++pos) {
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0xff}}) {
        std::string bad = original;
        bad[pos] = static_cast<char>(bad[pos] ^ mask);
        WriteAll(path, bad);
        auto r = VerifyLogDirectory(nullptr, dir, *key.verifier);
        ++flips;
        ASSERT_FALSE(r.ok()) << rel << " byte " << pos << " ^ " << int{mask} << " went unnoticed";
        EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << rel << " " << pos;
        EXPECT_NE(r.status().message().find(rel + ":"), std::string::npos)
            << rel << " byte " << pos << ": message does not name the file: "
            << r.status().message();
      }
    }
    // Truncation (a lost tail) and trailing garbage are caught as well.
    WriteAll(path, original.substr(0, original.size() - 1));
    EXPECT_FALSE(VerifyLogDirectory(nullptr, dir, *key.verifier).ok()) << rel << " truncated";
    WriteAll(path, original + std::string(1, '\0'));
    EXPECT_FALSE(VerifyLogDirectory(nullptr, dir, *key.verifier).ok()) << rel << " extended";
    WriteAll(path, original);
  }
  EXPECT_GT(flips, 2000u);
  EXPECT_TRUE(VerifyLogDirectory(nullptr, dir, *key.verifier).ok());
}

}  // namespace
}  // namespace facetrail::logstore
