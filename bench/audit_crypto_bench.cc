// Audit crypto core: checkpoint signing, note verification, cosigning, proof generation
// and verification. Each group has a baseline in the same run: a bare Ed25519 sign/verify
// (libsodium) for the note paths, a bare SHA-256 of 65 bytes for the proof paths, so the
// framing and tree-walk overheads are read as ratios. Sha256 of a 32 KiB buffer (a probe
// image's size) runs on libsodium and on the dispatched facetrail::Sha256 (SHA-NI where the
// CPU has it; the label names the path).
//
//   build/bench/audit_crypto_bench --benchmark_min_time=0.2
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <memory>
#include <string>
#include <vector>

#include "core/sha256_x86.h"
#include "facetrail/checkpoint.h"
#include "facetrail/encoding.h"
#include "facetrail/merkle.h"
#include "facetrail/note.h"

namespace facetrail {
namespace {

struct Keys {
  std::unique_ptr<note::Ed25519Signer> log, witness;
  std::unique_ptr<note::Ed25519Verifier> log_v;
  std::unique_ptr<checkpoint::CosignatureVerifier> witness_v;
};

Keys& K() {
  static Keys* k = [] {
    auto* keys = new Keys();
    auto lk = note::GenerateKey("bench.example/log");
    auto wk = note::GenerateKey("bench.example/witness");
    keys->log = std::move(*note::Ed25519Signer::FromKey(lk->private_key));
    keys->witness = std::move(*note::Ed25519Signer::FromKey(wk->private_key));
    keys->log_v = std::move(*note::Ed25519Verifier::FromKey(lk->verifier_key));
    keys->witness_v = std::move(*checkpoint::CosignatureVerifier::FromKey(wk->verifier_key));
    return keys;
  }();
  return *k;
}

std::string Body(uint64_t size) {
  return *checkpoint::Format(checkpoint::Checkpoint{"bench.example/log", size,
                                                     merkle::HashLeaf(std::to_string(size)), {}});
}

// A tree of 2^20 leaves shared by the proof benchmarks (about 64 MiB of hashes).
const merkle::MemoryTree& Tree() {
  static auto* t = [] {
    auto* tree = new merkle::MemoryTree();
    for (uint64_t i = 0; i < (uint64_t{1} << 20); ++i) tree->AppendLeafHash(Sha256(std::to_string(i)));
    return tree;
  }();
  return *t;
}

void BM_Baseline_Ed25519Sign(benchmark::State& state) {
  std::string body = Body(123456789);
  unsigned char sig[crypto_sign_BYTES];
  for (auto _ : state) {
    crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(body.data()),
                         body.size(), K().log->secret_key().data());
    benchmark::DoNotOptimize(sig);
  }
}
BENCHMARK(BM_Baseline_Ed25519Sign);

void BM_CheckpointSign(benchmark::State& state) {
  uint64_t size = 1;
  const note::Signer* signers[] = {K().log.get()};
  for (auto _ : state) {
    auto body = checkpoint::Format(
        checkpoint::Checkpoint{"bench.example/log", size++, merkle::EmptyRoot(), {}});
    auto n = note::Sign(*body, signers);
    benchmark::DoNotOptimize(n);
  }
}
BENCHMARK(BM_CheckpointSign);

void BM_Cosign(benchmark::State& state) {
  std::string body = Body(123456789);
  for (auto _ : state) {
    auto line = checkpoint::Cosign(body, *K().witness, 1790000000);
    benchmark::DoNotOptimize(line);
  }
}
BENCHMARK(BM_Cosign);

void BM_Baseline_Ed25519Verify(benchmark::State& state) {
  std::string body = Body(123456789);
  auto sig = *K().log->Sign(body);
  for (auto _ : state) {
    bool ok = K().log_v->Verify(body, sig);
    benchmark::DoNotOptimize(ok);
  }
}
BENCHMARK(BM_Baseline_Ed25519Verify);

// Open a checkpoint carrying the log signature and one cosignature, verifying both.
void BM_NoteVerify_LogPlusCosignature(benchmark::State& state) {
  std::string body = Body(123456789);
  checkpoint::CosignatureSigner cos(K().witness.get(), nullptr);
  const note::Signer* signers[] = {K().log.get(), &cos};
  std::string msg = *note::Sign(body, signers);
  const note::Verifier* vs[] = {K().log_v.get(), K().witness_v.get()};
  for (auto _ : state) {
    auto opened = checkpoint::OpenSigned(msg, vs);
    if (!opened.ok() || opened->note.verified.size() != 2) state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(opened);
  }
}
BENCHMARK(BM_NoteVerify_LogPlusCosignature);

void BM_Baseline_Sha256Node(benchmark::State& state) {
  merkle::Hash a = merkle::HashLeaf("a"), b = merkle::HashLeaf("b");
  for (auto _ : state) {
    a = merkle::HashChildren(a, b);
    benchmark::DoNotOptimize(a);
  }
}
BENCHMARK(BM_Baseline_Sha256Node);

std::string Probe32KiB() {
  std::string buf(32 * 1024, '\0');
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 2654435761u >> 24);
  return buf;
}

void BM_Sha256_32KiB_Libsodium(benchmark::State& state) {
  const std::string buf = Probe32KiB();
  unsigned char out[crypto_hash_sha256_BYTES];
  for (auto _ : state) {
    crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(buf.data()), buf.size());
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(buf.size()));
}
BENCHMARK(BM_Sha256_32KiB_Libsodium);

void BM_Sha256_32KiB_Dispatched(benchmark::State& state) {
  const std::string buf = Probe32KiB();
  for (auto _ : state) {
    Sha256Digest d = Sha256(buf);
    benchmark::DoNotOptimize(d);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(buf.size()));
  state.SetLabel(internal::Sha256ImplName(internal::ActiveSha256Impl()));
}
BENCHMARK(BM_Sha256_32KiB_Dispatched);

void BM_InclusionProofGenerate_1M(benchmark::State& state) {
  const auto& t = Tree();
  uint64_t n = t.Size() - 12345, i = 0;
  auto fn = t.HashFn();
  for (auto _ : state) {
    auto p = merkle::InclusionProof((i += 7919) % n, n, fn);
    benchmark::DoNotOptimize(p);
  }
}
BENCHMARK(BM_InclusionProofGenerate_1M);

void BM_InclusionVerify_1M(benchmark::State& state) {
  const auto& t = Tree();
  uint64_t n = t.Size() - 12345, idx = 777777;
  auto proof = *merkle::InclusionProof(idx, n, t.HashFn());
  merkle::Hash root = *t.RootAt(n), leaf = *t.SubtreeHash(0, idx);
  for (auto _ : state) {
    Status st = merkle::VerifyInclusion(leaf, idx, n, proof, root);
    if (!st.ok()) state.SkipWithError("verify failed");
  }
  state.counters["proof_len"] = static_cast<double>(proof.size());
}
BENCHMARK(BM_InclusionVerify_1M);

void BM_ConsistencyVerify_1M(benchmark::State& state) {
  const auto& t = Tree();
  uint64_t n1 = 300001, n2 = t.Size() - 12345;
  auto proof = *merkle::ConsistencyProof(n1, n2, t.HashFn());
  merkle::Hash r1 = *t.RootAt(n1), r2 = *t.RootAt(n2);
  for (auto _ : state) {
    Status st = merkle::VerifyConsistency(n1, n2, proof, r1, r2);
    if (!st.ok()) state.SkipWithError("verify failed");
  }
  state.counters["proof_len"] = static_cast<double>(proof.size());
}
BENCHMARK(BM_ConsistencyVerify_1M);

}  // namespace
}  // namespace facetrail

BENCHMARK_MAIN();
