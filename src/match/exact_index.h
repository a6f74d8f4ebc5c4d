// Exact index: one model's templates as a 32-byte-aligned, zero-padded float matrix with
// rows grouped by identity (identities in id order), scanned with AVX2 dot products.
//
// Grouping rows by identity lets the scan take each identity's best score on the fly, so
// per-identity deduplication is exact and costs nothing extra, and shards split at
// identity boundaries.
//
// Thread-safety: immutable after Build; Scan may run on any number of threads at once.
#ifndef FACETRAIL_MATCH_EXACT_INDEX_H_
#define FACETRAIL_MATCH_EXACT_INDEX_H_

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "facetrail/gallery.h"
#include "facetrail/status.h"
#include "match/top_k.h"

namespace facetrail::match {

struct FreeDeleter {
  void operator()(float* p) const { std::free(p); }
};
using AlignedFloats = std::unique_ptr<float[], FreeDeleter>;

// A zero-filled, 32-byte-aligned array of n floats; nullptr when out of memory.
AlignedFloats AllocateAligned(size_t n);

class ExactIndex {
 public:
  // Copies `templates` (grouped by identity, as Gallery::LoadTemplates returns them; they
  // are regrouped if not) into the matrix. kInvalidArgument on a dimension mismatch,
  // kResourceExhausted when the matrix cannot be allocated or exceeds 2^32 rows.
  static StatusOr<std::unique_ptr<ExactIndex>> Build(const std::vector<StoredTemplate>& templates,
                                                     int dim);

  // Scores identities [first, last) against `query` (padded to stride(), aligned), pushing
  // each identity's best score >= min_score into `top`.
  void Scan(const float* query, uint32_t first, uint32_t last, float min_score,
            TopK* top) const;

  // Identity ordinal ranges of about equal row counts, for `shards` threads.
  std::vector<std::pair<uint32_t, uint32_t>> Shards(size_t shards) const;

  size_t rows() const { return rows_; }
  size_t stride() const { return stride_; }
  int dim() const { return dim_; }
  size_t identity_count() const { return identity_ids_.size(); }
  const std::string& identity_id(uint32_t ordinal) const { return identity_ids_[ordinal]; }
  const float* row(size_t r) const { return matrix_.get() + r * stride_; }
  // Identity ordinal of row r.
  uint32_t row_identity(size_t r) const { return row_identity_[r]; }

 private:
  ExactIndex() = default;

  int dim_ = 0;
  size_t stride_ = 0;
  size_t rows_ = 0;
  AlignedFloats matrix_;
  std::vector<std::string> identity_ids_;   // sorted
  std::vector<uint32_t> identity_begin_;    // first row of each identity; one extra = rows_
  std::vector<uint32_t> row_identity_;
};

}  // namespace facetrail::match

#endif  // FACETRAIL_MATCH_EXACT_INDEX_H_
