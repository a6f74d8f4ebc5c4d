#include "match/exact_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "match/dot_product.h"

namespace facetrail::match {

AlignedFloats AllocateAligned(size_t n) {
  size_t bytes = (n * sizeof(float) + kMatrixAlignment - 1) / kMatrixAlignment * kMatrixAlignment;
  if (bytes == 0) bytes = kMatrixAlignment;
  auto* p = static_cast<float*>(std::aligned_alloc(kMatrixAlignment, bytes));
  if (p != nullptr) std::memset(p, 0, bytes);
  return AlignedFloats(p);
}

StatusOr<std::unique_ptr<ExactIndex>> ExactIndex::Build(
    const std::vector<StoredTemplate>& templates, int dim) {
  if (dim <= 0) return InvalidArgumentError("index dimension must be positive");
  if (templates.size() >= std::numeric_limits<uint32_t>::max()) {
    return ResourceExhaustedError("too many templates for one index");
  }
  // Order rows by identity id (stable: keeps template order within an identity). The
  // gallery already returns them so; sorting an index vector is cheap insurance.
  std::vector<uint32_t> order(templates.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return templates[a].identity_id < templates[b].identity_id;
  });

  std::unique_ptr<ExactIndex> index(new ExactIndex());
  index->dim_ = dim;
  index->stride_ = PaddedStride(static_cast<size_t>(dim));
  index->rows_ = templates.size();
  index->matrix_ = AllocateAligned(index->rows_ * index->stride_);
  if (!index->matrix_) return ResourceExhaustedError("cannot allocate the template matrix");
  index->row_identity_.resize(index->rows_);
  for (size_t r = 0; r < order.size(); ++r) {
    const StoredTemplate& t = templates[order[r]];
    if (t.values.size() != static_cast<size_t>(dim)) {
      return InvalidArgumentError("template " + std::to_string(t.template_id) +
                                  " has dimension " + std::to_string(t.values.size()) +
                                  ", index expects " + std::to_string(dim));
    }
    for (float x : t.values) {
      // A NaN would silently drop out of every max(); refuse it instead.
      if (!std::isfinite(x)) {
        return InvalidArgumentError("template " + std::to_string(t.template_id) +
                                    " holds a non-finite value");
      }
    }
    if (index->identity_ids_.empty() || index->identity_ids_.back() != t.identity_id) {
      index->identity_ids_.push_back(t.identity_id);
      index->identity_begin_.push_back(static_cast<uint32_t>(r));
    }
    index->row_identity_[r] = static_cast<uint32_t>(index->identity_ids_.size() - 1);
    std::memcpy(index->matrix_.get() + r * index->stride_, t.values.data(),
                t.values.size() * sizeof(float));
  }
  index->identity_begin_.push_back(static_cast<uint32_t>(index->rows_));
  return index;
}

void ExactIndex::Scan(const float* query, uint32_t first, uint32_t last, float min_score,
                      TopK* top) const {
  if (first >= last) return;
  // Score rows in chunks that stay in L1, then fold each identity's rows to its best.
  constexpr size_t kChunk = 256;
  float scores[kChunk];
  const size_t row_end = identity_begin_[last];
  uint32_t id = first;
  float best = -std::numeric_limits<float>::infinity();
  for (size_t start = identity_begin_[first]; start < row_end; start += kChunk) {
    const size_t n = std::min(kChunk, row_end - start);
    DotRows(query, row(start), stride_, n, scores);
    for (size_t i = 0; i < n; ++i) {
      const size_t r = start + i;
      while (r >= identity_begin_[id + 1]) {  // identity `id` is complete
        if (best >= min_score) top->Push({best, id});
        best = -std::numeric_limits<float>::infinity();
        ++id;
      }
      best = std::max(best, scores[i]);
    }
  }
  if (id < last && best >= min_score) top->Push({best, id});
}

std::vector<std::pair<uint32_t, uint32_t>> ExactIndex::Shards(size_t shards) const {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  const uint32_t n = static_cast<uint32_t>(identity_ids_.size());
  if (n == 0) return out;
  shards = std::max<size_t>(1, std::min<size_t>(shards, n));
  uint32_t begin = 0;
  for (size_t s = 1; s <= shards && begin < n; ++s) {
    // First identity whose first row is at or past the s-th fraction of all rows.
    uint32_t end = n;
    if (s < shards) {
      const size_t target = rows_ * s / shards;
      auto it = std::lower_bound(identity_begin_.begin() + begin + 1, identity_begin_.end() - 1,
                                 static_cast<uint32_t>(target));
      end = static_cast<uint32_t>(it - identity_begin_.begin());
    }
    if (end > begin) out.emplace_back(begin, end);
    begin = end;
  }
  return out;
}

}  // namespace facetrail::match
