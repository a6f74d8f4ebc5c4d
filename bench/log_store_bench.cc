// Audit log store benchmarks (docs/benchmarks.md, "## Audit log"):
//  - durable appends/s with 1, 8 and 64 concurrent appenders (group commit), against the
//    baseline of one write + fdatasync per entry on the same filesystem;
//  - inclusion / consistency proof generation and root computation at large sizes;
//  - checkpoint signing (sign + persist) and the bare Ed25519 note signature.
//
// Flags (before the Google Benchmark ones):
//   --log_dir=DIR          where the durable-append logs live (default $TMPDIR or /tmp;
//                          must be a real disk for the fsync numbers to mean anything)
//   --log_sizes=N[,N...]   sizes of the logs built for the proof benchmarks (default
//                          1000000; "--log_sizes=" for none); built once each, before any
//                          benchmark runs, under /dev/shm when present.
#include <fcntl.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/env.h"
#include "core/fault_injection_env.h"
#include "facetrail/log_store.h"
#include "facetrail/note.h"

namespace facetrail {
namespace {

struct Key {
  std::unique_ptr<note::Ed25519Signer> signer;
  std::unique_ptr<note::Ed25519Verifier> verifier;
};

Key MakeKey() {
  auto g = note::GenerateKey("bench.example/log");
  Key k;
  k.signer = std::move(*note::Ed25519Signer::FromKey(g->private_key));
  k.verifier = std::move(*note::Ed25519Verifier::FromKey(g->verifier_key));
  return k;
}

Key& TheKey() {
  static Key* k = new Key(MakeKey());
  return *k;
}

std::unique_ptr<LogStore> OpenFresh(const std::string& dir, Env* env = nullptr) {
  std::filesystem::remove_all(dir);
  LogStoreOptions o;
  o.env = env;
  o.origin = "bench.example/log";
  o.signer = TheKey().signer.get();
  o.verifier = TheKey().verifier.get();
  o.create_if_missing = true;
  auto s = LogStore::Open(dir, o);
  if (!s.ok()) {
    std::fprintf(stderr, "open %s: %s\n", dir.c_str(), s.status().ToString().c_str());
    std::exit(2);
  }
  return std::move(*s);
}

std::string g_log_dir;
std::string Entry(uint64_t i) {
  // ~100 bytes, the size of a compact audit entry (hashes, ids, decision).
  std::string e = "{\"q\":" + std::to_string(i) + ",\"probe\":\"";
  e.append(64, static_cast<char>('a' + i % 26));
  e += "\"}";
  return e;
}

// ---- durable appends ---------------------------------------------------------------

std::unique_ptr<LogStore> g_append_store;
std::atomic<uint64_t> g_next{0};
// Used only to count fsyncs (it injects nothing), to report entries per fsync.
FaultInjectionEnv* g_counting_env = new FaultInjectionEnv(Env::Default());
uint64_t g_syncs_at_start = 0;

void BM_DurableAppend(benchmark::State& state) {
  if (state.thread_index() == 0) {
    g_append_store = OpenFresh(g_log_dir + "/ftbench-append", g_counting_env);
    g_syncs_at_start = g_counting_env->syncs();
  }
  // Google Benchmark starts timing only after every thread reached this point.
  for (auto _ : state) {
    auto idx = g_append_store->Append(Entry(g_next++));
    if (!idx.ok()) state.SkipWithError(idx.status().ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    state.counters["log_size"] = static_cast<double>(g_append_store->Size());
    uint64_t syncs = g_counting_env->syncs() - g_syncs_at_start;
    state.counters["entries_per_fsync"] =
        static_cast<double>(g_append_store->Size()) / static_cast<double>(syncs == 0 ? 1 : syncs);
  }
}

// Baseline: what an append costs without group commit: one write + fdatasync per entry.
void BM_BaselineWriteFdatasync(benchmark::State& state) {
  std::string path = g_log_dir + "/ftbench-raw";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  uint64_t i = 0;
  for (auto _ : state) {
    std::string e = Entry(i++);
    if (::write(fd, e.data(), e.size()) != static_cast<ssize_t>(e.size()) || ::fdatasync(fd) != 0) {
      state.SkipWithError("write/fdatasync failed");
    }
  }
  ::close(fd);
  ::unlink(path.c_str());
  state.SetItemsProcessed(state.iterations());
}

// ---- proofs on big logs ------------------------------------------------------------

struct BigLog {
  uint64_t size;
  std::string dir;
  std::unique_ptr<LogStore> store;
};
std::vector<BigLog*> g_big;

BigLog* BuildBigLog(uint64_t size) {
  auto* b = new BigLog;
  b->size = size;
  std::string root = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : g_log_dir;
  b->dir = root + "/ftbench-big-" + std::to_string(size);
  b->store = OpenFresh(b->dir);
  std::fprintf(stderr, "building a log of %llu entries in %s ...\n",
               static_cast<unsigned long long>(size), b->dir.c_str());
  auto t0 = std::chrono::steady_clock::now();
  std::atomic<uint64_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 64; ++t) {
    threads.emplace_back([&] {
      for (uint64_t i = next++; i < size; i = next++) {
        if (!b->store->Append(Entry(i)).ok()) std::exit(2);
      }
    });
  }
  for (auto& th : threads) th.join();
  auto cp = b->store->Checkpoint();
  if (!cp.ok()) std::exit(2);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "built in %.1f s (%.0f appends/s on that filesystem)\n", s, size / s);
  return b;
}

void BM_InclusionProof(benchmark::State& state, BigLog* b) {
  std::mt19937_64 rng(42);
  for (auto _ : state) {
    uint64_t index = rng() % b->size;
    auto proof = b->store->InclusionProof(index, b->size);
    if (!proof.ok()) state.SkipWithError(proof.status().ToString().c_str());
    benchmark::DoNotOptimize(proof);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_ConsistencyProof(benchmark::State& state, BigLog* b) {
  std::mt19937_64 rng(43);
  for (auto _ : state) {
    uint64_t size1 = 1 + rng() % b->size;
    auto proof = b->store->ConsistencyProof(size1, b->size);
    if (!proof.ok()) state.SkipWithError(proof.status().ToString().c_str());
    benchmark::DoNotOptimize(proof);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_RootHash(benchmark::State& state, BigLog* b) {
  std::mt19937_64 rng(44);
  for (auto _ : state) {
    auto root = b->store->RootHash(1 + rng() % b->size);
    if (!root.ok()) state.SkipWithError(root.status().ToString().c_str());
    benchmark::DoNotOptimize(root);
  }
  state.SetItemsProcessed(state.iterations());
}

// The full integrity check (recompute every hash, check every stored byte) of the whole log.
void BM_FullVerify(benchmark::State& state, BigLog* b) {
  for (auto _ : state) {
    Status s = b->store->Verify();
    if (!s.ok()) state.SkipWithError(s.ToString().c_str());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(b->size));
}

// ---- checkpoint signing ------------------------------------------------------------

// Append one entry, then sign and durably persist a checkpoint (2 fsyncs of derived
// files, the atomic replace of `checkpoint`, the history append).
void BM_CheckpointSignAndPersist(benchmark::State& state) {
  auto store = OpenFresh(g_log_dir + "/ftbench-cp");
  uint64_t i = 0;
  for (auto _ : state) {
    state.PauseTiming();
    if (!store->Append(Entry(i++)).ok()) state.SkipWithError("append failed");
    state.ResumeTiming();
    auto cp = store->Checkpoint();
    if (!cp.ok()) state.SkipWithError(cp.status().ToString().c_str());
  }
}

// Baseline: the Ed25519 note signature alone.
void BM_NoteSignOnly(benchmark::State& state) {
  const note::Signer* signers[] = {TheKey().signer.get()};
  std::string text = "bench.example/log\n1000000\nw2UeVBcUxT1kjsx7rsp/4sNu9PplvM4ksdcShkN95WY=\n";
  for (auto _ : state) {
    auto n = note::Sign(text, signers);
    benchmark::DoNotOptimize(n);
  }
}

}  // namespace
}  // namespace facetrail

int main(int argc, char** argv) {
  using namespace facetrail;
  std::vector<uint64_t> sizes = {1000000};
  const char* tmp = std::getenv("TMPDIR");
  g_log_dir = tmp != nullptr ? tmp : "/tmp";
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--log_dir=", 0) == 0) {
      g_log_dir = a.substr(10);
    } else if (a.rfind("--log_sizes=", 0) == 0) {
      sizes.clear();
      std::string list = a.substr(12);
      size_t pos = 0;
      while (pos <= list.size()) {
        size_t comma = list.find(',', pos);
        if (comma == std::string::npos) comma = list.size();
        if (comma > pos) sizes.push_back(std::stoull(list.substr(pos, comma - pos)));
        pos = comma + 1;
      }
    } else {
      rest.push_back(argv[i]);
    }
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());

  for (int threads : {1, 8, 64, 256}) {
    benchmark::RegisterBenchmark("DurableAppend", BM_DurableAppend)
        ->Threads(threads)
        ->UseRealTime()
        ->MinTime(2.0);
  }
  benchmark::RegisterBenchmark("Baseline/WriteFdatasyncPerEntry", BM_BaselineWriteFdatasync)
      ->UseRealTime()
      ->MinTime(2.0);
  benchmark::RegisterBenchmark("CheckpointSignAndPersist", BM_CheckpointSignAndPersist)
      ->UseRealTime();
  benchmark::RegisterBenchmark("Baseline/NoteSignOnly", BM_NoteSignOnly);
  {
    for (uint64_t size : sizes) {
      BigLog* b = BuildBigLog(size);
      g_big.push_back(b);
      std::string suffix = "/" + std::to_string(size);
      benchmark::RegisterBenchmark(("InclusionProof" + suffix).c_str(), BM_InclusionProof, b);
      benchmark::RegisterBenchmark(("ConsistencyProof" + suffix).c_str(), BM_ConsistencyProof, b);
      benchmark::RegisterBenchmark(("RootHash" + suffix).c_str(), BM_RootHash, b);
      benchmark::RegisterBenchmark(("FullVerify" + suffix).c_str(), BM_FullVerify, b)
          ->Iterations(1)
          ->UseRealTime()
          ->Unit(benchmark::kMillisecond);
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  g_append_store.reset();
  for (BigLog* b : g_big) {
    b->store.reset();
    std::filesystem::remove_all(b->dir);
  }
  for (const char* d : {"/ftbench-append", "/ftbench-cp"}) std::filesystem::remove_all(g_log_dir + d);
  return 0;
}
