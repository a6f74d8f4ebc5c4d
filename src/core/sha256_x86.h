// SHA-256 on the x86 SHA extensions (SHA-NI), private to facetrail_core. facetrail::Sha256
// (facetrail/encoding.h) dispatches here when the CPU has them and to libsodium otherwise;
// this header exists so that tests and benchmarks can tell which path is live and can
// compare the accelerated path against libsodium directly.
//
// Thread-safety: pure functions. The CPU probe runs once, under the thread-safe
// initialisation of a function-local static.
#ifndef FACETRAIL_CORE_SHA256_X86_H_
#define FACETRAIL_CORE_SHA256_X86_H_

#include <string_view>

#include "facetrail/encoding.h"

namespace facetrail::internal {

enum class Sha256Impl { kLibsodium, kShaNi };

// True when this build has the SHA-NI code (x86-64) and the CPU runs SHA, SSSE3 and SSE4.1.
bool ShaNiSupported();

// The implementation facetrail::Sha256 uses in this process; fixed for its lifetime.
Sha256Impl ActiveSha256Impl();
const char* Sha256ImplName(Sha256Impl impl);

// The whole FIPS 180-4 hash (padding included) on SHA-NI. Precondition: ShaNiSupported();
// otherwise the CPU faults on the first SHA instruction (SIGILL). On non-x86 builds it
// calls libsodium, so that it links everywhere.
Sha256Digest Sha256ShaNi(std::string_view bytes);

}  // namespace facetrail::internal

#endif  // FACETRAIL_CORE_SHA256_X86_H_
