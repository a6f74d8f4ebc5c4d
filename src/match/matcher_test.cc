// Matcher arithmetic and ranking against a naive reference. Random unit vectors with fixed
// seeds are the right input here: these tests check arithmetic and ordering, not faces.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <thread>

#include "facetrail/matcher.h"
#include "match/dot_product.h"
#include "match/exact_index.h"
#include "match/top_k.h"

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

// `identities` identities with 1..max_per templates each.
GalleryTemplates RandomGallery(uint32_t seed, int identities, int max_per, int dim) {
  std::mt19937 rng(seed);
  GalleryTemplates g;
  g.model_id = kModel;
  g.dim = dim;
  g.gallery_version = 5;
  for (int i = 0; i < identities; ++i) {
    int n = 1 + static_cast<int>(rng() % static_cast<uint32_t>(max_per));
    char id[32];
    std::snprintf(id, sizeof id, "id%06d", i);
    for (int j = 0; j < n; ++j) {
      StoredTemplate t;
      t.identity_id = id;
      t.template_id = static_cast<int64_t>(g.templates.size()) + 1;
      t.values = RandomUnit(&rng, dim);
      g.templates.push_back(std::move(t));
    }
  }
  return g;
}

// Naive reference: double-precision dot per template, best per identity, sort.
std::vector<Candidate> Reference(const GalleryTemplates& g, const std::vector<float>& q, int k,
                                 float min_score) {
  std::map<std::string, double> best;
  for (const auto& t : g.templates) {
    double s = 0;
    for (size_t i = 0; i < q.size(); ++i) s += double{q[i]} * t.values[i];
    auto it = best.find(t.identity_id);
    if (it == best.end() || s > it->second) best[t.identity_id] = s;
  }
  std::vector<Candidate> all;
  for (const auto& [id, s] : best) {
    if (s >= min_score) all.push_back({id, static_cast<float>(s), 0});
  }
  std::stable_sort(all.begin(), all.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  if (all.size() > static_cast<size_t>(k)) all.resize(static_cast<size_t>(k));
  for (size_t i = 0; i < all.size(); ++i) all[i].rank = static_cast<int>(i + 1);
  return all;
}

Template Probe(std::vector<float> v) { return Template{kModel, std::move(v)}; }

TEST(DotProductTest, SimdMatchesScalar) {
  std::mt19937 rng(1);
  for (size_t dim : {8u, 16u, 24u, 128u, 192u, 512u}) {
    match::AlignedFloats a = match::AllocateAligned(dim), rows = match::AllocateAligned(dim * 7);
    std::vector<float> va = RandomUnit(&rng, static_cast<int>(dim));
    std::copy(va.begin(), va.end(), a.get());
    for (size_t r = 0; r < 7; ++r) {
      std::vector<float> vr = RandomUnit(&rng, static_cast<int>(dim));
      std::copy(vr.begin(), vr.end(), rows.get() + r * dim);
    }
    float out[7];
    match::DotRows(a.get(), rows.get(), dim, 7, out);
    for (size_t r = 0; r < 7; ++r) {
      float ref = match::DotScalar(a.get(), rows.get() + r * dim, dim);
      EXPECT_NEAR(out[r], ref, 1e-5) << "dim " << dim << " row " << r;
      EXPECT_NEAR(match::DotPadded(a.get(), rows.get() + r * dim, dim), ref, 1e-5);
      EXPECT_NEAR(match::DotPaddedUnaligned(a.get(), rows.get() + r * dim, dim), ref, 1e-5);
    }
  }
}

TEST(TopKTest, KeepsBestAndBreaksTiesByOrdinal) {
  match::TopK top(3);
  for (auto [s, o] : std::vector<std::pair<float, uint32_t>>{
           {0.5f, 9}, {0.9f, 4}, {0.5f, 2}, {0.1f, 0}, {0.9f, 1}, {0.5f, 3}}) {
    top.Push({s, o});
  }
  auto out = top.Sorted();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].ordinal, 1u);  // 0.9, lower ordinal first
  EXPECT_EQ(out[1].ordinal, 4u);
  EXPECT_EQ(out[2].ordinal, 2u);  // best of the three 0.5s by ordinal
  match::TopK none(0);
  none.Push({1.0f, 0});
  EXPECT_TRUE(none.Sorted().empty());
}

TEST(MatcherTest, ExactScanMatchesNaiveReference) {
  for (int dim : {128, 192}) {
    GalleryTemplates g = RandomGallery(11, 700, 4, dim);
    MatcherOptions o;
    auto m = Matcher::Create(o, kModel, dim);
    ASSERT_TRUE(m.ok());
    ASSERT_TRUE((*m)->Load(g).ok());
    EXPECT_EQ((*m)->gallery_version(), 5);
    EXPECT_EQ((*m)->identity_count(), 700u);
    std::mt19937 rng(99);
    for (int q = 0; q < 20; ++q) {
      // Half the probes are noisy copies of a gallery template, so there are real winners.
      std::vector<float> probe = RandomUnit(&rng, dim);
      if (q % 2 == 0) {
        const auto& src = g.templates[rng() % g.templates.size()].values;
        double s = 0;
        for (int i = 0; i < dim; ++i) {
          probe[static_cast<size_t>(i)] = src[static_cast<size_t>(i)] + 0.3f * probe[static_cast<size_t>(i)];
          s += double{probe[static_cast<size_t>(i)]} * probe[static_cast<size_t>(i)];
        }
        for (float& x : probe) x = static_cast<float>(x / std::sqrt(s));
      }
      auto got = (*m)->Search(Probe(probe), 10, -1.0f);
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      auto want = Reference(g, probe, 10, -1.0f);
      ASSERT_EQ(got->size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_NEAR((*got)[i].score, want[i].score, 1e-5);
        EXPECT_EQ((*got)[i].rank, static_cast<int>(i + 1));
        // Identities agree unless two reference scores are within float rounding.
        if (i + 1 < want.size() && want[i].score - want[i + 1].score > 1e-5 &&
            (i == 0 || want[i - 1].score - want[i].score > 1e-5)) {
          EXPECT_EQ((*got)[i].identity_id, want[i].identity_id) << "rank " << i + 1;
        }
      }
    }
  }
}

TEST(MatcherTest, EachIdentityOnceWithItsBestScore) {
  GalleryTemplates g;
  g.model_id = kModel;
  g.dim = 8;
  auto unit = [](int axis, float w) {
    std::vector<float> v(8, 0.0f);
    v[static_cast<size_t>(axis)] = w;
    v[7] = std::sqrt(1 - w * w);
    return v;
  };
  // "a" has three templates close to the probe; "b" one slightly worse; "c" far.
  g.templates = {{1, "a", {}, 0, unit(0, 0.99f)}, {2, "a", {}, 0, unit(0, 0.98f)},
                 {3, "a", {}, 0, unit(0, 0.97f)}, {4, "b", {}, 0, unit(0, 0.95f)},
                 {5, "c", {}, 0, unit(1, 0.99f)}};
  auto m = Matcher::Create({}, kModel, 8);
  ASSERT_TRUE((*m)->Load(g).ok());
  std::vector<float> probe(8, 0.0f);
  probe[0] = 1;
  auto got = (*m)->Search(Probe(probe), 3, -1.0f);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].identity_id, "a");
  EXPECT_FLOAT_EQ((*got)[0].score, 0.99f);
  EXPECT_EQ((*got)[1].identity_id, "b");
  EXPECT_EQ((*got)[2].identity_id, "c");
  EXPECT_FLOAT_EQ((*got)[2].score, 0.0f);
  // min_score filters; nothing above it means an empty answer, not an error.
  auto strict = (*m)->Search(Probe(probe), 3, 0.96f);
  ASSERT_TRUE(strict.ok());
  ASSERT_EQ(strict->size(), 1u);
  EXPECT_EQ((*strict)[0].identity_id, "a");
  EXPECT_TRUE((*m)->Search(Probe(probe), 3, 0.999f)->empty());
}

TEST(MatcherTest, TiesRankByIdentityId) {
  GalleryTemplates g;
  g.model_id = kModel;
  g.dim = 8;
  std::vector<float> same(8, 0.0f);
  same[0] = 1;
  for (const char* id : {"zed", "amy", "kim", "bob"}) g.templates.push_back({0, id, {}, 0, same});
  auto m = Matcher::Create({}, kModel, 8);
  ASSERT_TRUE((*m)->Load(g).ok());
  auto got = (*m)->Search(Probe(same), 3, 0.0f);
  ASSERT_TRUE(got.ok());
  ASSERT_EQ(got->size(), 3u);
  EXPECT_EQ((*got)[0].identity_id, "amy");
  EXPECT_EQ((*got)[1].identity_id, "bob");
  EXPECT_EQ((*got)[2].identity_id, "kim");
}

TEST(MatcherTest, ShardedScanEqualsSingleThread) {
  GalleryTemplates g = RandomGallery(5, 5000, 3, 192);
  MatcherOptions one;
  MatcherOptions many;
  many.threads = 4;
  many.min_rows_per_shard = 100;  // force many shards on a small gallery
  auto m1 = Matcher::Create(one, kModel, 192);
  auto m4 = Matcher::Create(many, kModel, 192);
  ASSERT_TRUE((*m1)->Load(g).ok());
  ASSERT_TRUE((*m4)->Load(g).ok());
  std::mt19937 rng(3);
  for (int q = 0; q < 10; ++q) {
    Template p = Probe(RandomUnit(&rng, 192));
    auto a = (*m1)->Search(p, 25, -1.0f);
    auto b = (*m4)->Search(p, 25, -1.0f);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size());
    for (size_t i = 0; i < a->size(); ++i) {
      EXPECT_EQ((*a)[i].identity_id, (*b)[i].identity_id);
      EXPECT_EQ((*a)[i].score, (*b)[i].score);  // same arithmetic, bit-identical
    }
  }
}

TEST(MatcherTest, RefusesOtherModelsAndBadArguments) {
  auto m = Matcher::Create({}, kModel, 8);
  ASSERT_TRUE(m.ok());
  std::vector<float> v(8, 0.0f);
  v[0] = 1;
  EXPECT_EQ((*m)->Search(Template{"other@1#1", v}, 5, 0).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ((*m)->Search(Probe(std::vector<float>(9, 0.0f)), 5, 0).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*m)->Search(Probe(v), 0, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*m)->Search(Probe(v), 100000, 0).status().code(), StatusCode::kInvalidArgument);
  auto nan = v;
  nan[1] = std::nanf("");
  EXPECT_EQ((*m)->Search(Probe(nan), 5, 0).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE((*m)->Search(Probe(v), 5, 0)->empty());  // empty gallery: no candidates
  GalleryTemplates bad = RandomGallery(1, 3, 1, 8);
  bad.templates[1].values[2] = std::nanf("");
  EXPECT_EQ((*m)->Load(bad).code(), StatusCode::kInvalidArgument);
  GalleryTemplates other = RandomGallery(1, 3, 1, 8);
  other.model_id = "other@1#1";
  EXPECT_EQ((*m)->Load(other).code(), StatusCode::kFailedPrecondition);
}

TEST(MatcherTest, ConcurrentSearchesWithReloads) {
  GalleryTemplates g1 = RandomGallery(21, 400, 2, 64);
  GalleryTemplates g2 = RandomGallery(22, 900, 2, 64);
  g2.gallery_version = 6;
  auto m = Matcher::Create({}, kModel, 64);
  ASSERT_TRUE((*m)->Load(g1).ok());
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0}, searches{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      std::mt19937 rng(static_cast<uint32_t>(100 + t));
      while (!stop || searches < 50) {
        auto r = (*m)->Search(Probe(RandomUnit(&rng, 64)), 5, -1.0f);
        // Every answer comes whole from one snapshot: 5 distinct, ordered candidates.
        if (!r.ok() || r->size() != 5) {
          ++bad;
        } else {
          for (size_t i = 1; i < r->size(); ++i) {
            if ((*r)[i].score > (*r)[i - 1].score) ++bad;
          }
        }
        ++searches;
      }
    });
  }
  for (int i = 0; i < 20; ++i) ASSERT_TRUE((*m)->Load(i % 2 ? g1 : g2).ok());
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(bad, 0);
}

}  // namespace
}  // namespace facetrail
