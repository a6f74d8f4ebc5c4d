// SHA-256 compression on the x86 SHA extensions, and the one-time CPU probe that decides
// whether facetrail::Sha256 uses it. See sha256_x86.h for the contract.
//
// The project builds for x86-64-v3, which has no SHA instructions, so only the functions
// that execute them are compiled for "sha,sse4.1,ssse3" (target attribute); nothing here
// may be reached on a CPU without them unless ShaNiSupported() said yes.
#include "core/sha256_x86.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#else
#include <sodium.h>
#endif

namespace facetrail::internal {

#if defined(__x86_64__)
namespace {

#define FACETRAIL_SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))

alignas(16) constexpr uint32_t kK[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

constexpr uint32_t kInit[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

// Runs `blocks` 64-byte blocks from `p` (any alignment) into state[0..7] (a..h).
FACETRAIL_SHA_TARGET void Compress(uint32_t state[8], const uint8_t* p, size_t blocks) {
  // Message words are big-endian; the SHA instructions want them as native 32-bit lanes.
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  // sha256rnds2 keeps the state as two registers {a,b,e,f} and {c,d,g,h} (high lane first).
  __m128i dcba = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state));
  __m128i hgfe = _mm_loadu_si128(reinterpret_cast<const __m128i*>(state + 4));
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);

  for (; blocks > 0; --blocks, p += 64) {
    const __m128i abef_in = abef, cdgh_in = cdgh;
    __m128i w[4];
    for (int i = 0; i < 4; ++i) {
      w[i] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i)),
                              bswap);
    }
    // Sixteen groups of four rounds; w[] is a ring of the last four schedule groups, and
    // group g+4 is derived from groups g..g+3 (msg1 adds sigma0, msg2 adds sigma1).
    // Fully unrolled, so that w[] lives in registers and the ring indices are constants.
#pragma GCC unroll 16
    for (int g = 0; g < 16; ++g) {
      const __m128i k = _mm_load_si128(reinterpret_cast<const __m128i*>(kK + 4 * g));
      const __m128i wk = _mm_add_epi32(w[g & 3], k);
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
      if (g < 12) {
        __m128i next = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
        next = _mm_add_epi32(next, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
        w[g & 3] = _mm_sha256msg2_epu32(next, w[(g + 3) & 3]);
      }
    }
    abef = _mm_add_epi32(abef, abef_in);
    cdgh = _mm_add_epi32(cdgh, cdgh_in);
  }

  __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state), _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(state + 4), _mm_alignr_epi8(dchg, feba, 8));
}

bool ProbeCpu() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return false;
  const bool ssse3 = (ecx & (1u << 9)) != 0, sse41 = (ecx & (1u << 19)) != 0;
  // __get_cpuid_count checks the maximum leaf, so old CPUs without leaf 7 read as "no".
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  const bool sha = (ebx & (1u << 29)) != 0;
  return ssse3 && sse41 && sha;
}

}  // namespace

bool ShaNiSupported() {
  static const bool supported = ProbeCpu();
  return supported;
}

Sha256Digest Sha256ShaNi(std::string_view bytes) {
  uint32_t state[8];
  std::memcpy(state, kInit, sizeof state);
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  const size_t full = n / 64;
  if (full > 0) Compress(state, p, full);

  // FIPS 180-4 5.1.1: 0x80, zeros, then the bit length as 64-bit big-endian, filling one
  // block when at most 55 bytes remain and two otherwise.
  uint8_t tail[128] = {};
  const size_t rest = n - full * 64;
  if (rest > 0) std::memcpy(tail, p + full * 64, rest);
  tail[rest] = 0x80;
  const size_t tail_blocks = rest < 56 ? 1 : 2;
  const uint64_t bits = static_cast<uint64_t>(n) << 3;
  for (int i = 0; i < 8; ++i) {
    tail[tail_blocks * 64 - 1 - static_cast<size_t>(i)] = static_cast<uint8_t>(bits >> (8 * i));
  }
  Compress(state, tail, tail_blocks);

  Sha256Digest out;
  for (size_t i = 0; i < 8; ++i) {
    for (size_t j = 0; j < 4; ++j) out[4 * i + j] = static_cast<uint8_t>(state[i] >> (24 - 8 * j));
  }
  return out;
}

#else  // !defined(__x86_64__)

bool ShaNiSupported() { return false; }

Sha256Digest Sha256ShaNi(std::string_view bytes) {
  Sha256Digest d;
  crypto_hash_sha256(d.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     bytes.size());
  return d;
}

#endif

Sha256Impl ActiveSha256Impl() {
  return ShaNiSupported() ? Sha256Impl::kShaNi : Sha256Impl::kLibsodium;
}

const char* Sha256ImplName(Sha256Impl impl) {
  return impl == Sha256Impl::kShaNi ? "sha-ni" : "libsodium";
}

}  // namespace facetrail::internal
