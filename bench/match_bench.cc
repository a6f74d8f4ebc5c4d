// Matcher benchmarks: exact scan throughput (templates/s) at 10^4..10^6 192-d templates on
// 1 and 2 threads against a naive scalar scan in the same run, and HNSW search latency
// with its recall against the exact scan.
//
// Inputs are random unit vectors with a fixed seed: scan cost does not depend on what the
// vectors look like. HNSW recall does (random high-dimensional points are its hardest
// case; real face templates cluster by person), so the recall printed is a lower-bound
// style figure for this configuration, not a promise about faces.
//
//   build-*/bench/match_bench --benchmark_counters_tabular=true
//   FACETRAIL_BENCH_HNSW_N=100000 ... --benchmark_filter=Hnsw   (graph size; default 10^6)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>

#include "facetrail/matcher.h"
#include "match/dot_product.h"

namespace facetrail {
namespace {

constexpr int kDim = 192;
constexpr char kModel[] = "bench@1#0";

std::vector<float> RandomUnit(std::mt19937* rng) {
  std::normal_distribution<float> n;
  std::vector<float> v(kDim);
  double s = 0;
  for (float& x : v) {
    x = n(*rng);
    s += double{x} * x;
  }
  for (float& x : v) x = static_cast<float>(x / std::sqrt(s));
  return v;
}

const GalleryTemplates& Gallery(size_t n) {
  static auto* cache = new std::map<size_t, GalleryTemplates>();
  auto it = cache->find(n);
  if (it != cache->end()) return it->second;
  std::mt19937 rng(static_cast<uint32_t>(n));
  GalleryTemplates g;
  g.model_id = kModel;
  g.dim = kDim;
  g.templates.resize(n);
  char id[24];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(id, sizeof id, "id%08zu", i);
    g.templates[i].identity_id = id;
    g.templates[i].values = RandomUnit(&rng);
  }
  return cache->emplace(n, std::move(g)).first->second;
}

std::unique_ptr<Matcher> Exact(size_t n, int threads) {
  MatcherOptions o;
  o.threads = threads;
  o.min_rows_per_shard = 4096;
  auto m = Matcher::Create(o, kModel, kDim);
  if (!m.ok() || !(*m)->Load(Gallery(n)).ok()) std::abort();
  return std::move(m).value();
}

void BM_ExactScan(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  auto m = Exact(n, threads);
  std::mt19937 rng(7);
  Template probe{kModel, RandomUnit(&rng)};
  for (auto _ : state) {
    auto r = m->Search(probe, 10, -1.0f);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n));
  state.counters["templates"] = static_cast<double>(n);
  state.counters["threads"] = threads;
}
BENCHMARK(BM_ExactScan)
    ->ArgsProduct({{10'000, 100'000, 1'000'000}, {1, 2}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// The baseline: one scalar dot product per template over separately allocated vectors,
// every score kept, then a partial sort; what a straightforward implementation does.
void BM_NaiveScalarScan(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const GalleryTemplates& g = Gallery(n);
  std::mt19937 rng(7);
  std::vector<float> probe = RandomUnit(&rng);
  std::vector<std::pair<float, size_t>> scores(n);
  for (auto _ : state) {
    for (size_t i = 0; i < n; ++i) {
      scores[i] = {match::DotScalar(probe.data(), g.templates[i].values.data(), kDim), i};
    }
    std::partial_sort(scores.begin(), scores.begin() + 10, scores.end(),
                      [](const auto& a, const auto& b) { return a.first > b.first; });
    benchmark::DoNotOptimize(scores.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n));
  state.counters["templates"] = static_cast<double>(n);
}
BENCHMARK(BM_NaiveScalarScan)
    ->Arg(10'000)->Arg(100'000)->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

size_t HnswSize() {
  const char* env = std::getenv("FACETRAIL_BENCH_HNSW_N");
  return env != nullptr && *env != '\0' ? std::strtoull(env, nullptr, 10) : 1'000'000;
}

void BM_HnswSearch(benchmark::State& state) {
  const size_t n = HnswSize();
  MatcherOptions o;
  o.approximate_threshold = 1;
  o.build_threads = 2;
  o.hnsw_ef_construction = static_cast<int>(state.range(0));
  o.hnsw_ef_search = static_cast<int>(state.range(1));
  auto m = Matcher::Create(o, kModel, kDim);
  if (!m.ok() || !(*m)->Load(Gallery(n)).ok()) {
    state.SkipWithError("hnsw build failed");
    return;
  }
  // Probes: half noisy copies of gallery members (someone enrolled), half random.
  std::mt19937 rng(11);
  std::vector<Template> probes;
  std::vector<std::string> mated;  // source identity of each mated probe, "" otherwise
  for (int i = 0; i < 100; ++i) {
    std::vector<float> p = RandomUnit(&rng);
    mated.emplace_back();
    if (i % 2 == 0) {
      const size_t src_row = rng() % n;
      mated.back() = Gallery(n).templates[src_row].identity_id;
      const auto& src = Gallery(n).templates[src_row].values;
      double s = 0;
      for (int d = 0; d < kDim; ++d) {
        p[d] = src[d] + 0.5f * p[d];
        s += double{p[d]} * p[d];
      }
      for (float& x : p) x = static_cast<float>(x / std::sqrt(s));
    }
    probes.push_back(Template{kModel, std::move(p)});
  }
  size_t hits = 0, total = 0, mated_hits = 0, mated_total = 0;
  for (size_t i = 0; i < probes.size(); ++i) {
    const Template& p = probes[i];
    auto a = (*m)->Search(p, 10, -1.0f);
    auto e = (*m)->SearchExact(p, 10, -1.0f);
    if (!a.ok() || !e.ok()) std::abort();
    // Mated rank 1: the enrolled source is first in the graph's answer whenever the exact
    // scan puts it first (the operationally relevant recall for identification).
    if (!mated[i].empty() && !e->empty() && (*e)[0].identity_id == mated[i]) {
      ++mated_total;
      mated_hits += !a->empty() && (*a)[0].identity_id == mated[i];
    }
    std::set<std::string> truth;
    for (const auto& c : *e) truth.insert(c.identity_id);
    for (const auto& c : *a) hits += truth.count(c.identity_id);
    total += e->size();
  }
  size_t q = 0;
  for (auto _ : state) {
    auto r = (*m)->Search(probes[q++ % probes.size()], 10, -1.0f);
    benchmark::DoNotOptimize(r);
  }
  state.counters["templates"] = static_cast<double>(n);
  state.counters["recall@10"] = static_cast<double>(hits) / static_cast<double>(total);
  state.counters["ef_search"] = static_cast<double>(o.hnsw_ef_search);
  state.counters["mated_rank1"] =
      mated_total ? static_cast<double>(mated_hits) / static_cast<double>(mated_total) : 0;
}
// The shipped defaults (MatcherOptions): ef_construction 200, ef_search 256.
BENCHMARK(BM_HnswSearch)
    ->Args({200, 256})
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(2000);

}  // namespace
}  // namespace facetrail

BENCHMARK_MAIN();
