#include "eval/pad_metrics.h"

#include <gtest/gtest.h>

#include "eval/pad_run.h"

namespace facetrail::eval {
namespace {

PadSample Bona(float s, std::string subject = "") { return {false, "", std::move(subject), s}; }
PadSample Attack(float s, std::string type, std::string subject = "") {
  return {true, std::move(type), std::move(subject), s};
}

TEST(PadMetricsTest, RatesPerAttackTypeByHand) {
  // Bona fide 0.9 0.8 0.3; print attacks 0.7 0.2; replay 0.95.
  std::vector<PadSample> s = {Bona(0.9f), Bona(0.8f), Bona(0.3f),
                              Attack(0.7f, "print"), Attack(0.2f, "print"), Attack(0.95f, "replay")};
  PadRates r = PadRatesAt(s, 0.5);
  EXPECT_EQ(r.bpcer.presentations, 3);
  EXPECT_EQ(r.bpcer.errors, 1);  // 0.3 rejected
  EXPECT_DOUBLE_EQ(r.bpcer.rate.estimate, 1.0 / 3);
  ASSERT_EQ(r.apcer.size(), 2u);
  EXPECT_DOUBLE_EQ(r.apcer["print"].rate.estimate, 0.5);   // 0.7 accepted
  EXPECT_DOUBLE_EQ(r.apcer["replay"].rate.estimate, 1.0);  // 0.95 accepted
  EXPECT_DOUBLE_EQ(r.apcer_max, 1.0);
  EXPECT_LE(r.bpcer.rate.low, r.bpcer.rate.estimate);
  EXPECT_GE(r.bpcer.rate.high, r.bpcer.rate.estimate);
  // Score exactly at the threshold is accepted.
  EXPECT_EQ(PadRatesAt(s, 0.3).bpcer.errors, 0);
}

TEST(PadMetricsTest, ThresholdForApcerIsLowestMeetingTarget) {
  std::vector<PadSample> s = {Bona(0.9f), Bona(0.6f), Attack(0.5f, "p"), Attack(0.1f, "p")};
  double t = ThresholdForApcer(s, 0.0);
  EXPECT_GT(t, 0.5);
  EXPECT_LT(t, 0.5001);
  EXPECT_DOUBLE_EQ(PadRatesAt(s, t).apcer_max, 0.0);
  EXPECT_EQ(PadRatesAt(s, t).bpcer.errors, 0);
  // Allowing half the attacks through: the threshold sits just above the lower attack.
  double t2 = ThresholdForApcer(s, 0.5);
  EXPECT_GT(t2, 0.1);
  EXPECT_LT(t2, 0.5);
}

TEST(PadMetricsTest, EerAndAucSeparableAndOverlapping) {
  std::vector<PadSample> separable = {Bona(0.9f), Bona(0.8f), Attack(0.2f, "p"), Attack(0.1f, "p")};
  EXPECT_DOUBLE_EQ(PadAuc(separable), 1.0);
  EXPECT_DOUBLE_EQ(PadEqualErrorRate(separable).eer, 0.0);
  // Identical distributions: AUC 0.5 (ties count half), EER 0.5.
  std::vector<PadSample> same = {Bona(0.5f), Attack(0.5f, "p")};
  EXPECT_DOUBLE_EQ(PadAuc(same), 0.5);
  // Reversed: every attack scores higher than every bona fide.
  std::vector<PadSample> reversed = {Bona(0.1f), Bona(0.2f), Attack(0.8f, "p"), Attack(0.9f, "p")};
  EXPECT_DOUBLE_EQ(PadAuc(reversed), 0.0);
  EXPECT_NEAR(PadEqualErrorRate(reversed).eer, 1.0, 1e-9);
}

TEST(PadMetricsTest, SplitIsSubjectDisjoint) {
  std::vector<PadSample> s = {Bona(0.9f, "b"), Bona(0.8f, "a"), Attack(0.2f, "p", "c"),
                              Attack(0.1f, "p", "a"), Bona(0.7f, "d")};
  PadSplit split = SplitBySubject(s);
  EXPECT_TRUE(split.subject_disjoint);
  EXPECT_EQ(split.tune_subjects, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(split.test_subjects, (std::vector<std::string>{"c", "d"}));
  EXPECT_EQ(split.tune.size(), 3u);
  for (const auto& x : split.tune) EXPECT_TRUE(x.subject == "a" || x.subject == "b");
  for (const auto& x : split.test) EXPECT_TRUE(x.subject == "c" || x.subject == "d");
}

TEST(PadMetricsTest, SplitWithoutSubjectsSaysSo) {
  std::vector<PadSample> s = {Bona(0.9f), Attack(0.2f, "p"), Bona(0.8f)};
  PadSplit split = SplitBySubject(s);
  EXPECT_FALSE(split.subject_disjoint);
  EXPECT_EQ(split.tune.size(), 2u);
  EXPECT_EQ(split.test.size(), 1u);
}

TEST(PadLabelsTest, ParsesLabelsAndDefaultsAttackType) {
  auto labels = ParsePadLabels(
      "image,label,subject,attack_type\n"
      "a.jpg,live,1,\nb.jpg,attack,1,\nc.jpg,attack,2,replay\n",
      "printed_photo");
  ASSERT_TRUE(labels.ok()) << labels.status().ToString();
  ASSERT_EQ(labels->size(), 3u);
  EXPECT_FALSE((*labels)[0].attack);
  EXPECT_EQ((*labels)[1].attack_type, "printed_photo");
  EXPECT_EQ((*labels)[2].attack_type, "replay");
  EXPECT_EQ((*labels)[2].subject, "2");
}

TEST(PadLabelsTest, RejectsUnknownLabelAndMissingColumns) {
  EXPECT_FALSE(ParsePadLabels("image,label\na.jpg,maybe\n", "x").ok());
  EXPECT_FALSE(ParsePadLabels("image,kind\na.jpg,live\n", "x").ok());
  EXPECT_FALSE(ParsePadLabels("image,label\n,live\n", "x").ok());
}

}  // namespace
}  // namespace facetrail::eval
