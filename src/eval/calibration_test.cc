// Calibration table: built from a known impostor set, parsed back through the public API;
// monotone, consistent with the exact counts, and honest about its resolution.
#include "facetrail/calibration.h"

#include <cmath>
#include <numeric>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "eval/all_pairs.h"
#include "eval/calibration_fit.h"
#include "eval/intervals.h"
#include "eval/json_report.h"
#include "eval/metrics.h"

namespace facetrail::eval {
namespace {

TemplateMatrix Random(size_t rows, size_t dim, uint64_t seed) {
  TemplateMatrix m;
  m.rows = rows;
  m.dim = dim;
  SplitMix64 rng(seed);
  for (size_t r = 0; r < rows; ++r) {
    std::vector<double> v(dim);
    double norm = 0;
    for (auto& x : v) {
      x = static_cast<double>(rng.Next() >> 11) / 9007199254740992.0 - 0.5;
      norm += x * x;
    }
    for (double x : v) m.values.push_back(static_cast<float>(x / std::sqrt(norm)));
  }
  return m;
}

struct Fixture {
  TemplateMatrix m = Random(400, 8, 3);
  ScoreDistribution d;
  std::vector<float> exact;
  Fixture() {
    std::vector<uint32_t> ids(m.rows);
    std::iota(ids.begin(), ids.end(), 0u);
    d = *AllPairsImpostorScores(m, ids);
    for (size_t i = 0; i < m.rows; ++i) {
      for (size_t j = i + 1; j < m.rows; ++j) {
        double s = 0;
        for (size_t k = 0; k < m.dim; ++k) s += double{m.values[i * m.dim + k]} * m.values[j * m.dim + k];
        exact.push_back(static_cast<float>(s));
      }
    }
  }
};

TEST(CalibrationTest, TableIsMonotoneAndMatchesExactCounts) {
  Fixture f;
  BootstrapOptions bo;
  bo.replicates = 100;
  nlohmann::json doc = BuildCalibrationJson(f.d, f.m.rows, "m@1#x", {{"test", true}}, bo);
  auto cal = Calibration::Parse(Dump(doc));
  ASSERT_TRUE(cal.ok()) << cal.status().ToString();
  EXPECT_EQ(cal->impostor_pairs(), 400 * 399 / 2);
  EXPECT_EQ(cal->model_id(), "m@1#x");
  ScoreSets exact({}, f.exact);
  double prev = 2;
  for (double s = -1; s <= 1.0; s += 0.005) {
    FmrEstimate e = cal->ScoreToFmr(s);
    EXPECT_LE(e.fmr, prev + 1e-12) << s;  // never rises with the score
    EXPECT_LE(e.low, e.fmr + 1e-12);
    EXPECT_GE(e.high, e.fmr - 1e-12);
    prev = e.fmr;
  }
  for (double target : {1e-1, 1e-2, 1e-3, 1e-4}) {
    auto t = cal->ThresholdForFmr(target);
    ASSERT_TRUE(t.ok()) << target;
    // (1e-5: the exact sums round differently from the matrix product.)
    EXPECT_LE(exact.Fmr(*t + 1e-5), target) << target;
    EXPECT_NEAR(cal->ScoreToFmr(*t).fmr, exact.Fmr(*t), target * 0.2 + 1e-5) << target;
  }
  // 1e-6 is below 1 / 79,800 pairs: refused, not extrapolated.
  EXPECT_EQ(cal->ThresholdForFmr(1e-6).status().code(), StatusCode::kOutOfRange);
  // 1:N: FPIR 0.1 in a gallery of 100 is FMR 1e-3.
  EXPECT_EQ(*cal->ThresholdForFpir(0.1, 100), *cal->ThresholdForFmr(1e-3));
  // Above every impostor: FMR 0 observed, with the rule-of-three style upper bound.
  FmrEstimate top = cal->ScoreToFmr(0.9999);
  EXPECT_TRUE(top.beyond_table);
  EXPECT_EQ(top.fmr, 0);
  EXPECT_NEAR(top.high, 1 - std::pow(0.025, 1.0 / 79800), 1e-7);
  EXPECT_TRUE(doc["decades"].contains("1e-3"));
  EXPECT_LE(doc["decades"]["1e-3"]["bootstrap"]["low"].get<double>(), 1e-3);
}

TEST(CalibrationTest, ParseRejectsBrokenTables) {
  EXPECT_FALSE(Calibration::Parse("not json").ok());
  EXPECT_FALSE(Calibration::Parse(R"({"model":"m","impostor_pairs":10,"table":[]})").ok());
  // FMR rising with the score is impossible for counts at or above a threshold.
  EXPECT_FALSE(Calibration::Parse(R"({"model":"m","impostor_pairs":10,"table":[
      {"score":0.1,"false_matches":1,"fmr":0.1,"ci_low":0,"ci_high":0.4},
      {"score":0.2,"false_matches":2,"fmr":0.2,"ci_low":0,"ci_high":0.5}]})").ok());
}

TEST(CalibrationTest, HoldOutCheckOnIdenticallyDistributedPeople) {
  TemplateMatrix m = Random(600, 8, 5);
  auto checks = CheckCalibrationOnHeldOut(m, {1e-2, 1e-3}, 11, 2);
  ASSERT_TRUE(checks.ok()) << checks.status().ToString();
  ASSERT_EQ(checks->size(), 2u);
  for (const auto& h : *checks) {
    EXPECT_EQ(h.fit_pairs, 300 * 299 / 2);
    EXPECT_EQ(h.heldout_pairs, 300 * 299 / 2);
    EXPECT_LE(h.predicted.low, h.target_fmr);
    // Both halves come from one distribution, so the prediction must hold (fixed seeds).
    EXPECT_TRUE(h.within_ci) << h.target_fmr << " measured " << h.measured_fmr << " predicted ["
                             << h.predicted.low << ", " << h.predicted.high << "]";
  }
}

}  // namespace
}  // namespace facetrail::eval
