#include "node/lead_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

namespace facetrail::node {
namespace {

class LeadStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ft_leads_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = LeadStore::Open((dir_ / "leads.db").string(), &clock_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Lead OneLead(int k) {
    auto leads = store_->CreateLeads(7, "2026-CR-1", "officer-1", k,
                                     {{"", "id-alice", 1, 0.71f, 1e-5}, {"", "id-bob", 2, 0.52f, 3e-4}});
    EXPECT_TRUE(leads.ok());
    EXPECT_EQ(leads->size(), 2u);
    return (*leads)[0];
  }

  ManualClock clock_;
  std::filesystem::path dir_;
  std::unique_ptr<LeadStore> store_;
};

TEST_F(LeadStoreTest, ConfirmedOnlyAfterKDistinctReviewers) {
  Lead lead = OneLead(2);
  EXPECT_EQ(lead.state, LeadState::kPending);
  EXPECT_EQ(lead.id.size(), 18u);

  auto after1 = store_->Decide(lead.id, "reviewer-1", true, "same person", 8);
  ASSERT_TRUE(after1.ok()) << after1.status().ToString();
  EXPECT_EQ(after1->state, LeadState::kPending);
  // The same reviewer cannot confirm twice to reach k.
  EXPECT_EQ(store_->Decide(lead.id, "reviewer-1", true, "again", 9).status().code(),
            StatusCode::kFailedPrecondition);
  auto after2 = store_->Decide(lead.id, "reviewer-2", true, "agree", 10);
  ASSERT_TRUE(after2.ok());
  EXPECT_EQ(after2->state, LeadState::kConfirmed);
  EXPECT_TRUE(after2->decided_at.has_value());
  // Decided leads take no more decisions.
  EXPECT_EQ(store_->Decide(lead.id, "reviewer-3", false, "late", 11).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(LeadStoreTest, OneRejectionRejects) {
  Lead lead = OneLead(2);
  ASSERT_TRUE(store_->Decide(lead.id, "reviewer-1", true, "", 8).ok());
  auto r = store_->Decide(lead.id, "reviewer-2", false, "different ear shape", 9);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, LeadState::kRejected);
}

TEST_F(LeadStoreTest, OfficerCannotReviewOwnQuery) {
  Lead lead = OneLead(1);
  EXPECT_EQ(store_->CheckDecision(lead.id, "officer-1").status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(store_->Decide(lead.id, "officer-1", true, "", 8).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(store_->Decide("L-0000000000000000", "reviewer-1", true, "", 8).status().code(),
            StatusCode::kNotFound);
}

TEST_F(LeadStoreTest, ReviewIsBlindUntilDecided) {
  Lead lead = OneLead(2);
  ASSERT_TRUE(store_->Decide(lead.id, "reviewer-1", true, "same", 8).ok());
  auto mine = store_->Get(lead.id, "reviewer-1");
  auto theirs = store_->Get(lead.id, "reviewer-2");
  ASSERT_TRUE(mine.ok() && theirs.ok());
  EXPECT_TRUE(mine->decided_by_me);
  EXPECT_FALSE(theirs->decided_by_me);
  EXPECT_TRUE(mine->decisions.empty());
  EXPECT_TRUE(theirs->decisions.empty());

  auto pending = store_->List(LeadState::kPending, "reviewer-2", 50);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->size(), 2u);
  for (const auto& v : *pending) EXPECT_TRUE(v.decisions.empty());

  ASSERT_TRUE(store_->Decide(lead.id, "reviewer-2", true, "agree", 9).ok());
  auto decided = store_->Get(lead.id, "reviewer-3");
  ASSERT_TRUE(decided.ok());
  EXPECT_EQ(decided->decisions.size(), 2u);
  EXPECT_EQ(store_->List(LeadState::kConfirmed, "x", 10)->size(), 1u);

  auto exported = store_->ForCase("2026-CR-1");
  ASSERT_TRUE(exported.ok());
  ASSERT_EQ(exported->size(), 2u);
  EXPECT_EQ((*exported)[0].decisions.size(), 2u);
  EXPECT_EQ((*exported)[0].decisions[0].audit_index, 8u);
}

TEST_F(LeadStoreTest, RacingReviewersNeverOverConfirm) {
  Lead lead = OneLead(3);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      if (store_->Decide(lead.id, "reviewer-" + std::to_string(i), true, "", 100 + i).ok()) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 3);  // the lead is confirmed by exactly k decisions; later ones refused
  auto v = store_->Get(lead.id, "x");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->lead.state, LeadState::kConfirmed);
  EXPECT_EQ(v->decisions.size(), 3u);
}

}  // namespace
}  // namespace facetrail::node
