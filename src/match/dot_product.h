// Dot products over float32 templates: the inner loop of every 1:N search.
//
// Rows live in a matrix whose stride is a multiple of kFloatsPerBlock floats (zero padded)
// and whose base is 32-byte aligned, so the AVX2/FMA path needs no tail handling. Built
// with -march=x86-64-v3 (AVX2 + FMA); a portable scalar path is used elsewhere.
//
// Thread-safety: pure functions.
#ifndef FACETRAIL_MATCH_DOT_PRODUCT_H_
#define FACETRAIL_MATCH_DOT_PRODUCT_H_

#include <cstddef>

namespace facetrail::match {

inline constexpr size_t kFloatsPerBlock = 8;  // one AVX register
inline constexpr size_t kMatrixAlignment = 32;

// Smallest multiple of kFloatsPerBlock >= dim.
inline size_t PaddedStride(size_t dim) {
  return (dim + kFloatsPerBlock - 1) / kFloatsPerBlock * kFloatsPerBlock;
}

// sum(a[i] * b[i]) for i < n; n a multiple of kFloatsPerBlock; pointers 32-byte aligned.
float DotPadded(const float* a, const float* b, size_t n);

// As DotPadded, for pointers of any alignment (rows copied into hnswlib's own storage).
float DotPaddedUnaligned(const float* a, const float* b, size_t n);

// out[r] = dot(query, rows + r * stride) for r < count, with stride a multiple of
// kFloatsPerBlock and all pointers 32-byte aligned.
void DotRows(const float* query, const float* rows, size_t stride, size_t count, float* out);

// Plain scalar reference (any n, any alignment), for tests and the benchmark baseline.
float DotScalar(const float* a, const float* b, size_t n);

}  // namespace facetrail::match

#endif  // FACETRAIL_MATCH_DOT_PRODUCT_H_
