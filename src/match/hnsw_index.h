// Approximate nearest-neighbour index over the exact index's rows: an adapter around
// hnswlib's HNSW graph (inner-product space). hnswlib throws; every call here catches and
// returns a Status instead. hnswlib's headers are included only in hnsw_index.cc.
//
// Thread-safety: immutable after Build; Search may run on any number of threads at once
// (hnswlib's search is read-only apart from its internal, locked visited-list pool).
#ifndef FACETRAIL_MATCH_HNSW_INDEX_H_
#define FACETRAIL_MATCH_HNSW_INDEX_H_

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "facetrail/status.h"
#include "match/exact_index.h"

namespace facetrail::match {

struct HnswParams {
  int m = 16;
  int ef_construction = 200;
  int ef_search = 128;
  int build_threads = 1;
};

class HnswIndex {
 public:
  ~HnswIndex();
  // Inserts every row of `exact` (which must outlive nothing: vectors are copied).
  static StatusOr<std::unique_ptr<HnswIndex>> Build(const ExactIndex& exact,
                                                    const HnswParams& params);

  // Up to `rows` nearest rows to `query` (stride() floats, zero padded), as row numbers.
  StatusOr<std::vector<uint32_t>> Search(const float* query, size_t rows) const;

 private:
  struct Impl;
  explicit HnswIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace facetrail::match

#endif  // FACETRAIL_MATCH_HNSW_INDEX_H_
