#include "match/dot_product.h"

#if defined(__AVX2__) && defined(__FMA__)
#include <immintrin.h>
#define FT_MATCH_AVX2 1
#endif

namespace facetrail::match {

float DotScalar(const float* a, const float* b, size_t n) {
  float s = 0;
  for (size_t i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

#ifdef FT_MATCH_AVX2
namespace {

inline float HorizontalSum(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v);
  __m128 hi = _mm256_extractf128_ps(v, 1);
  __m128 s = _mm_add_ps(lo, hi);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

}  // namespace

float DotPadded(const float* a, const float* b, size_t n) {
  // Two accumulators hide the FMA latency for one row.
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_load_ps(a + i), _mm256_load_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_load_ps(a + i + 8), _mm256_load_ps(b + i + 8), acc1);
  }
  if (i < n) acc0 = _mm256_fmadd_ps(_mm256_load_ps(a + i), _mm256_load_ps(b + i), acc0);
  return HorizontalSum(_mm256_add_ps(acc0, acc1));
}

float DotPaddedUnaligned(const float* a, const float* b, size_t n) {
  __m256 acc0 = _mm256_setzero_ps(), acc1 = _mm256_setzero_ps();
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
  }
  if (i < n) acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
  return HorizontalSum(_mm256_add_ps(acc0, acc1));
}

void DotRows(const float* query, const float* rows, size_t stride, size_t count, float* out) {
  // Four rows at a time: each query block is loaded once for four FMAs, and the four
  // independent accumulators keep the FMA units busy.
  size_t r = 0;
  for (; r + 4 <= count; r += 4) {
    const float* r0 = rows + r * stride;
    const float* r1 = r0 + stride;
    const float* r2 = r1 + stride;
    const float* r3 = r2 + stride;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    for (size_t i = 0; i < stride; i += 8) {
      __m256 q = _mm256_load_ps(query + i);
      a0 = _mm256_fmadd_ps(_mm256_load_ps(r0 + i), q, a0);
      a1 = _mm256_fmadd_ps(_mm256_load_ps(r1 + i), q, a1);
      a2 = _mm256_fmadd_ps(_mm256_load_ps(r2 + i), q, a2);
      a3 = _mm256_fmadd_ps(_mm256_load_ps(r3 + i), q, a3);
    }
    out[r] = HorizontalSum(a0);
    out[r + 1] = HorizontalSum(a1);
    out[r + 2] = HorizontalSum(a2);
    out[r + 3] = HorizontalSum(a3);
  }
  for (; r < count; ++r) out[r] = DotPadded(query, rows + r * stride, stride);
}

#else

float DotPadded(const float* a, const float* b, size_t n) { return DotScalar(a, b, n); }
float DotPaddedUnaligned(const float* a, const float* b, size_t n) { return DotScalar(a, b, n); }

void DotRows(const float* query, const float* rows, size_t stride, size_t count, float* out) {
  for (size_t r = 0; r < count; ++r) out[r] = DotScalar(query, rows + r * stride, stride);
}

#endif

}  // namespace facetrail::match
