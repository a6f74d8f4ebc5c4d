#include "node/user_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>
#include <set>

namespace facetrail::node {
namespace {

class UserStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ft_users_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "users.db").string();
    auto s = UserStore::Open(path_, &clock_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ManualClock clock_;
  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<UserStore> store_;
};

TEST_F(UserStoreTest, TokenAuthenticatesItsUserOnly) {
  auto t1 = store_->AddUser("officer-1", "Officer One", Role::kOfficer);
  auto t2 = store_->AddUser("reviewer-1", "Reviewer One", Role::kReviewer);
  ASSERT_TRUE(t1.ok() && t2.ok());
  EXPECT_NE(*t1, *t2);
  EXPECT_EQ(t1->rfind("ft_", 0), 0u);
  auto p = store_->Authenticate(*t1);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->user_id, "officer-1");
  EXPECT_EQ(p->role, Role::kOfficer);
  EXPECT_FALSE(p->training.has_value());
  EXPECT_EQ(store_->Authenticate(*t2)->role, Role::kReviewer);

  // A one-character change, a truncation and garbage are all the same refusal.
  std::string wrong = *t1;
  wrong.back() = wrong.back() == 'A' ? 'B' : 'A';
  for (const std::string& bad : {wrong, t1->substr(0, 20), std::string("Bearer x"), std::string()}) {
    auto r = store_->Authenticate(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(r.status().message(), "invalid or revoked API token");
  }
}

TEST_F(UserStoreTest, TokensAreStoredOnlyAsHashes) {
  auto t = store_->AddUser("officer-1", "Officer One", Role::kOfficer);
  ASSERT_TRUE(t.ok());
  store_.reset();
  // The database file (and its WAL) must not contain the token text anywhere.
  std::string all;
  for (auto& f : std::filesystem::directory_iterator(dir_)) {
    std::ifstream in(f.path(), std::ios::binary);
    all.append(std::istreambuf_iterator<char>(in), {});
  }
  EXPECT_EQ(all.find(t->substr(3)), std::string::npos);
}

TEST_F(UserStoreTest, RevocationIsImmediateAndPersistent) {
  auto t = store_->AddUser("officer-1", "Officer One", Role::kOfficer);
  auto t_extra = store_->IssueToken("officer-1");
  ASSERT_TRUE(t.ok() && t_extra.ok());
  ASSERT_TRUE(store_->RevokeUser("officer-1").ok());
  EXPECT_FALSE(store_->Authenticate(*t).ok());
  EXPECT_FALSE(store_->Authenticate(*t_extra).ok());
  EXPECT_EQ(store_->IssueToken("officer-1").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->RevokeUser("nobody").code(), StatusCode::kNotFound);

  store_.reset();
  auto reopened = UserStore::Open(path_, &clock_);
  ASSERT_TRUE(reopened.ok());
  EXPECT_FALSE((*reopened)->Authenticate(*t).ok());
  auto users = (*reopened)->ListUsers();
  ASSERT_TRUE(users.ok());
  ASSERT_EQ(users->size(), 1u);
  EXPECT_TRUE((*users)[0].revoked_at.has_value());
}

TEST_F(UserStoreTest, TrainingAttestationExpires) {
  auto t = store_->AddUser("officer-1", "Officer One", Role::kOfficer);
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(store_->AttestTraining("officer-1", "FR-101/2026", "admin-1", 30).ok());
  auto p = store_->Authenticate(*t);
  ASSERT_TRUE(p.ok() && p->training.has_value());
  EXPECT_EQ(p->training->training_id, "FR-101/2026");
  EXPECT_TRUE(TrainingValid(*p, clock_.NowSeconds()));
  EXPECT_FALSE(TrainingValid(*p, clock_.NowSeconds() + 31 * 86400));

  // A newer attestation supersedes the older one.
  clock_.AdvanceSeconds(10);
  ASSERT_TRUE(store_->AttestTraining("officer-1", "FR-102/2026", "admin-1", 365).ok());
  EXPECT_EQ(store_->Authenticate(*t)->training->training_id, "FR-102/2026");
  EXPECT_EQ(store_->AttestTraining("nobody", "x", "admin-1", 1).code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->AttestTraining("officer-1", "x", "admin-1", 0).code(), StatusCode::kInvalidArgument);
}

TEST_F(UserStoreTest, RejectsBadIdsAndDuplicates) {
  EXPECT_EQ(store_->AddUser("", "x", Role::kAdmin).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->AddUser("a'; DROP TABLE users;--", "x", Role::kAdmin).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(store_->AddUser("admin-1", "Admin", Role::kAdmin).ok());
  EXPECT_EQ(store_->AddUser("admin-1", "Admin", Role::kAdmin).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(ParseRole("superuser").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(UserStoreTest, ManyTokensAreDistinct) {
  ASSERT_TRUE(store_->AddUser("officer-1", "Officer", Role::kOfficer).ok());
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto t = store_->IssueToken("officer-1");
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->size(), 46u);
    EXPECT_TRUE(seen.insert(*t).second);
  }
}

}  // namespace
}  // namespace facetrail::node
