#include "match/hnsw_index.h"

// hnswlib 0.6.2's own SIMD path (USE_SSE) prefetches one entry past the end of a node's
// link list, a heap read out of bounds that AddressSanitizer reports during graph builds
// (upstream nmslib/hnswlib issues #107 and #578, unfixed in Debian 12's 0.6.2). We turn
// that path off and give the graph our own AVX2 distance instead (PaddedInnerProduct).
#define NO_MANUAL_VECTORIZATION
#include <hnswlib/hnswlib.h>

#include <atomic>
#include <exception>
#include <new>
#include <thread>

#include "core/thread_annotations.h"
#include "match/dot_product.h"

namespace facetrail::match {
namespace {

// Inner-product distance (1 - cosine for unit vectors) over rows zero-padded to a multiple
// of kFloatsPerBlock floats, so the AVX2 kernel needs no tail handling.
float PaddedInnerProductDistance(const void* a, const void* b, const void* param) {
  const size_t n = *static_cast<const size_t*>(param);
  return 1.0f - DotPaddedUnaligned(static_cast<const float*>(a), static_cast<const float*>(b), n);
}

class PaddedInnerProductSpace final : public hnswlib::SpaceInterface<float> {
 public:
  explicit PaddedInnerProductSpace(size_t padded_dim) : padded_dim_(padded_dim) {}
  size_t get_data_size() override { return padded_dim_ * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return &PaddedInnerProductDistance; }
  void* get_dist_func_param() override { return &padded_dim_; }

 private:
  size_t padded_dim_;
};

}  // namespace

struct HnswIndex::Impl {
  explicit Impl(size_t padded_dim) : space(padded_dim) {}
  PaddedInnerProductSpace space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> graph;
  size_t dim = 0;
};

HnswIndex::HnswIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HnswIndex::~HnswIndex() = default;

StatusOr<std::unique_ptr<HnswIndex>> HnswIndex::Build(const ExactIndex& exact,
                                                      const HnswParams& params) {
  if (params.m < 2 || params.m > 128 || params.ef_construction < 1 || params.ef_search < 1) {
    return InvalidArgumentError("hnsw parameters out of range");
  }
  const size_t rows = exact.rows();
  // Rows are stored padded (exact.stride() floats, zeros at the end); queries must be too.
  auto impl = std::make_unique<Impl>(exact.stride());
  impl->dim = exact.stride();
  try {
    impl->graph = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        &impl->space, std::max<size_t>(rows, 1), static_cast<size_t>(params.m),
        static_cast<size_t>(params.ef_construction), /*random_seed=*/100);
    impl->graph->setEf(static_cast<size_t>(params.ef_search));
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("cannot allocate the hnsw graph");
  } catch (const std::exception& e) {
    return InternalError(std::string("hnsw: ") + e.what());
  }
  // hnswlib supports concurrent insertion; rows are handed out through one counter.
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  Mutex error_mu;
  std::string error;
  auto worker = [&] {
    try {
      for (size_t r = next++; r < rows && !failed; r = next++) {
        impl->graph->addPoint(exact.row(r), static_cast<hnswlib::labeltype>(r));
      }
    } catch (const std::exception& e) {
      failed = true;
      MutexLock l(&error_mu);
      error = e.what();
    }
  };
  const int threads = std::max(1, params.build_threads);
  std::vector<std::thread> pool;
  try {
    for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  } catch (const std::system_error&) {
    // Fewer threads than asked for: the ones that started (and this one) do the work.
  }
  worker();
  for (auto& t : pool) t.join();
  if (failed) {
    MutexLock l(&error_mu);
    return InternalError("hnsw build failed: " + error);
  }
  return std::unique_ptr<HnswIndex>(new HnswIndex(std::move(impl)));
}

StatusOr<std::vector<uint32_t>> HnswIndex::Search(const float* query, size_t rows) const {
  std::vector<uint32_t> out;
  try {
    auto result = impl_->graph->searchKnn(query, rows);
    out.reserve(result.size());
    while (!result.empty()) {
      out.push_back(static_cast<uint32_t>(result.top().second));
      result.pop();
    }
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("hnsw search out of memory");
  } catch (const std::exception& e) {
    return InternalError(std::string("hnsw search: ") + e.what());
  }
  return out;
}

}  // namespace facetrail::match
