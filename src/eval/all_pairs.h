// Impostor score sets of millions of pairs by matrix product: every cross pair (i < j) of
// the rows of a template matrix, scored as the dot product of unit vectors (cosine), in
// row blocks so memory stays bounded (block x rows floats), on several threads.
//
// Thread-safety: the function is reentrant; it starts and joins its own threads.
#ifndef FACETRAIL_EVAL_ALL_PAIRS_H_
#define FACETRAIL_EVAL_ALL_PAIRS_H_

#include <cstdint>
#include <span>
#include <vector>

#include "eval/score_distribution.h"
#include "facetrail/status.h"

namespace facetrail::eval {

struct TemplateMatrix {
  std::vector<float> values;  // rows x dim, row-major, each row unit L2 norm
  size_t rows = 0;
  size_t dim = 0;
};

struct AllPairsOptions {
  int threads = 2;
  size_t block_rows = 512;
  size_t tail_capacity = 1 << 20;
};

// Scores all pairs i < j whose identity[i] != identity[j] (so several images of one person
// may be present; their mutual pairs are skipped). TailEntry::a/b hold the row indices.
// kInvalidArgument if identity.size() != rows or the matrix is malformed.
StatusOr<ScoreDistribution> AllPairsImpostorScores(const TemplateMatrix& m,
                                                   std::span<const uint32_t> identity,
                                                   const AllPairsOptions& options = {});

}  // namespace facetrail::eval

#endif  // FACETRAIL_EVAL_ALL_PAIRS_H_
