// Federation simulation: one oversight hub over loopback HTTP and N in-process nodes, each
// with its own log key and Merkle tree (docs/hub.md, docs/benchmarks.md "## Hub").
//
//   BM_HubWitness/N        checkpoints/s the hub witnesses (verify, record, cosign, commit)
//                          for N registered agency logs, one keep-alive client.
//   BM_HubRevocation/N     seconds from POST of a new signed revocation list to the last of
//                          N nodes holding it (each node polls GET /hub/v1/revocations once
//                          per --poll interval, verifies the signature, applies it with
//                          ApplyRevocations and re-checks CheckNotRevoked), 16 poll threads.
//
// Run: build-hub/bench/hub_federation_bench --benchmark_filter=Hub
#include <benchmark/benchmark.h>
#include <httplib.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "facetrail/checkpoint.h"
#include "facetrail/encoding.h"
#include "facetrail/hub.h"
#include "facetrail/merkle.h"
#include "facetrail/note.h"
#include "facetrail/release.h"
#include "facetrail/witness.h"

namespace facetrail {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kPollIntervalMs = 1000;
constexpr int kPollThreads = 16;

struct SimNode {
  std::string id;
  std::unique_ptr<note::Ed25519Signer> signer;
  std::string vkey;
  merkle::MemoryTree tree;
  uint64_t cosigned = 0;
  std::optional<release::RevocationList> held;
};

struct Federation {
  explicit Federation(int n) {
    char tmpl[] = "/tmp/facetrail_hub_bench_XXXXXX";
    dir = mkdtemp(tmpl);
    auto k = note::GenerateKey("authority.example");
    authority = std::move(*note::Ed25519Signer::FromKey(k->private_key));
    authority_verifier = std::move(*note::Ed25519Verifier::FromKey(k->verifier_key));
    hub::HubOptions o;
    o.data_dir = dir + "/hub";
    o.authority_vkey = k->verifier_key;
    auto h = hub::HubServer::Start(o);
    if (!h.ok()) std::abort();
    server = std::move(*h);
    admin = server->initial_admin_token();
    httplib::Client c("127.0.0.1", server->port());
    httplib::Headers auth{{"Authorization", "Bearer " + admin}};
    for (int i = 0; i < n; ++i) {
      auto node = std::make_unique<SimNode>();
      node->id = "agency-" + std::to_string(i);
      auto nk = note::GenerateKey(node->id + ".example/log");
      node->signer = std::move(*note::Ed25519Signer::FromKey(nk->private_key));
      node->vkey = nk->verifier_key;
      json body = {{"id", node->id}, {"name", node->id}, {"jurisdiction", "sim"},
                   {"log_key", node->vkey}, {"contact", "sim@example.org"}};
      auto r = c.Post("/hub/v1/agencies", auth, body.dump(), "application/json");
      if (!r || r->status != 201) std::abort();
      nodes.push_back(std::move(node));
    }
  }
  ~Federation() {
    server->Stop();
    if (std::system(("rm -rf '" + dir + "'").c_str()) != 0) std::abort();
  }
  std::string dir, admin;
  std::unique_ptr<note::Ed25519Signer> authority;
  std::unique_ptr<note::Ed25519Verifier> authority_verifier;
  std::unique_ptr<hub::HubServer> server;
  std::vector<std::unique_ptr<SimNode>> nodes;
};

// One add-checkpoint round for `node`: grow by one entry, sign, send with the proof.
bool Witness(httplib::Client& c, SimNode& node) {
  node.tree.Append(node.id + " query " + std::to_string(node.tree.Size()));
  uint64_t size = node.tree.Size();
  checkpoint::Checkpoint cp{node.signer->name(), size, *node.tree.RootAt(size), {}};
  const note::Signer* s[] = {node.signer.get()};
  witness::AddCheckpointRequest req;
  req.old_size = node.cosigned;
  if (node.cosigned != 0) req.proof = *merkle::ConsistencyProof(node.cosigned, size, node.tree.HashFn());
  req.checkpoint = *note::Sign(*checkpoint::Format(cp), s);
  auto r = c.Post("/hub/v1/witness/add-checkpoint", witness::FormatAddCheckpointRequest(req), "text/plain");
  if (!r || r->status != 200) return false;
  node.cosigned = size;
  return true;
}

void BM_HubWitness(benchmark::State& state) {
  Federation f(static_cast<int>(state.range(0)));
  httplib::Client c("127.0.0.1", f.server->port());
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  size_t i = 0;
  for (auto _ : state) {
    if (!Witness(c, *f.nodes[i++ % f.nodes.size()])) state.SkipWithError("witness refused a checkpoint");
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["agencies"] = static_cast<double>(f.nodes.size());
}
BENCHMARK(BM_HubWitness)->Arg(10)->Arg(1000)->UseRealTime()->Unit(benchmark::kMicrosecond);

void BM_HubRevocation(benchmark::State& state) {
  Federation f(static_cast<int>(state.range(0)));
  release::Release rel;
  rel.release_id = "rel-1";
  rel.issued_at = "2026-11-28T00:00:00Z";
  rel.models = {{"mobilefacenet", "mobilefacenet.onnx", Sha256Hex("mobilefacenet weights")}};
  rel.disclosure_sha256 = Sha256Hex("disclosure");
  rel.calibration_sha256 = Sha256Hex("calibration");
  rel.policy_bundle_sha256 = Sha256Hex("policy");
  std::atomic<bool> stop{false};
  std::atomic<int64_t> refused_polls{0};
  std::vector<std::atomic<uint64_t>> held(f.nodes.size());
  // Poll threads: each owns every kPollThreads-th node and polls each once per interval,
  // spread evenly over the interval, as independent nodes would.
  std::vector<std::thread> pollers;
  for (int w = 0; w < kPollThreads; ++w) {
    pollers.emplace_back([&, w] {
      httplib::Client c("127.0.0.1", f.server->port());
      c.set_keep_alive(true);
      c.set_tcp_nodelay(true);
      std::vector<size_t> mine;
      for (size_t i = w; i < f.nodes.size(); i += kPollThreads) mine.push_back(i);
      if (mine.empty()) return;
      auto gap = std::chrono::microseconds(kPollIntervalMs * 1000 / std::max<size_t>(1, mine.size()));
      auto next = Clock::now();
      while (!stop.load()) {
        for (size_t i : mine) {
          if (stop.load()) break;
          std::this_thread::sleep_until(next);
          next += gap;
          auto r = c.Get("/hub/v1/revocations");
          if (!r || r->status != 200) continue;
          SimNode& n = *f.nodes[i];
          auto applied = release::ApplyRevocations(n.held ? &*n.held : nullptr, r->body, *f.authority_verifier);
          if (!applied.ok()) continue;
          n.held = std::move(*applied);
          // What the node would do before a query: refuse once its model is revoked.
          if (!release::CheckNotRevoked(*n.held, rel, n.id).ok()) refused_polls.fetch_add(1);
          held[i].store(n.held->sequence);
        }
      }
    });
  }
  httplib::Client admin("127.0.0.1", f.server->port());
  httplib::Headers auth{{"Authorization", "Bearer " + f.admin}};
  uint64_t seq = 0;
  for (auto _ : state) {
    release::RevocationList l;
    l.sequence = ++seq;
    l.issued_at = "2026-11-28T00:00:00Z";
    l.revoked_models = {rel.models[0].sha256};
    l.revoked_releases = {"rel-old-" + std::to_string(seq)};
    auto start = Clock::now();
    auto r = admin.Post("/hub/v1/revocations", auth, *release::SignRevocations(l, *f.authority), "text/plain");
    if (!r || r->status != 201) {
      state.SkipWithError("hub refused the revocation list");
      break;
    }
    for (size_t i = 0; i < held.size();) {
      if (held[i].load() >= seq) {
        ++i;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - start).count());
  }
  stop.store(true);
  for (auto& t : pollers) t.join();
  state.counters["nodes"] = static_cast<double>(f.nodes.size());
  state.counters["poll_interval_s"] = kPollIntervalMs / 1000.0;
  state.counters["refusing_polls"] = static_cast<double>(refused_polls.load());
}
BENCHMARK(BM_HubRevocation)->Arg(10)->Arg(1000)->Iterations(5)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace facetrail

BENCHMARK_MAIN();
