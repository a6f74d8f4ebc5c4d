// libFuzzer harness for log store recovery: a valid log of three signed entries gets the
// fuzz input appended to one of its files (chosen by the first byte), as a crash, a bad
// disk or an attacker might leave it. Opening must never crash; if it succeeds, the three
// signed entries must be intact and the full verification must pass (recovery either
// repairs a torn tail or refuses with an error, never opens a log it cannot vouch for).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "facetrail/log_store.h"
#include "facetrail/note.h"

namespace {

using namespace facetrail;

struct Fixture {
  std::unique_ptr<note::Ed25519Signer> signer;
  std::unique_ptr<note::Ed25519Verifier> verifier;
  std::string dir;
};

Fixture* TheFixture() {
  static Fixture* f = [] {
    auto* f = new Fixture;
    auto key = note::GenerateKey("fuzz.example/log");
    f->signer = std::move(*note::Ed25519Signer::FromKey(key->private_key));
    f->verifier = std::move(*note::Ed25519Verifier::FromKey(key->verifier_key));
    std::string root = std::filesystem::is_directory("/dev/shm")
                           ? "/dev/shm"
                           : std::filesystem::temp_directory_path().string();
    f->dir = root + "/ftfuzz-log-" + std::to_string(::getpid());
    return f;
  }();
  return f;
}

LogStoreOptions Options(const Fixture& f) {
  LogStoreOptions o;
  o.origin = "fuzz.example/log";
  o.signer = f.signer.get();
  o.verifier = f.verifier.get();
  o.create_if_missing = true;
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0 || size > 4096) return 0;
  Fixture& f = *TheFixture();
  std::filesystem::remove_all(f.dir);
  {
    auto store = LogStore::Open(f.dir, Options(f));
    if (!store.ok()) std::abort();
    for (const char* e : {"alpha", "", "gamma"}) {
      if (!(*store)->Append(e).ok()) std::abort();
    }
    if (!(*store)->Checkpoint().ok()) std::abort();
  }
  static const char* kFiles[] = {"entries.log", "checkpoints.log", "entries.idx", "tree/0",
                                 "tree/1"};
  const char* target = kFiles[data[0] % 5];
  {
    std::ofstream out(f.dir + "/" + target, std::ios::binary | std::ios::app);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  auto store = LogStore::Open(f.dir, Options(f));
  if (store.ok()) {
    if ((*store)->Size() < 3) std::abort();
    if (*(*store)->Entry(0) != "alpha" || *(*store)->Entry(2) != "gamma") std::abort();
    if (!(*store)->Verify().ok()) std::abort();
    // A recovered log accepts new entries and signs again.
    if (!(*store)->Append("delta").ok() || !(*store)->Checkpoint().ok()) std::abort();
  }
  return 0;
}
