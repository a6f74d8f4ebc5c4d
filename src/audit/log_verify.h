// The log store's full integrity check (LogStore::Verify, VerifyLogDirectory). Private.
// Thread-safety: pure function of the files it reads.
#ifndef FACETRAIL_AUDIT_LOG_VERIFY_H_
#define FACETRAIL_AUDIT_LOG_VERIFY_H_

#include <string>

#include "core/env.h"
#include "facetrail/log_store.h"

namespace facetrail::logstore {

// Checks the log in `dir` without taking its lock. With `open_size` set the log is open
// and growing: only the first open_size entries, the matching prefixes of the derived files
// and the checkpoint history up to `open_latest_note` are checked. Without it every byte
// of every file is accounted for.
StatusOr<LogVerifyReport> VerifyLogFiles(Env* env, const std::string& dir,
                                         const note::Verifier& verifier,
                                         const uint64_t* open_size,
                                         const std::string* open_latest_note);

inline StatusOr<LogVerifyReport> VerifyOpenLog(Env* env, const std::string& dir,
                                               const note::Verifier& verifier, uint64_t size,
                                               const std::string& latest_note) {
  return VerifyLogFiles(env, dir, verifier, &size, &latest_note);
}

}  // namespace facetrail::logstore

#endif  // FACETRAIL_AUDIT_LOG_VERIFY_H_
