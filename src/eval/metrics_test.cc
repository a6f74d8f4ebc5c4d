// Hand-computed cases for the verification metrics; every expected value below was worked
// out on paper from the listed scores (see the comments), not produced by the code.
#include "eval/metrics.h"

#include <cmath>

#include <gtest/gtest.h>

#include "eval/folds.h"

namespace facetrail::eval {
namespace {

TEST(MetricsTest, RatesAtThresholdCountScoresAtOrAboveAsMatches) {
  ScoreSets s({0.9f, 0.8f, 0.6f, 0.4f}, {0.7f, 0.5f, 0.3f, 0.2f});
  ErrorRates r = RatesAt(s, 0.6f);
  EXPECT_EQ(r.false_matches, 1);      // 0.7
  EXPECT_EQ(r.false_non_matches, 1);  // 0.4 (0.6 itself is accepted)
  EXPECT_DOUBLE_EQ(r.fmr, 0.25);
  EXPECT_DOUBLE_EQ(r.fnmr, 0.25);
  EXPECT_DOUBLE_EQ(s.Fmr(0.95), 0.0);
  EXPECT_DOUBLE_EQ(s.Fnmr(0.95), 1.0);
  EXPECT_DOUBLE_EQ(s.Fmr(0.1), 1.0);
}

TEST(MetricsTest, AucIsMannWhitney) {
  // 0.9 and 0.8 beat all 4 impostors, 0.6 beats 3, 0.4 beats 2: 13 / 16.
  ScoreSets s({0.9f, 0.8f, 0.6f, 0.4f}, {0.7f, 0.5f, 0.3f, 0.2f});
  EXPECT_DOUBLE_EQ(Auc(s), 13.0 / 16.0);
}

TEST(MetricsTest, AucCountsTiesAsHalf) {
  // 0.5 vs {0.5, 0.3}: 1 + 0.5; 0.7 beats both: 2. Total 3.5 / 4.
  ScoreSets s({0.5f, 0.7f}, {0.5f, 0.3f});
  EXPECT_DOUBLE_EQ(Auc(s), 0.875);
  ScoreSets all_tied({0.5f, 0.5f}, {0.5f, 0.5f, 0.5f});
  EXPECT_DOUBLE_EQ(Auc(all_tied), 0.5);
}

TEST(MetricsTest, RocCurveWalksEveryDistinctScore) {
  ScoreSets s({0.9f, 0.8f, 0.6f, 0.4f}, {0.7f, 0.5f, 0.3f, 0.2f});
  auto roc = RocCurve(s);
  ASSERT_EQ(roc.size(), 9u);  // +inf and 8 distinct scores
  EXPECT_TRUE(std::isinf(roc[0].threshold));
  EXPECT_DOUBLE_EQ(roc[0].fmr, 0);
  EXPECT_DOUBLE_EQ(roc[0].fnmr, 1);
  EXPECT_FLOAT_EQ(roc[3].threshold, 0.7f);
  EXPECT_DOUBLE_EQ(roc[3].fmr, 0.25);
  EXPECT_DOUBLE_EQ(roc[3].fnmr, 0.5);
  EXPECT_DOUBLE_EQ(roc.back().fmr, 1);
  EXPECT_DOUBLE_EQ(roc.back().fnmr, 0);
}

TEST(MetricsTest, EerExactWhenCurvesMeetAtAPoint) {
  // At t = 0.6: FMR = 1/4 (0.7), FNMR = 1/4 (0.4).
  ScoreSets s({0.9f, 0.8f, 0.6f, 0.4f}, {0.7f, 0.5f, 0.3f, 0.2f});
  EerResult e = EqualErrorRate(s);
  EXPECT_DOUBLE_EQ(e.eer, 0.25);
  EXPECT_NEAR(e.threshold, 0.6, 1e-7);
}

TEST(MetricsTest, EerInterpolatesBetweenBracketingPoints) {
  // t=0.7: FMR 1/3, FNMR 1/2 (d = +1/6); t=0.6: FMR 1/3, FNMR 0 (d = -1/3).
  // a = (1/6) / (1/6 + 1/3) = 1/3 -> EER = 1/3, threshold = 0.7 - 0.1/3.
  ScoreSets s({0.9f, 0.6f}, {0.7f, 0.2f, 0.1f});
  EerResult e = EqualErrorRate(s);
  EXPECT_NEAR(e.eer, 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(e.threshold, 0.7 - 0.1 / 3.0, 1e-6);
}

TEST(MetricsTest, EerOfSeparableScoresIsZero) {
  ScoreSets s({0.9f, 0.8f}, {0.1f, 0.2f});
  EXPECT_DOUBLE_EQ(EqualErrorRate(s).eer, 0);
}

TEST(MetricsTest, TarAtFarOnThousandImpostors) {
  std::vector<float> imp;
  for (int i = 0; i < 1000; ++i) imp.push_back(static_cast<float>(i) / 1000.0f);
  ScoreSets s({0.9995f, 0.995f, 0.99f, 0.5f}, imp);
  // 1e-2: 10 false matches allowed (0.990 .. 0.999); three genuine scores pass.
  TarAtFar a = TarAtFarPoint(s, 1e-2);
  EXPECT_TRUE(a.resolvable);
  EXPECT_EQ(a.impostor_pairs, 1000);
  EXPECT_DOUBLE_EQ(a.achieved_far, 0.01);
  EXPECT_DOUBLE_EQ(a.tar, 0.75);
  // 1e-3: one allowed (0.999); only 0.9995 passes.
  TarAtFar b = TarAtFarPoint(s, 1e-3);
  EXPECT_TRUE(b.resolvable);
  EXPECT_DOUBLE_EQ(b.achieved_far, 0.001);
  EXPECT_DOUBLE_EQ(b.tar, 0.25);
  // 1e-4 < 1/1000: not resolvable, threshold above the highest impostor.
  TarAtFar c = TarAtFarPoint(s, 1e-4);
  EXPECT_FALSE(c.resolvable);
  EXPECT_DOUBLE_EQ(c.achieved_far, 0.0);
  EXPECT_GT(c.threshold, 0.999f);
  EXPECT_DOUBLE_EQ(c.tar, 0.25);
}

TEST(MetricsTest, TarAtFarNeverExceedsTargetWithTies) {
  // Two false matches allowed, but the third-highest impostor ties the top two: accepting
  // any of them accepts all three, so none may be accepted.
  ScoreSets s({0.6f, 0.4f}, {0.5f, 0.5f, 0.5f, 0.1f});
  TarAtFar r = TarAtFarPoint(s, 0.5);
  EXPECT_DOUBLE_EQ(r.achieved_far, 0.0);
  EXPECT_DOUBLE_EQ(r.tar, 0.5);
}

TEST(MetricsTest, ProbitMatchesKnownQuantiles) {
  EXPECT_NEAR(Probit(0.5), 0.0, 1e-12);
  EXPECT_NEAR(Probit(0.975), 1.959963984540054, 1e-9);
  EXPECT_NEAR(Probit(1e-3), -3.090232306167813, 1e-9);
}

TEST(MetricsTest, ThinCurveKeepsEndsAndBound) {
  std::vector<float> imp, gen;
  for (int i = 0; i < 5000; ++i) imp.push_back(static_cast<float>(i) / 5000.0f);
  for (int i = 0; i < 500; ++i) gen.push_back(0.5f + static_cast<float>(i) / 1000.0f);
  auto roc = RocCurve(ScoreSets(gen, imp));
  auto thin = ThinCurve(roc, 50);
  EXPECT_LE(thin.size(), 50u);
  EXPECT_TRUE(std::isinf(thin.front().threshold));
  EXPECT_DOUBLE_EQ(thin.back().fmr, 1.0);
}

TEST(MetricsTest, FtaRate) {
  EXPECT_DOUBLE_EQ(FailureToAcquireRate(3, 12), 0.25);
  EXPECT_DOUBLE_EQ(FailureToAcquireRate(0, 0), 0.0);
}

TEST(FoldsTest, SeparableFoldsGivePerfectAccuracy) {
  std::vector<ScoredPair> pairs;
  for (int fold = 1; fold <= 5; ++fold) {
    for (int i = 0; i < 10; ++i) {
      pairs.push_back({0.6f + 0.03f * static_cast<float>(i), true, fold});
      pairs.push_back({0.1f + 0.02f * static_cast<float>(i), false, fold});
    }
  }
  auto cv = CrossValidate(pairs);
  ASSERT_TRUE(cv.ok()) << cv.status().ToString();
  ASSERT_EQ(cv->folds.size(), 5u);
  EXPECT_DOUBLE_EQ(cv->mean_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(cv->std_accuracy, 0.0);
  for (const auto& f : cv->folds) {
    EXPECT_GT(f.threshold, 0.28);  // highest impostor
    EXPECT_LT(f.threshold, 0.6);   // lowest genuine
  }
}

TEST(FoldsTest, ThresholdComesFromTheOtherFold) {
  // Fold 2 alone is best split at (0.55 + 0.4) / 2 = 0.475; applied to fold 1 it
  // misclassifies 0.6 (different): 3/4. Fold 1 alone is best at (0.9 + 0.6) / 2 = 0.75
  // (the first of two 3/4 maxima); applied to fold 2 it misses 0.55 (same): 3/4.
  std::vector<ScoredPair> pairs = {
      {0.9f, true, 1},  {0.3f, false, 1}, {0.6f, false, 1}, {0.5f, true, 1},
      {0.8f, true, 2},  {0.2f, false, 2}, {0.55f, true, 2}, {0.4f, false, 2},
  };
  auto cv = CrossValidate(pairs);
  ASSERT_TRUE(cv.ok());
  ASSERT_EQ(cv->folds.size(), 2u);
  EXPECT_NEAR(cv->folds[0].threshold, 0.475, 1e-6);
  EXPECT_DOUBLE_EQ(cv->folds[0].accuracy, 0.75);
  EXPECT_NEAR(cv->folds[1].threshold, 0.75, 1e-6);
  EXPECT_DOUBLE_EQ(cv->folds[1].accuracy, 0.75);
  EXPECT_DOUBLE_EQ(cv->mean_accuracy, 0.75);
}

TEST(FoldsTest, OneFoldIsAnError) {
  std::vector<ScoredPair> pairs = {{0.9f, true, 1}, {0.1f, false, 1}};
  EXPECT_FALSE(CrossValidate(pairs).ok());
}

}  // namespace
}  // namespace facetrail::eval
