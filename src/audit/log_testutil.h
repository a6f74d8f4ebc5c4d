// Shared fixtures for the log store tests: a temp directory and a fresh log key.
// Header-only (src/audit/*.cc are globbed into the library). Not thread-safe.
#ifndef FACETRAIL_AUDIT_LOG_TESTUTIL_H_
#define FACETRAIL_AUDIT_LOG_TESTUTIL_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "facetrail/log_store.h"
#include "facetrail/note.h"

namespace facetrail::logstore::testing {

// tmpfs when present. For tests whose crashes are simulated (fault env) or are process
// crashes (SIGKILL keeps the page cache), real fsync latency adds minutes and no coverage.
inline std::string ScratchRoot() {
  if (std::filesystem::is_directory("/dev/shm")) return "/dev/shm";
  return std::filesystem::temp_directory_path().string();
}

// A directory under $TMPDIR (or ScratchRoot()) removed (recursively) when the object dies.
class TempDir {
 public:
  explicit TempDir(bool scratch = false) {
    std::string root = scratch ? ScratchRoot() : std::filesystem::temp_directory_path().string();
    std::string tmpl = root + "/ftlog-XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct TestKey {
  std::string private_key;
  std::string verifier_key;
  std::unique_ptr<note::Ed25519Signer> signer;
  std::unique_ptr<note::Ed25519Verifier> verifier;
};

inline TestKey MakeKey(const std::string& name = "example.org/log") {
  TestKey k;
  auto g = note::GenerateKey(name);
  EXPECT_TRUE(g.ok()) << g.status().ToString();
  k.private_key = g->private_key;
  k.verifier_key = g->verifier_key;
  auto s = note::Ed25519Signer::FromKey(k.private_key);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  k.signer = std::move(*s);
  auto v = note::Ed25519Verifier::FromKey(k.verifier_key);
  EXPECT_TRUE(v.ok()) << v.status().ToString();
  k.verifier = std::move(*v);
  return k;
}

inline LogStoreOptions MakeOptions(const TestKey& key, Env* env = nullptr,
                                   const Clock* clock = nullptr) {
  LogStoreOptions o;
  o.env = env;
  o.clock = clock;
  o.origin = "example.org/log";
  o.signer = key.signer.get();
  o.verifier = key.verifier.get();
  o.create_if_missing = true;
  return o;
}

// Entry i of the deterministic test workloads (varied lengths, including empty).
inline std::string TestEntry(uint64_t i) {
  std::string e = "entry-" + std::to_string(i) + "-";
  e.append(i % 37, static_cast<char>('a' + i % 26));
  if (i % 11 == 5) e.clear();
  return e;
}

}  // namespace facetrail::logstore::testing

#endif  // FACETRAIL_AUDIT_LOG_TESTUTIL_H_
