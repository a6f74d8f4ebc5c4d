// Gallery store tests against real SQLite files in a temporary directory.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "facetrail/gallery.h"

namespace facetrail {
namespace {

namespace fs = std::filesystem;

std::vector<float> RandomUnit(std::mt19937* rng, int dim) {
  std::normal_distribution<float> n;
  std::vector<float> v(static_cast<size_t>(dim));
  double s = 0;
  for (float& x : v) {
    x = n(*rng);
    s += double{x} * x;
  }
  for (float& x : v) x = static_cast<float>(x / std::sqrt(s));
  return v;
}

EnrolTemplate MakeTemplate(std::mt19937* rng, const std::string& model, int dim,
                           const std::string& image_bytes) {
  EnrolTemplate t;
  t.tmpl.model_id = model;
  t.tmpl.values = RandomUnit(rng, dim);
  t.source_sha256 = Sha256(image_bytes);
  t.quality = 0.9f;
  return t;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class GalleryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ft_gallery_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "gallery.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<Gallery> Open(std::optional<GalleryKey> key = std::nullopt) {
    GalleryOptions o;
    o.path = path_;
    o.clock = &clock_;
    o.key = std::move(key);
    auto g = Gallery::OpenSqlite(o);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    return g.ok() ? std::move(g).value() : nullptr;
  }

  fs::path dir_;
  std::string path_;
  ManualClock clock_;
  std::mt19937 rng_{42};
  const std::string model_ = "mobilefacenet@1#abcd";
};

TEST_F(GalleryTest, EnrolListLoadAndVersionBumps) {
  auto g = Open();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->gallery_id().size(), 32u);
  EXPECT_EQ(*g->Version(), 0);
  EXPECT_EQ(*g->ModelId(), "");

  auto a = g->Enrol("alice", "case-7/rec-1",
                    {MakeTemplate(&rng_, model_, 8, "img-a1"), MakeTemplate(&rng_, model_, 8, "img-a2")});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(a->identity_created);
  EXPECT_EQ(a->template_ids.size(), 2u);
  EXPECT_EQ(a->gallery_version, 1);

  auto b = g->Enrol("bob", "", {MakeTemplate(&rng_, model_, 8, "img-b1")});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->gallery_version, 2);
  // More images for an existing identity.
  auto a3 = g->Enrol("alice", "", {MakeTemplate(&rng_, model_, 8, "img-a3")});
  ASSERT_TRUE(a3.ok()) << a3.status().ToString();
  EXPECT_FALSE(a3->identity_created);
  EXPECT_EQ(a3->gallery_version, 3);

  EXPECT_EQ(*g->ModelId(), model_);
  auto list = g->ListIdentities("", 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "alice");
  EXPECT_EQ((*list)[0].record_ref, "case-7/rec-1");
  EXPECT_EQ((*list)[0].template_count, 3);
  EXPECT_EQ((*list)[0].created_at_micros, clock_.NowMicros());
  EXPECT_EQ((*list)[1].id, "bob");
  auto page2 = g->ListIdentities("alice", 10);
  ASSERT_TRUE(page2.ok());
  ASSERT_EQ(page2->size(), 1u);
  EXPECT_EQ((*page2)[0].id, "bob");

  auto all = g->LoadTemplates(model_);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->gallery_version, 3);
  EXPECT_EQ(all->dim, 8);
  ASSERT_EQ(all->templates.size(), 4u);
  EXPECT_EQ(all->templates[0].identity_id, "alice");
  EXPECT_EQ(all->templates[3].identity_id, "bob");
  EXPECT_EQ(all->templates[0].source_sha256, Sha256("img-a1"));
}

TEST_F(GalleryTest, PersistsAcrossReopen) {
  std::vector<float> values;
  std::string id;
  {
    auto g = Open();
    ASSERT_TRUE(g);
    id = g->gallery_id();
    EnrolTemplate t = MakeTemplate(&rng_, model_, 16, "x");
    values = t.tmpl.values;
    ASSERT_TRUE(g->Enrol("carol", "r", {t}).ok());
  }
  auto g = Open();
  ASSERT_TRUE(g);
  EXPECT_EQ(g->gallery_id(), id);
  EXPECT_EQ(*g->Version(), 1);
  auto all = g->LoadTemplates(model_);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->templates.size(), 1u);
  EXPECT_EQ(all->templates[0].values, values);  // bit-exact round trip
  auto info = g->GetIdentity("carol");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->template_count, 1);
}

TEST_F(GalleryTest, RefusesAnotherModel) {
  auto g = Open();
  ASSERT_TRUE(g);
  ASSERT_TRUE(g->Enrol("alice", "", {MakeTemplate(&rng_, model_, 8, "a")}).ok());
  auto other = g->Enrol("bob", "", {MakeTemplate(&rng_, "dlib-resnet@1#ffff", 8, "b")});
  EXPECT_EQ(other.status().code(), StatusCode::kFailedPrecondition);
  auto load = g->LoadTemplates("dlib-resnet@1#ffff");
  EXPECT_EQ(load.status().code(), StatusCode::kFailedPrecondition);
  // Same model id, other dimension: refused too.
  EXPECT_EQ(g->Enrol("bob", "", {MakeTemplate(&rng_, model_, 9, "b")}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(*g->Version(), 1);  // refusals change nothing
  EXPECT_EQ(g->GetIdentity("bob").status().code(), StatusCode::kNotFound);
}

TEST_F(GalleryTest, RejectsBadInput) {
  auto g = Open();
  ASSERT_TRUE(g);
  auto t = MakeTemplate(&rng_, model_, 8, "a");
  for (const std::string& bad : std::vector<std::string>{"", "-x", ".x", "a b", "a/b", "x'; DROP TABLE identities; --",
                          std::string(kMaxIdentityIdLength + 1, 'a'), std::string("a\0b", 3)}) {
    EXPECT_EQ(g->Enrol(bad, "", {t}).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(g->Enrol(std::string(kMaxIdentityIdLength, 'a'), "", {t}).ok());
  EXPECT_EQ(g->Enrol("ok", std::string(kMaxRecordRefLength + 1, 'r'), {t}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(g->Enrol("ok", "line\nbreak", {t}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(g->Enrol("ok", "", {}).status().code(), StatusCode::kInvalidArgument);
  auto not_unit = t;
  not_unit.tmpl.values[0] += 0.5f;
  EXPECT_EQ(g->Enrol("ok", "", {not_unit}).status().code(), StatusCode::kInvalidArgument);
  auto nan = t;
  nan.tmpl.values[0] = std::nanf("");
  EXPECT_EQ(g->Enrol("ok", "", {nan}).status().code(), StatusCode::kInvalidArgument);
  // The same image twice for one identity is a duplicate, and the whole enrolment fails.
  auto t2 = MakeTemplate(&rng_, model_, 8, "other");
  EXPECT_EQ(g->Enrol("dup", "", {t2, t2}).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(g->GetIdentity("dup").status().code(), StatusCode::kNotFound);
}

TEST_F(GalleryTest, DeleteReallyRemovesTemplateBytes) {
  EnrolTemplate victim = MakeTemplate(&rng_, model_, 64, "victim-img");
  const std::string victim_bytes(reinterpret_cast<const char*>(victim.tmpl.values.data()),
                                 victim.tmpl.values.size() * sizeof(float));
  {
    auto g = Open();
    ASSERT_TRUE(g);
    ASSERT_TRUE(g->Enrol("victim", "", {victim}).ok());
    ASSERT_TRUE(g->Enrol("other", "", {MakeTemplate(&rng_, model_, 64, "o")}).ok());
    // Sanity: before deletion the bytes are on disk (db or WAL), or the check below is moot.
    std::string before = ReadAll(path_) + ReadAll(path_ + "-wal");
    ASSERT_NE(before.find(victim_bytes), std::string::npos);

    auto v = g->DeleteIdentity("victim");
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(*v, 3);
    EXPECT_EQ(g->DeleteIdentity("victim").status().code(), StatusCode::kNotFound);
    EXPECT_EQ(g->GetIdentity("victim").status().code(), StatusCode::kNotFound);
    auto all = g->LoadTemplates(model_);
    ASSERT_TRUE(all.ok());
    ASSERT_EQ(all->templates.size(), 1u);
    EXPECT_EQ(all->templates[0].identity_id, "other");
  }
  std::string after = ReadAll(path_) + ReadAll(path_ + "-wal");
  EXPECT_EQ(after.find(victim_bytes), std::string::npos) << "template bytes survive deletion";
  EXPECT_EQ(after.find("victim"), std::string::npos) << "identity id survives deletion";
}

TEST_F(GalleryTest, EncryptedAtRestAndRekey) {
  GalleryKey k1 = *ParseGalleryKey(GenerateGalleryKeyFile());
  GalleryKey k2 = *ParseGalleryKey(GenerateGalleryKeyFile());
  EnrolTemplate t = MakeTemplate(&rng_, model_, 32, "enc");
  const std::string clear(reinterpret_cast<const char*>(t.tmpl.values.data()),
                          t.tmpl.values.size() * sizeof(float));
  {
    auto g = Open(k1);
    ASSERT_TRUE(g);
    EXPECT_EQ(*g->EncryptionKeyId(), k1.KeyId());
    ASSERT_TRUE(g->Enrol("dora", "", {t}).ok());
  }
  std::string disk = ReadAll(path_) + ReadAll(path_ + "-wal");
  EXPECT_EQ(disk.find(clear), std::string::npos) << "template stored in clear";

  GalleryOptions o;
  o.path = path_;
  EXPECT_EQ(Gallery::OpenSqlite(o).status().code(), StatusCode::kFailedPrecondition);
  o.key = k2;
  EXPECT_EQ(Gallery::OpenSqlite(o).status().code(), StatusCode::kFailedPrecondition);

  {
    auto g = Open(k1);
    ASSERT_TRUE(g);
    auto all = g->LoadTemplates(model_);
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    EXPECT_EQ(all->templates[0].values, t.tmpl.values);
    ASSERT_TRUE(g->Rekey(k2).ok());
    EXPECT_EQ(*g->Version(), 2);
    auto again = g->LoadTemplates(model_);  // this object now uses the new key
    ASSERT_TRUE(again.ok()) << again.status().ToString();
  }
  o.key = k1;
  EXPECT_EQ(Gallery::OpenSqlite(o).status().code(), StatusCode::kFailedPrecondition);
  {
    auto g = Open(k2);
    ASSERT_TRUE(g);
    auto all = g->LoadTemplates(model_);
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    EXPECT_EQ(all->templates[0].values, t.tmpl.values);
    ASSERT_TRUE(g->Rekey(std::nullopt).ok());  // decrypt back to clear
  }
  auto g = Open();
  ASSERT_TRUE(g);
  EXPECT_EQ(*g->EncryptionKeyId(), "");
  EXPECT_EQ(g->LoadTemplates(model_)->templates[0].values, t.tmpl.values);
}

TEST_F(GalleryTest, EncryptedBlobMovedToAnotherRowFailsAuthentication) {
  GalleryKey k = *ParseGalleryKey(GenerateGalleryKeyFile());
  {
    auto g = Open(k);
    ASSERT_TRUE(g);
    ASSERT_TRUE(g->Enrol("erin", "", {MakeTemplate(&rng_, model_, 8, "e")}).ok());
    ASSERT_TRUE(g->Enrol("frank", "", {MakeTemplate(&rng_, model_, 8, "f")}).ok());
  }
  // An attacker with write access to the file copies erin's blob over frank's.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE templates SET blob = (SELECT blob FROM templates WHERE "
                         "identity_id = 'erin') WHERE identity_id = 'frank'",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto g = Open(k);
  ASSERT_TRUE(g);
  EXPECT_EQ(g->LoadTemplates(model_).status().code(), StatusCode::kDataLoss);
}

TEST_F(GalleryTest, NotAGalleryIsRefused) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE foo (x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  GalleryOptions o;
  o.path = path_;
  EXPECT_EQ(Gallery::OpenSqlite(o).status().code(), StatusCode::kDataLoss);
  o.path = (dir_ / "missing.db").string();
  o.create_if_missing = false;
  EXPECT_EQ(Gallery::OpenSqlite(o).status().code(), StatusCode::kNotFound);
}

TEST_F(GalleryTest, ConcurrentReadersWithOneWriter) {
  ASSERT_TRUE(Open());  // create the schema once
  constexpr int kWrites = 40;
  std::atomic<bool> done{false};
  std::atomic<int> reader_errors{0}, reads{0};
  auto reader = [&] {
    GalleryOptions o;
    o.path = path_;
    auto g = Gallery::OpenSqlite(o);
    if (!g.ok()) {
      ++reader_errors;
      return;
    }
    int64_t last_version = 0;
    while (!done) {
      auto all = (*g)->LoadTemplates(model_);
      if (!all.ok()) {
        ++reader_errors;
        continue;
      }
      // A snapshot is consistent: version v holds exactly v templates, and versions only
      // move forward.
      if (static_cast<int64_t>(all->templates.size()) != all->gallery_version ||
          all->gallery_version < last_version) {
        ++reader_errors;
      }
      last_version = all->gallery_version;
      ++reads;
    }
  };
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) readers.emplace_back(reader);
  // Let the readers get going so the writes really overlap with reads (bounded wait).
  for (int i = 0; i < 1000 && reads < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    GalleryOptions o;
    o.path = path_;
    auto w = Gallery::OpenSqlite(o);
    ASSERT_TRUE(w.ok());
    std::mt19937 rng(7);
    for (int i = 0; i < kWrites; ++i) {
      auto r = (*w)->Enrol("id" + std::to_string(i), "",
                           {MakeTemplate(&rng, model_, 16, std::to_string(i))});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
  }
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(reader_errors, 0);
  EXPECT_GT(reads, 0);
  auto g = Open();
  EXPECT_EQ(*g->Version(), kWrites);
}

TEST(GalleryKeyTest, ParsesOnlyWellFormedKeys) {
  EXPECT_TRUE(ParseGalleryKey(std::string(64, 'a')).ok());
  EXPECT_TRUE(ParseGalleryKey(std::string(64, 'a') + "\n").ok());
  EXPECT_FALSE(ParseGalleryKey(std::string(63, 'a')).ok());
  EXPECT_FALSE(ParseGalleryKey(std::string(64, 'g')).ok());
  EXPECT_NE(ParseGalleryKey(GenerateGalleryKeyFile())->KeyId(),
            ParseGalleryKey(GenerateGalleryKeyFile())->KeyId());
}

}  // namespace
}  // namespace facetrail
