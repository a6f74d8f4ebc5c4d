// Demographics, error-versus-reject and open-set search on synthetic templates whose
// answers are known by construction, plus hand-computed ratio and ERC cases.
#include "eval/demographics.h"

#include <cmath>

#include <gtest/gtest.h>

#include "eval/quality_eval.h"
#include "eval/search_eval.h"

namespace facetrail::eval {
namespace {

ImageOutcome Img(std::vector<float> v) {
  double n = 0;
  for (float x : v) n += double{x} * x;
  for (float& x : v) x = static_cast<float>(x / std::sqrt(n));
  ImageOutcome o;
  o.face.tmpl.model_id = "m";
  o.face.tmpl.values = std::move(v);
  return o;
}

// Basis-like vector for identity i in 64 dimensions, plus `shared` weight on dimension 63
// (which makes different people look alike) and a per-image wobble.
std::vector<float> Person(int i, float shared, float wobble) {
  std::vector<float> v(64, 0.0f);
  v[static_cast<size_t>(i % 63)] = 1.0f;
  v[63] = shared;
  v[static_cast<size_t>((i + 1) % 63)] = wobble;
  return v;
}

TEST(RatiosTest, MaxMinAndGeomean) {
  EXPECT_DOUBLE_EQ(*MaxMinRatio({0.001, 0.004}), 4.0);
  EXPECT_NEAR(*MaxGeomeanRatio({0.001, 0.004}), 2.0, 1e-12);  // geomean 0.002
  EXPECT_FALSE(MaxMinRatio({0.0, 0.004}).has_value());
  EXPECT_FALSE(MaxMinRatio({0.004}).has_value());
}

TEST(ErcTest, HandComputedCurve) {
  // Errors at threshold 0.5: 0.1 (quality 1) and 0.2 (quality 2).
  auto c = ErrorVersusReject({0.1f, 0.9f, 0.2f, 0.8f}, {1, 4, 2, 3}, 0.5, {0, 0.25, 0.5, 0.8});
  ASSERT_EQ(c.size(), 4u);
  EXPECT_DOUBLE_EQ(c[0].fnmr, 0.5);
  EXPECT_EQ(c[1].rejected, 1);
  EXPECT_DOUBLE_EQ(c[1].fnmr, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(c[1].quality_cutoff, 2);
  EXPECT_DOUBLE_EQ(c[2].fnmr, 0.0);
  EXPECT_EQ(c[3].rejected, 3);
  EXPECT_EQ(c[3].kept, 1);
}

TEST(DemographicsTest, GroupWhosePeopleLookAlikeHasHigherFmr) {
  DemographicsInput in;
  // Group A: 40 people, distinct; two images each. Group B: 40 people who share a strong
  // common component (cosine ~0.8 between different people); one image each.
  for (int i = 0; i < 40; ++i) {
    for (int k = 0; k < 2; ++k) {
      in.outcomes.push_back(Img(Person(i, 0.1f, 0.05f * static_cast<float>(k))));
      in.identity.push_back("a" + std::to_string(i));
      in.group.push_back("A");
    }
  }
  for (int i = 0; i < 40; ++i) {
    in.outcomes.push_back(Img(Person(i, 2.0f, 0.0f)));
    in.identity.push_back("b" + std::to_string(i));
    in.group.push_back("B");
  }
  in.outcomes.push_back(Img(Person(5, 0, 0)));  // unlabelled image
  in.identity.push_back("x");
  in.group.push_back("");
  in.threshold = 0.5;
  in.target_fmr = 1e-2;
  in.bootstrap.replicates = 50;
  auto r = ComputeDemographics(in);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->groups.size(), 2u);
  EXPECT_EQ(r->unlabelled_images, 1);
  const GroupResult& a = r->groups[0];
  const GroupResult& b = r->groups[1];
  EXPECT_EQ(a.impostor_pairs, 40 * 39 / 2);
  EXPECT_EQ(b.impostor_pairs, 40 * 39 / 2);
  EXPECT_EQ(a.false_matches, 0);
  // In B, people i and i+63k share a basis vector only... with 40 < 63 none do: every
  // pair's cosine is 4 / (1 + 4) = 0.8 >= 0.5.
  EXPECT_EQ(b.false_matches, b.impostor_pairs);
  EXPECT_TRUE(a.has_genuine);
  EXPECT_EQ(a.genuine_pairs, 40);
  EXPECT_EQ(a.false_non_matches, 0);
  EXPECT_FALSE(b.has_genuine);
  // A has FMR 0: the max/min ratio is unbounded, reported as absent.
  EXPECT_FALSE(r->fmr_max_min.has_value());
}

TEST(SearchEvalTest, OrthogonalPeopleAreFoundAtRankOne) {
  std::vector<ImageOutcome> outcomes;
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    int images = i < 20 ? 2 : 1;
    for (int k = 0; k < images; ++k) {
      outcomes.push_back(Img(Person(i, 0.0f, 0.1f * static_cast<float>(k))));
      ids.push_back("p" + std::to_string(i));
    }
  }
  outcomes.push_back(ImageOutcome());  // a probe without a face
  outcomes.back().status = NotFoundError("no face");
  ids.push_back("p0");
  auto run = RunOpenSet(outcomes, ids, 15, 1);
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->gallery_size, 15u);
  EXPECT_EQ(run->mated_searches + run->non_mated_searches, outcomes.size() - 15);
  EXPECT_EQ(run->probe_fta, 1u);
  // Every acquired mated probe finds its mate first; the FTA probe (p0 may or may not be
  // enrolled) is a miss only if mated.
  double rank1 = RankHitRate(run->searches, 1);
  EXPECT_GE(rank1, 1.0 - 1.0 / static_cast<double>(run->mated_searches));
  EXPECT_DOUBLE_EQ(OpenSetAt(run->searches, 0.5).fpir, 0.0);
  EXPECT_FALSE(RunOpenSet(outcomes, ids, 31, 1).ok());
}

}  // namespace
}  // namespace facetrail::eval
