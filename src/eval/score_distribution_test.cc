// ScoreDistribution and the all-pairs matrix product checked against a direct, exact
// computation on the same random templates.
#include "eval/score_distribution.h"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "eval/all_pairs.h"
#include "eval/intervals.h"
#include "eval/metrics.h"

namespace facetrail::eval {
namespace {

TemplateMatrix RandomTemplates(size_t rows, size_t dim, uint64_t seed) {
  TemplateMatrix m;
  m.rows = rows;
  m.dim = dim;
  SplitMix64 rng(seed);
  for (size_t r = 0; r < rows; ++r) {
    double norm = 0;
    std::vector<float> v(dim);
    for (auto& x : v) {
      x = static_cast<float>(static_cast<double>(rng.Next() >> 11) / 9007199254740992.0 - 0.5);
      norm += static_cast<double>(x) * x;
    }
    for (auto& x : v) m.values.push_back(static_cast<float>(x / std::sqrt(norm)));
  }
  return m;
}

TEST(ScoreDistributionTest, TailIsExactAndHistogramWithinOneBin) {
  TemplateMatrix m = RandomTemplates(300, 16, 1);
  std::vector<uint32_t> ids(300);
  for (uint32_t i = 0; i < 300; ++i) ids[i] = i / 2;  // pairs of rows share an identity
  AllPairsOptions opt;
  opt.threads = 2;
  opt.block_rows = 64;
  opt.tail_capacity = 500;  // forces many drops
  auto dist = AllPairsImpostorScores(m, ids, opt);
  ASSERT_TRUE(dist.ok()) << dist.status().ToString();

  // Direct computation.
  std::vector<float> direct;
  for (size_t i = 0; i < 300; ++i) {
    for (size_t j = i + 1; j < 300; ++j) {
      if (ids[i] == ids[j]) continue;
      float s = 0;
      for (size_t k = 0; k < 16; ++k) s += m.values[i * 16 + k] * m.values[j * 16 + k];
      direct.push_back(s);
    }
  }
  ScoreSets exact({}, direct);
  EXPECT_EQ(dist->count(), static_cast<int64_t>(direct.size()));  // 300*299/2 - 150
  EXPECT_LE(dist->tail().size(), 500u);
  std::sort(direct.begin(), direct.end(), std::greater<>());
  // Exact in the tail (allow float rounding differences of the two summation orders).
  for (size_t k : {0, 10, 100, 300}) {
    EXPECT_NEAR(dist->tail()[k].score, direct[k], 1e-5);
    double t = direct[k] - 1e-4;
    EXPECT_TRUE(dist->ExactAt(t));
    EXPECT_NEAR(static_cast<double>(dist->CountAtLeast(t)), exact.FalseMatches(t), 2);
  }
  // Below the tail: within one histogram bin.
  double t = 0.0;
  EXPECT_FALSE(dist->ExactAt(t));
  int64_t lo = exact.FalseMatches(t), hi = exact.FalseMatches(t - 1.0 / 8192);
  EXPECT_GE(dist->CountAtLeast(t), lo);
  EXPECT_LE(dist->CountAtLeast(t), hi);
  // A threshold for FMR 1e-3 lets through at most that many.
  double thr = dist->ThresholdForFmr(1e-3);
  // (1e-5: the direct sums round differently from the matrix product.)
  EXPECT_LE(exact.Fmr(thr + 1e-5), 1e-3 + 1e-9);
  EXPECT_GT(exact.Fmr(thr - 1e-4), 0.0);
}

TEST(ScoreDistributionTest, MergeEqualsSingle) {
  ScoreDistribution a(4), b(4), all(4);
  std::vector<float> s = {0.9f, 0.1f, 0.5f, 0.7f, 0.3f, 0.8f, 0.2f, 0.6f, 0.4f, 0.0f};
  for (size_t i = 0; i < s.size(); ++i) {
    (i % 2 ? a : b).Add(s[i], 0, 1);
    all.Add(s[i], 0, 1);
  }
  a.Merge(b);
  a.Finish();
  all.Finish();
  EXPECT_EQ(a.count(), 10);
  ASSERT_EQ(a.tail().size(), all.tail().size());
  for (size_t i = 0; i < a.tail().size(); ++i) EXPECT_EQ(a.tail()[i].score, all.tail()[i].score);
  EXPECT_EQ(a.CountAtLeast(0.65), 3);
}

TEST(ScoreDistributionTest, RejectsMismatchedIdentityList) {
  TemplateMatrix m = RandomTemplates(4, 8, 2);
  std::vector<uint32_t> ids = {0, 1, 2};
  EXPECT_FALSE(AllPairsImpostorScores(m, ids).ok());
}

}  // namespace
}  // namespace facetrail::eval
