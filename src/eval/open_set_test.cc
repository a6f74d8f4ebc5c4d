// Hand-computed open-set (1:N) cases and interval/bootstrap properties.
#include "eval/open_set.h"

#include <cmath>

#include <gtest/gtest.h>

#include "eval/intervals.h"

namespace facetrail::eval {
namespace {

std::vector<SearchOutcome> Searches() {
  return {
      {true, true, 0.9f, 1, 0.9f},   // mate first at 0.9
      {true, true, 0.8f, 2, 0.7f},   // mate second
      {true, true, 0.5f, 1, 0.5f},   // mate first at 0.5
      {true, false, 0, 0, 0},        // probe without a face
      {false, true, 0.6f, 0, 0},  {false, true, 0.4f, 0, 0}, {false, true, 0.3f, 0, 0},
      {false, true, 0.2f, 0, 0},  {false, false, 0, 0, 0},
  };
}

TEST(OpenSetTest, RatesAtThreshold) {
  OpenSetRates r = OpenSetAt(Searches(), 0.55);
  EXPECT_EQ(r.mated_searches, 4);
  EXPECT_EQ(r.non_mated_searches, 5);
  EXPECT_DOUBLE_EQ(r.fpir, 0.2);   // 0.6
  EXPECT_DOUBLE_EQ(r.fnir, 0.75);  // only the 0.9 mate at rank 1 is found
  // Rank 2 allowed: the 0.7 mate now counts.
  EXPECT_DOUBLE_EQ(OpenSetAt(Searches(), 0.55, 2).fnir, 0.5);
}

TEST(OpenSetTest, FnirAtFpir) {
  // One of five non-mated searches may return a candidate: threshold just above 0.4.
  FnirAtFpir a = FnirAtFpirPoint(Searches(), 0.2);
  EXPECT_TRUE(a.resolvable);
  EXPECT_DOUBLE_EQ(a.achieved_fpir, 0.2);
  EXPECT_DOUBLE_EQ(a.fnir, 0.5);  // 0.9 and 0.5 found; rank-2 mate and FTA missed
  EXPECT_GT(a.threshold, 0.4f);
  // 0.1 < 1/5: none may return a candidate; threshold above 0.6.
  FnirAtFpir b = FnirAtFpirPoint(Searches(), 0.1);
  EXPECT_FALSE(b.resolvable);
  EXPECT_DOUBLE_EQ(b.achieved_fpir, 0.0);
  EXPECT_DOUBLE_EQ(b.fnir, 0.75);
}

TEST(OpenSetTest, RankHitRates) {
  EXPECT_DOUBLE_EQ(RankHitRate(Searches(), 1), 0.5);
  EXPECT_DOUBLE_EQ(RankHitRate(Searches(), 2), 0.75);
}

TEST(IntervalsTest, ClopperPearsonKnownValues) {
  // Zero errors: the upper bound solves (1 - p)^n = 0.025.
  Interval z = ClopperPearson(0, 3000);
  EXPECT_DOUBLE_EQ(z.low, 0);
  EXPECT_NEAR(z.high, 1 - std::pow(0.025, 1.0 / 3000), 1e-9);
  // 5 of 100: the textbook exact interval [0.01643, 0.11283].
  Interval f = ClopperPearson(5, 100);
  EXPECT_NEAR(f.low, 0.016431, 1e-5);
  EXPECT_NEAR(f.high, 0.112830, 1e-5);
  // Large n, as in calibration (4 million pairs): symmetric-ish around 1e-3, and tight.
  Interval big = ClopperPearson(4000, 4'000'000);
  EXPECT_LT(big.low, 1e-3);
  EXPECT_GT(big.high, 1e-3);
  EXPECT_NEAR(big.high - big.low, 2 * 1.96 * std::sqrt(1e-3 * (1 - 1e-3) / 4e6), 2e-6);
}

TEST(IntervalsTest, WeightedRateCountsGenuineOnceAndImpostorAsProduct) {
  std::vector<IdPairOutcome> o = {{0, 0, true}, {0, 0, false}, {1, 1, false}, {0, 1, true}};
  std::vector<uint32_t> ones = {1, 1};
  EXPECT_DOUBLE_EQ(WeightedRate(o, ones), 0.5);
  std::vector<uint32_t> m = {2, 1};  // genuine of 0 weigh 2 each, impostor 2*1
  EXPECT_DOUBLE_EQ(WeightedRate(o, m), 4.0 / 7.0);
}

TEST(IntervalsTest, AllPairsImpostorRate) {
  std::vector<uint32_t> members = {0, 1, 2};
  std::vector<std::pair<uint32_t, uint32_t>> fm = {{0, 1}, {1, 2}};
  std::vector<uint32_t> ones = {1, 1, 1};
  EXPECT_DOUBLE_EQ(AllPairsImpostorRate(members, fm, ones), 2.0 / 3.0);
  std::vector<uint32_t> m = {2, 1, 0};  // pairs: two copies of 0 with 1 -> both false matches
  EXPECT_DOUBLE_EQ(AllPairsImpostorRate(members, fm, m), 1.0);
  std::vector<uint32_t> one = {0, 3, 0};
  EXPECT_TRUE(std::isnan(AllPairsImpostorRate(members, fm, one)));  // one person, no pairs
}

double MeanOfValues(std::span<const uint32_t> m) {
  // Each identity carries a value i / 100; the statistic is their resampled mean.
  double s = 0, n = 0;
  for (size_t i = 0; i < m.size(); ++i) {
    s += m[i] * (static_cast<double>(i) / 100.0);
    n += m[i];
  }
  return s / n;
}

TEST(IntervalsTest, BootstrapIsDeterministicPerSeed) {
  BootstrapOptions opt;
  opt.replicates = 300;
  opt.seed = 7;
  Interval a = BootstrapIdentities(100, MeanOfValues, opt);
  Interval b = BootstrapIdentities(100, MeanOfValues, opt);
  EXPECT_EQ(a.low, b.low);
  EXPECT_EQ(a.high, b.high);
  EXPECT_DOUBLE_EQ(a.estimate, 0.495);
  EXPECT_LT(a.low, a.estimate);
  EXPECT_GT(a.high, a.estimate);
  // The mean of 100 values uniform on [0, 0.99] has standard error ~0.0287: the 95%
  // interval is about +-0.056 wide on each side.
  EXPECT_NEAR(a.high - a.low, 2 * 1.96 * 0.0287, 0.03);
  opt.seed = 8;
  Interval c = BootstrapIdentities(100, MeanOfValues, opt);
  EXPECT_TRUE(c.low != a.low || c.high != a.high);
}

TEST(IntervalsTest, SplitMixBelowStaysInRange) {
  SplitMix64 rng(1);
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 3000; ++i) ++counts[rng.Below(3)];
  for (int c : counts) EXPECT_GT(c, 800);
}

}  // namespace
}  // namespace facetrail::eval
