// Federation simulation: one oversight hub over loopback HTTP and N in-process nodes, each
// with its own log key and Merkle tree (docs/hub.md, docs/benchmarks.md "## Hub").
//
//   BM_HubWitness/N        checkpoints/s the hub witnesses (verify, record, cosign, commit)
//                          for N registered agency logs, one keep-alive client.
//   BM_HubRevocation/N     seconds from POST of a new signed revocation list to the last of
//                          N nodes holding it (each node polls GET /hub/v1/revocations once
//                          per --poll interval, verifies the signature, applies it with
//                          ApplyRevocations and re-checks CheckNotRevoked), 16 poll threads.
//   BM_HubReadDuringWitness/0|1  latency of GET revocations (0) or the portal (1) while
//                          another client submits checkpoints back to back.
//   BM_HubFederation/N     the hub as a separate process (this program re-executed with
//                          --hub-child) and N simulated nodes, each with its own log key
//                          and RFC 6962 tree: enrolment + registration, revocation polls
//                          every kFedPollS, checkpoints (real consistency proofs) every
//                          kFedCheckpointS, signed reports every kFedReportS, each request on a
//                          new connection as a node polling at such intervals would make.
//                          Measures, over a kFedWindowS window: the hub process's CPU
//                          (utime+stime from /proc/PID/stat) and memory (VmRSS, VmHWM),
//                          checkpoints witnessed per second, and the time from POST of a
//                          revocation list to the last node holding it (manual time).
//
// Run: build-hub/bench/hub_federation_bench --benchmark_filter=Hub
#include <benchmark/benchmark.h>
#include <httplib.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>

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
#include "facetrail/signed_report.h"
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
template <typename Node>
bool Witness(httplib::Client& c, Node& node) {
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

// Latency of a read-only request (GET revocations, or the portal) while another client
// submits checkpoints back to back: shows whether readers wait behind witness writes.
void BM_HubReadDuringWitness(benchmark::State& state) {
  Federation f(10);
  const bool portal = state.range(0) == 1;
  release::RevocationList l;
  l.sequence = 1;
  l.issued_at = "2026-11-28T00:00:00Z";
  l.revoked_models = {Sha256Hex("revoked model")};
  httplib::Client admin("127.0.0.1", f.server->port());
  httplib::Headers auth{{"Authorization", "Bearer " + f.admin}};
  auto posted = admin.Post("/hub/v1/revocations", auth, *release::SignRevocations(l, *f.authority), "text/plain");
  if (!posted || posted->status != 201) std::abort();
  std::atomic<bool> stop{false};
  std::atomic<int64_t> written{0};
  std::thread writer([&] {
    httplib::Client c("127.0.0.1", f.server->port());
    c.set_keep_alive(true);
    c.set_tcp_nodelay(true);
    for (size_t i = 0; !stop.load(); ++i) {
      if (Witness(c, *f.nodes[i % f.nodes.size()])) written.fetch_add(1);
    }
  });
  httplib::Client c("127.0.0.1", f.server->port());
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  const char* path = portal ? "/hub/v1/portal" : "/hub/v1/revocations";
  for (auto _ : state) {
    auto r = c.Get(path);
    if (!r || r->status != 200) state.SkipWithError("read failed");
  }
  stop.store(true);
  writer.join();
  state.counters["checkpoints_during"] = static_cast<double>(written.load());
  state.SetLabel(path);
}
BENCHMARK(BM_HubReadDuringWitness)->Arg(0)->Arg(1)->UseRealTime()->Unit(benchmark::kMicrosecond);

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

// ---- Federation with the hub in its own process -------------------------------------

constexpr int kFedPollS = 5;         // revocation poll interval of every node
constexpr int kFedCheckpointS = 30;  // checkpoint submission interval
constexpr int kFedReportS = 60;      // report posting interval
constexpr int kFedWarmupS = 10;
constexpr int kFedWindowS = 60;      // measured window; the revocation is posted at its middle
constexpr int kFedClientThreads = 32;

// The hub child: serves until its stdin closes (so it never outlives the benchmark).
int HubChild(int argc, char** argv) {
  if (argc != 4) return 2;
  hub::HubOptions o;
  o.data_dir = argv[2];
  o.authority_vkey = argv[3];
  auto h = hub::HubServer::Start(o);
  if (!h.ok()) {
    std::fprintf(stderr, "hub child: %s\n", h.status().ToString().c_str());
    return 2;
  }
  std::printf("%d %s\n", (*h)->port(), (*h)->initial_admin_token().c_str());
  std::fflush(stdout);
  char buf[64];
  while (::read(0, buf, sizeof(buf)) > 0) {
  }
  (*h)->Stop();
  return 0;
}

struct ProcStats {
  double cpu_s = 0;  // utime + stime
  int64_t rss_kib = 0, hwm_kib = 0;
};

ProcStats ReadProcStats(pid_t pid) {
  ProcStats p;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string f;
  unsigned long long utime = 0, stime = 0;
  for (int field = 3; rest >> f; ++field) {
    if (field == 14) utime = std::stoull(f);
    if (field == 15) {
      stime = std::stoull(f);
      break;
    }
  }
  p.cpu_s = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) p.rss_kib = std::stoll(line.substr(6));
    if (line.rfind("VmHWM:", 0) == 0) p.hwm_kib = std::stoll(line.substr(6));
  }
  return p;
}

class HubProcess {
 public:
  HubProcess(const std::string& data_dir, const std::string& authority_vkey) {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) std::abort();
    pid_ = fork();
    if (pid_ < 0) std::abort();
    if (pid_ == 0) {
      dup2(in[0], 0);
      dup2(out[1], 1);
      close(in[1]);
      close(out[0]);
      const char* args[] = {"hub_federation_bench", "--hub-child", data_dir.c_str(), authority_vkey.c_str(), nullptr};
      execv("/proc/self/exe", const_cast<char* const*>(args));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    std::string line;
    char c;
    while (::read(out[0], &c, 1) == 1 && c != '\n') line.push_back(c);
    close(out[0]);
    std::istringstream ss(line);
    ss >> port_ >> admin_;
    if (port_ <= 0) std::abort();
  }
  ~HubProcess() {
    close(stdin_);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  int port() const { return port_; }
  const std::string& admin() const { return admin_; }
  ProcStats Stats() const { return ReadProcStats(pid_); }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
  std::string admin_;
};

struct FedNode {
  std::string id, token;
  std::unique_ptr<note::Ed25519Signer> signer;
  std::unique_ptr<note::Ed25519Signer> report_signer;  // the node's report key (node_key)
  merkle::MemoryTree tree;
  uint64_t cosigned = 0;
  std::optional<release::RevocationList> held;
  std::atomic<uint64_t> held_seq{0};
  int64_t queries = 0;
};

void BM_HubFederation(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  char tmpl[] = "/tmp/facetrail_hub_fed_XXXXXX";
  std::string dir = mkdtemp(tmpl);
  auto ak = note::GenerateKey("authority.example");
  auto authority = std::move(*note::Ed25519Signer::FromKey(ak->private_key));
  auto authority_verifier = std::move(*note::Ed25519Verifier::FromKey(ak->verifier_key));
  const std::string model = Sha256Hex("mobilefacenet weights");
  {
    HubProcess hub(dir + "/hub", ak->verifier_key);
    ProcStats empty = hub.Stats();
    httplib::Client admin("127.0.0.1", hub.port());
    httplib::Headers auth{{"Authorization", "Bearer " + hub.admin()}};
    std::vector<std::unique_ptr<FedNode>> nodes;
    for (int i = 0; i < n; ++i) {
      auto node = std::make_unique<FedNode>();
      node->id = "agency-" + std::to_string(i);
      auto nk = note::GenerateKey(node->id + ".example/log");
      node->signer = std::move(*note::Ed25519Signer::FromKey(nk->private_key));
      auto rk = note::GenerateKey(node->id + ".example/log/report");
      node->report_signer = std::move(*note::Ed25519Signer::FromKey(rk->private_key));
      auto e = admin.Post("/hub/v1/enrolments", auth, json{{"agency_id", node->id}}.dump(), "application/json");
      if (!e || e->status != 201) std::abort();
      httplib::Headers enrol{{"Authorization", "Bearer " + json::parse(e->body)["enrolment_token"].get<std::string>()}};
      json body = {{"id", node->id}, {"name", node->id}, {"jurisdiction", "sim"},
                   {"log_key", nk->verifier_key}, {"node_key", rk->verifier_key},
                   {"contact", "sim@example.org"}};
      auto r = admin.Post("/hub/v1/agencies", enrol, body.dump(), "application/json");
      if (!r || r->status != 201) std::abort();
      node->token = json::parse(r->body)["agency_token"].get<std::string>();
      nodes.push_back(std::move(node));
    }
    ProcStats registered = hub.Stats();
    auto post_revocations = [&](uint64_t seq) {
      release::RevocationList l;
      l.sequence = seq;
      l.issued_at = "2026-11-28T00:00:00Z";
      l.revoked_releases = {"rel-old-" + std::to_string(seq)};
      auto r = admin.Post("/hub/v1/revocations", auth, *release::SignRevocations(l, *authority), "text/plain");
      if (!r || r->status != 201) std::abort();
    };
    post_revocations(1);

    std::atomic<bool> stop{false};
    std::atomic<int64_t> polls{0}, checkpoints{0}, reports{0}, errors{0};
    std::atomic<int64_t> max_late_us{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < kFedClientThreads; ++w) {
      threads.emplace_back([&, w] {
        // Each node's three periodic tasks, started at random offsets within their period.
        struct Task {
          Clock::time_point due;
          size_t node;
          int kind;  // 0 poll, 1 checkpoint, 2 report
        };
        auto later = [](const Task& a, const Task& b) { return a.due > b.due; };
        std::vector<Task> heap;
        std::mt19937 rng(static_cast<unsigned>(w));
        const int periods[] = {kFedPollS, kFedCheckpointS, kFedReportS};
        auto start = Clock::now();
        for (size_t i = w; i < nodes.size(); i += kFedClientThreads) {
          for (int k = 0; k < 3; ++k) {
            std::uniform_int_distribution<int> off(0, periods[k] * 1000 - 1);
            heap.push_back({start + std::chrono::milliseconds(off(rng)), i, k});
          }
        }
        std::make_heap(heap.begin(), heap.end(), later);
        while (!stop.load() && !heap.empty()) {
          std::pop_heap(heap.begin(), heap.end(), later);
          Task t = heap.back();
          heap.pop_back();
          while (Clock::now() < t.due && !stop.load()) {
            std::this_thread::sleep_for(std::min<Clock::duration>(t.due - Clock::now(), std::chrono::milliseconds(100)));
          }
          if (stop.load()) break;
          int64_t late = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t.due).count();
          if (late > max_late_us.load()) max_late_us.store(late);
          FedNode& node = *nodes[t.node];
          httplib::Client c("127.0.0.1", hub.port());  // a new connection, as a real poller's
          c.set_tcp_nodelay(true);
          c.set_read_timeout(30, 0);
          bool ok = false;
          if (t.kind == 0) {
            auto r = c.Get("/hub/v1/revocations");
            if (r && r->status == 200) {
              auto applied = release::ApplyRevocations(node.held ? &*node.held : nullptr, r->body, *authority_verifier);
              if (applied.ok()) {
                node.held = std::move(*applied);
                node.held_seq.store(node.held->sequence);
                ok = true;
              }
            }
            polls.fetch_add(1);
          } else if (t.kind == 1) {
            // The node answered a few queries since its last checkpoint.
            // (two entries here, a third in Witness).
            for (int q = 0; q < 2; ++q) node.tree.Append(node.id + " query " + std::to_string(node.tree.Size()));
            node.queries += 3;
            ok = Witness(c, node);
            checkpoints.fetch_add(1);
          } else {
            // Signed by the node's report key, as a real node sends it (the hub verifies it).
            json report = {{"generated_at", "2026-12-04T00:00:00.000000Z"}, {"node", node.id + "-node"}, {"agency", node.id},
                           {"model", {{"id", "mobilefacenet"}, {"sha256", model}}}, {"policy", {{"serial", 1}}},
                           {"usage", {{"verify", {{"robbery", {{"match", node.queries / 2}, {"no_match", node.queries - node.queries / 2}}}}}}}};
            auto r = c.Post(("/hub/v1/agencies/" + node.id + "/report").c_str(),
                            httplib::Headers{{"Authorization", "Bearer " + node.token}},
                            *report::SignReport(report.dump(), *node.report_signer), "text/plain");
            ok = r && r->status == 201;
            reports.fetch_add(1);
          }
          if (!ok) errors.fetch_add(1);
          t.due += std::chrono::seconds(periods[t.kind]);
          heap.push_back(t);
          std::push_heap(heap.begin(), heap.end(), later);
        }
      });
    }
    std::this_thread::sleep_for(std::chrono::seconds(kFedWarmupS));
    ProcStats before = hub.Stats();
    int64_t cp0 = checkpoints.load(), polls0 = polls.load(), reports0 = reports.load();
    max_late_us.store(0);
    auto window_start = Clock::now();
    std::this_thread::sleep_for(std::chrono::seconds(kFedWindowS / 2));
    double propagation_s = 0;
    for (auto _ : state) {
      auto start = Clock::now();
      post_revocations(2);
      for (size_t i = 0; i < nodes.size();) {
        if (nodes[i]->held_seq.load() >= 2) {
          ++i;
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
      propagation_s = std::chrono::duration<double>(Clock::now() - start).count();
      state.SetIterationTime(propagation_s);
    }
    std::this_thread::sleep_until(window_start + std::chrono::seconds(kFedWindowS));
    ProcStats after = hub.Stats();
    double window_s = std::chrono::duration<double>(Clock::now() - window_start).count();
    int64_t cps = checkpoints.load() - cp0, npolls = polls.load() - polls0, nreports = reports.load() - reports0;
    stop.store(true);
    for (auto& t : threads) t.join();
    double cpu_s = after.cpu_s - before.cpu_s;
    state.counters["nodes"] = n;
    state.counters["propagation_s"] = propagation_s;
    state.counters["hub_cpu_pct"] = 100.0 * cpu_s / window_s;  // of one core
    state.counters["hub_cpu_us_per_node_s"] = 1e6 * cpu_s / window_s / n;
    state.counters["rss_empty_MiB"] = empty.rss_kib / 1024.0;
    state.counters["rss_MiB"] = after.rss_kib / 1024.0;
    state.counters["hwm_MiB"] = after.hwm_kib / 1024.0;
    state.counters["rss_KiB_per_node"] = static_cast<double>(after.rss_kib - empty.rss_kib) / n;
    state.counters["rss_registered_KiB_per_node"] = static_cast<double>(registered.rss_kib - empty.rss_kib) / n;
    state.counters["checkpoints_per_s"] = cps / window_s;
    state.counters["polls_per_s"] = npolls / window_s;
    state.counters["reports_per_s"] = nreports / window_s;
    state.counters["errors"] = static_cast<double>(errors.load());
    state.counters["max_late_ms"] = max_late_us.load() / 1000.0;
  }
  if (std::system(("du -sk '" + dir + "/hub' > '" + dir + ".du'").c_str()) == 0) {
    std::ifstream in(dir + ".du");
    int64_t kib = 0;
    in >> kib;
    state.counters["disk_KiB_per_node"] = static_cast<double>(kib) / n;
  }
  if (std::system(("rm -rf '" + dir + "' '" + dir + ".du'").c_str()) != 0) std::abort();
}
BENCHMARK(BM_HubFederation)->Arg(10)->Arg(100)->Arg(1000)->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace facetrail

int main(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "--hub-child") return facetrail::HubChild(argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
