#include "match/hnsw_index.h"

#include <hnswlib/hnswlib.h>

#include <atomic>
#include <exception>
#include <new>
#include <thread>

#include "core/thread_annotations.h"

namespace facetrail::match {

struct HnswIndex::Impl {
  explicit Impl(size_t dim) : space(dim) {}
  hnswlib::InnerProductSpace space;
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
  const size_t dim = static_cast<size_t>(exact.dim());
  auto impl = std::make_unique<Impl>(dim);
  impl->dim = dim;
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
