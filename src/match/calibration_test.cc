#include "facetrail/calibration.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace facetrail {
namespace {

TEST(ClopperPearsonTest, HandComputedCases) {
  double lo, hi;
  ClopperPearson95(0, 10, &lo, &hi);
  EXPECT_EQ(lo, 0);
  EXPECT_NEAR(hi, 1 - std::pow(0.025, 0.1), 1e-9);  // 0.30850...
  ClopperPearson95(10, 10, &lo, &hi);
  EXPECT_NEAR(lo, std::pow(0.025, 0.1), 1e-9);
  EXPECT_EQ(hi, 1);
  // 5 of 10: the textbook interval is (0.187086, 0.812914).
  ClopperPearson95(5, 10, &lo, &hi);
  EXPECT_NEAR(lo, 0.187086, 1e-5);
  EXPECT_NEAR(hi, 0.812914, 1e-5);
  // 1 in a million: about (2.53e-8, 5.57e-6).
  ClopperPearson95(1, 1000000, &lo, &hi);
  EXPECT_NEAR(lo, 2.5317e-8, 1e-11);
  EXPECT_NEAR(hi, 5.5716e-6, 1e-9);
}

TEST(CalibrationTest, ExactCountsOnASmallSet) {
  // scores: 0.9, 0.8, 0.8, 0.5, 0.1  (n = 5)
  auto c = Calibration::FromImpostorScores("m", "hand", {0.5f, 0.8f, 0.1f, 0.9f, 0.8f});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->impostors(), 5);
  EXPECT_EQ(c->EstimatedFmr(0.95f).false_matches, 0);
  EXPECT_EQ(c->EstimatedFmr(0.9f).false_matches, 1);
  EXPECT_EQ(c->EstimatedFmr(0.85f).false_matches, 1);
  EXPECT_EQ(c->EstimatedFmr(0.8f).false_matches, 3);
  EXPECT_EQ(c->EstimatedFmr(0.6f).false_matches, 3);
  EXPECT_EQ(c->EstimatedFmr(-1.0f).false_matches, 5);
  EXPECT_DOUBLE_EQ(c->EstimatedFmr(0.8f).fmr, 0.6);

  // FMR 0.2 allows 1 false match: threshold just above 0.8.
  auto t = c->ThresholdForFmr(0.2);
  ASSERT_TRUE(t.ok());
  EXPECT_GT(*t, 0.8f);
  EXPECT_LE(*t, 0.9f);
  EXPECT_EQ(c->EstimatedFmr(*t).false_matches, 1);
  // FMR 0.6 allows 3: threshold just above 0.5.
  EXPECT_EQ(c->EstimatedFmr(*c->ThresholdForFmr(0.6)).false_matches, 3);
  // Below the resolution: refused, never guessed.
  EXPECT_EQ(c->ThresholdForFmr(0.1).status().code(), StatusCode::kOutOfRange);
  EXPECT_FALSE(c->ThresholdForFmr(0).ok());
}

TEST(CalibrationTest, CoarseRegionErrsTowardsMoreRisk) {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 0.1f);
  std::vector<float> scores(200000);
  for (float& s : scores) s = dist(rng);
  std::vector<float> sorted = scores;
  std::sort(sorted.begin(), sorted.end(), std::greater<float>());
  auto c = Calibration::FromImpostorScores("m", "normal", scores, /*max_points=*/500);
  ASSERT_TRUE(c.ok());
  auto truth = [&](float t) {
    return static_cast<int64_t>(std::partition_point(sorted.begin(), sorted.end(),
                                                     [t](float s) { return s >= t; }) - sorted.begin());
  };
  for (float t = -0.4f; t <= 0.6f; t += 0.01f) {
    auto e = c->EstimatedFmr(t);
    int64_t exact = truth(t);
    EXPECT_GE(e.false_matches, exact) << t;  // never under-states the risk
    if (exact <= 400) {
      EXPECT_EQ(e.false_matches, exact) << t;  // exact in the stored tail
    }
    EXPECT_LE(e.lower, e.fmr);
    EXPECT_GE(e.upper, e.fmr);
  }
  for (double target : {1e-1, 1e-2, 1e-3, 1e-4}) {
    auto t = c->ThresholdForFmr(target);
    ASSERT_TRUE(t.ok()) << target;
    EXPECT_LE(static_cast<double>(truth(*t)), target * 200000) << target;
    EXPECT_LE(c->EstimatedFmr(*t).fmr, target + 1e-12);
  }
}

TEST(CalibrationTest, JsonRoundTripAndValidation) {
  auto c = Calibration::FromImpostorScores("mobilefacenet@x#abc", "unit", {0.3f, 0.2f, 0.2f, -0.1f});
  ASSERT_TRUE(c.ok());
  auto back = Calibration::FromJson(c->ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->model_id(), "mobilefacenet@x#abc");
  EXPECT_EQ(back->ToJson(), c->ToJson());
  for (const char* bad : {"", "[]", "{\"format\":2}",
                          "{\"format\":1,\"model_id\":\"m\",\"dataset\":\"d\",\"impostors\":3,\"exact_points\":2,"
                          "\"points\":[[0.5,2],[0.6,3]]}"}) {
    EXPECT_FALSE(Calibration::FromJson(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace facetrail
