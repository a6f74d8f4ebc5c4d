// Recall of the approximate (HNSW) index against the exact scan, on random unit vectors
// with fixed seeds. The threshold is the one the matcher is documented to meet (0.95).
#include <gtest/gtest.h>

#include <random>
#include <set>

#include "facetrail/matcher.h"

namespace facetrail {
namespace {

constexpr char kModel[] = "test-model@1#0000";

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

TEST(HnswRecallTest, RecallAtTenAgainstExactScan) {
  constexpr int kDim = 64, kIdentities = 20000, kQueries = 200, kK = 10;
  std::mt19937 rng(2024);
  GalleryTemplates g;
  g.model_id = kModel;
  g.dim = kDim;
  for (int i = 0; i < kIdentities; ++i) {
    StoredTemplate t;
    t.identity_id = "id" + std::to_string(i);
    t.values = RandomUnit(&rng, kDim);
    g.templates.push_back(std::move(t));
  }
  MatcherOptions o;
  o.approximate_threshold = 1000;
  // Library defaults for the graph (M 16, ef_construction 200, ef_search 256): the test
  // checks the configuration that ships.
  o.build_threads = 2;
  auto m = Matcher::Create(o, kModel, kDim);
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE((*m)->Load(g).ok());
  size_t hits = 0, total = 0;
  for (int q = 0; q < kQueries; ++q) {
    // Probes near gallery members (as real probes are) and pure random ones.
    std::vector<float> p = RandomUnit(&rng, kDim);
    if (q % 2 == 0) {
      const auto& src = g.templates[rng() % g.templates.size()].values;
      double s = 0;
      for (size_t i = 0; i < p.size(); ++i) {
        p[i] = src[i] + 0.5f * p[i];
        s += double{p[i]} * p[i];
      }
      for (float& x : p) x = static_cast<float>(x / std::sqrt(s));
    }
    Template probe{kModel, p};
    SearchStats stats;
    auto approx = (*m)->Search(probe, kK, -1.0f, &stats);
    auto exact = (*m)->SearchExact(probe, kK, -1.0f);
    ASSERT_TRUE(approx.ok() && exact.ok());
    ASSERT_TRUE(stats.approximate);
    std::set<std::string> truth;
    for (const auto& c : *exact) truth.insert(c.identity_id);
    for (const auto& c : *approx) hits += truth.count(c.identity_id);
    total += exact->size();
  }
  double recall = static_cast<double>(hits) / static_cast<double>(total);
  std::printf("hnsw recall@%d over %d queries, %d templates: %.4f\n", kK, kQueries,
              kIdentities, recall);
  EXPECT_GE(recall, 0.95);
}

TEST(HnswRecallTest, BelowThresholdUsesExactScan) {
  std::mt19937 rng(1);
  GalleryTemplates g;
  g.model_id = kModel;
  g.dim = 16;
  for (int i = 0; i < 50; ++i) g.templates.push_back({0, "id" + std::to_string(i), {}, 0, RandomUnit(&rng, 16)});
  MatcherOptions o;
  o.approximate_threshold = 51;
  auto m = Matcher::Create(o, kModel, 16);
  ASSERT_TRUE((*m)->Load(g).ok());
  SearchStats stats;
  ASSERT_TRUE((*m)->Search(Template{kModel, RandomUnit(&rng, 16)}, 3, -1.0f, &stats).ok());
  EXPECT_FALSE(stats.approximate);
  EXPECT_EQ(stats.rows_scanned, 50u);
}

}  // namespace
}  // namespace facetrail
