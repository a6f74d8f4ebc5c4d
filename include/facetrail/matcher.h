// Matcher: 1:N search of a probe template over an in-memory index built from a gallery.
//
// The index holds one model's templates as a contiguous float matrix, rows grouped by
// identity. Search is an exact scan (AVX2/FMA dot products; templates are unit norm, so the
// dot product is the cosine score), split into shards on several threads for large
// galleries; above MatcherOptions::approximate_threshold templates an HNSW graph
// (hnswlib) answers instead, and its result is re-scored exactly. An identity with several
// templates appears once, with its best score. Candidates are ranked by score, ties by
// identity id, so equal inputs always give equal output.
//
// Thread-safety: any number of concurrent Search() calls, concurrent with one writer
// (Load). The index is an immutable snapshot behind a shared_ptr: Load builds a new one
// off to the side and swaps it in; searches in flight finish on the snapshot they started
// with.
#ifndef FACETRAIL_MATCHER_H_
#define FACETRAIL_MATCHER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "facetrail/engine.h"
#include "facetrail/gallery.h"
#include "facetrail/status.h"

namespace facetrail {

struct MatcherOptions {
  int threads = 1;                       // threads per search for large galleries
  size_t min_rows_per_shard = 1 << 16;   // no thread gets fewer rows than this
  // Use the approximate index when the gallery holds at least this many templates
  // (0 = never; exact scan always).
  size_t approximate_threshold = 0;
  int hnsw_m = 16;                       // graph degree
  int hnsw_ef_construction = 200;
  int hnsw_ef_search = 256;              // candidate list size per search (recall vs speed)
  int build_threads = 1;                 // threads inserting into the HNSW graph on Load
  int max_k = 1000;                      // larger k is refused (bounded work per query)
};

struct Candidate {
  std::string identity_id;
  float score = 0;  // cosine similarity, -1..1
  int rank = 0;     // 1-based
};

struct SearchStats {
  bool approximate = false;
  size_t rows_scanned = 0;  // exact rows scored (0 for a pure graph search)
};

class Matcher {
 public:
  virtual ~Matcher() = default;

  // An empty index for `model_id` templates of dimension `dim`.
  static StatusOr<std::unique_ptr<Matcher>> Create(const MatcherOptions& options,
                                                   std::string model_id, int dim);

  // Replaces the index with `templates` (which must be of this matcher's model and
  // dimension). kFailedPrecondition on a model mismatch; kInvalidArgument on a bad
  // dimension; kResourceExhausted/kInternal if the approximate index cannot be built (the
  // previous snapshot stays in place).
  virtual Status Load(const GalleryTemplates& templates) = 0;

  // The best `k` identities with score >= min_score, best first. kFailedPrecondition if
  // the probe comes from a different model; kInvalidArgument on a bad dimension or k.
  virtual StatusOr<std::vector<Candidate>> Search(const Template& probe, int k,
                                                  float min_score,
                                                  SearchStats* stats = nullptr) const = 0;
  // Exact scan regardless of size (the reference for the approximate index's recall).
  virtual StatusOr<std::vector<Candidate>> SearchExact(const Template& probe, int k,
                                                       float min_score) const = 0;

  virtual const std::string& model_id() const = 0;
  virtual int dim() const = 0;
  virtual size_t template_count() const = 0;
  virtual size_t identity_count() const = 0;
  // Gallery version the current snapshot was loaded from.
  virtual int64_t gallery_version() const = 0;
};

}  // namespace facetrail

#endif  // FACETRAIL_MATCHER_H_
