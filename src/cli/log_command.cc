// `facetrail log init|append|checkpoint|verify|prove-inclusion|prove-consistency|
// verify-inclusion|verify-consistency`: the durable audit log (docs/cli-log.md).
// A log directory holds the store's files (docs/log-format.md) plus its key: log.key
// (private, 0600) and log.vkey (the verifier key). Hashes and proofs are standard base64.
// Exit codes: 0 ok/valid, 1 invalid (verification failed, bad input), 2 usage or I/O.
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "core/env.h"
#include "facetrail/checkpoint.h"
#include "facetrail/encoding.h"
#include "facetrail/log_store.h"
#include "facetrail/merkle.h"
#include "facetrail/note.h"

namespace facetrail::cli {
namespace {

constexpr char kKeyFile[] = "log.key";
constexpr char kVerifierKeyFile[] = "log.vkey";

int Fail(int code, const std::string& msg) {
  std::fprintf(stderr, "facetrail log: %s\n", msg.c_str());
  return code;
}

// Verification failures and bad input are 1; the filesystem and usage are 2.
int CodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kDataLoss:
    case StatusCode::kInvalidArgument:
    case StatusCode::kOutOfRange:
    case StatusCode::kUnauthenticated:
      return kExitInvalid;
    default:
      return kExitUsage;
  }
}

int FailStatus(const Status& s) { return Fail(CodeFor(s), s.ToString()); }

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// A log's keys, loaded from its directory.
struct LogKeys {
  std::unique_ptr<note::Ed25519Signer> signer;  // null unless asked for
  std::unique_ptr<note::Ed25519Verifier> verifier;
};

StatusOr<LogKeys> LoadKeys(const std::string& dir, bool need_signer,
                           const std::string& vkey_override = {}) {
  LogKeys keys;
  std::string vkey = vkey_override;
  if (vkey.empty()) {
    FT_ASSIGN_OR_RETURN(std::string text,
                        Env::Default()->ReadFileToString(JoinPath(dir, kVerifierKeyFile), 4096));
    vkey = Trim(text);
  }
  FT_ASSIGN_OR_RETURN(keys.verifier, note::Ed25519Verifier::FromKey(vkey));
  if (need_signer) {
    FT_ASSIGN_OR_RETURN(std::string skey, note::ReadPrivateKeyFile(JoinPath(dir, kKeyFile)));
    FT_ASSIGN_OR_RETURN(keys.signer, note::Ed25519Signer::FromKey(skey));
  }
  return keys;
}

StatusOr<std::unique_ptr<LogStore>> OpenLog(const std::string& dir, const LogKeys& keys) {
  LogStoreOptions o;
  o.signer = keys.signer.get();
  o.verifier = keys.verifier.get();
  return LogStore::Open(dir, o);
}

std::string B64(const merkle::Hash& h) { return Base64Encode(AsStringView(h)); }

nlohmann::json ProofJson(const std::vector<merkle::Hash>& proof) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& h : proof) out.push_back(B64(h));
  return out;
}

StatusOr<merkle::Hash> HashArg(const std::string& name, const std::string& b64) {
  auto bytes = Base64Decode(b64);
  if (!bytes.ok()) return InvalidArgumentError(name + ": " + bytes.status().message());
  auto h = merkle::HashFromBytes(*bytes);
  if (!h.ok()) return InvalidArgumentError(name + ": not a 32-byte hash");
  return *h;
}

StatusOr<std::vector<merkle::Hash>> ProofArgs(const std::vector<std::string>& b64s) {
  // A proof never has more than 64 hashes for a u64 tree (consistency: at most ~2*64).
  if (b64s.size() > 130) return InvalidArgumentError("--proof: too many hashes");
  std::vector<merkle::Hash> out;
  for (const auto& s : b64s) {
    FT_ASSIGN_OR_RETURN(merkle::Hash h, HashArg("--proof", s));
    out.push_back(h);
  }
  return out;
}

int Init(const std::string& dir, const std::string& origin, std::string key_name) {
  if (key_name.empty()) key_name = origin;
  Env* env = Env::Default();
  if (env->FileExists(JoinPath(dir, kKeyFile))) {
    return Fail(kExitUsage, dir + ": already holds a log key (" + kKeyFile + ")");
  }
  auto key = note::GenerateKey(key_name);
  if (!key.ok()) {
    return Fail(kExitUsage, "key name '" + key_name + "': " + key.status().ToString() +
                                " (use --key-name)");
  }
  Status s = env->CreateDir(dir);
  if (s.ok()) s = note::WritePrivateKeyFile(JoinPath(dir, kKeyFile), key->private_key);
  if (s.ok()) s = env->WriteStringToFileSync(JoinPath(dir, kVerifierKeyFile), key->verifier_key + "\n");
  if (!s.ok()) return Fail(kExitUsage, s.ToString());
  auto keys = LoadKeys(dir, true);
  if (!keys.ok()) return Fail(kExitUsage, keys.status().ToString());
  LogStoreOptions o;
  o.origin = origin;
  o.signer = keys->signer.get();
  o.verifier = keys->verifier.get();
  o.create_if_missing = true;
  auto store = LogStore::Open(dir, o);
  if (!store.ok()) return FailStatus(store.status());
  std::printf("%s\n", key->verifier_key.c_str());
  return kExitOk;
}

int Append(const std::string& dir) {
  auto keys = LoadKeys(dir, false);
  if (!keys.ok()) return Fail(kExitUsage, keys.status().ToString());
  auto store = OpenLog(dir, *keys);
  if (!store.ok()) return FailStatus(store.status());
  std::string line;
  while (std::getline(std::cin, line)) {
    auto idx = (*store)->Append(line);
    if (!idx.ok()) return FailStatus(idx.status());
    // Printed only once durable; flushed so a reader of a pipe sees each acknowledgement.
    std::printf("%llu\n", static_cast<unsigned long long>(*idx));
    std::fflush(stdout);
  }
  if (std::cin.bad()) return Fail(kExitUsage, "reading stdin failed");
  return kExitOk;
}

int Checkpoint(const std::string& dir) {
  auto keys = LoadKeys(dir, true);
  if (!keys.ok()) return Fail(kExitUsage, keys.status().ToString());
  auto store = OpenLog(dir, *keys);
  if (!store.ok()) return FailStatus(store.status());
  auto cp = (*store)->Checkpoint();
  if (!cp.ok()) return FailStatus(cp.status());
  std::fwrite(cp->note.data(), 1, cp->note.size(), stdout);
  return kExitOk;
}

int Verify(const std::string& dir, const std::string& vkey) {
  auto keys = LoadKeys(dir, false, vkey);
  if (!keys.ok()) return Fail(kExitUsage, keys.status().ToString());
  auto report = VerifyLogDirectory(Env::Default(), dir, *keys->verifier);
  if (!report.ok()) {
    int code = CodeFor(report.status());
    if (code == kExitInvalid) {
      nlohmann::json out = {{"valid", false}, {"error", report.status().ToString()}};
      std::printf("%s\n", out.dump(2).c_str());
    }
    return Fail(code, report.status().ToString());
  }
  nlohmann::json out = {{"valid", true},
                        {"entries", report->entries},
                        {"checkpoints", report->checkpoints},
                        {"size", report->latest.size},
                        {"root", B64(report->latest.root)}};
  std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

int ProveInclusion(const std::string& dir, uint64_t index, const CLI::Option* size_opt,
                   uint64_t size) {
  auto keys = LoadKeys(dir, false);
  if (!keys.ok()) return Fail(kExitUsage, keys.status().ToString());
  auto store = OpenLog(dir, *keys);
  if (!store.ok()) return FailStatus(store.status());
  SignedCheckpoint latest = (*store)->LatestCheckpoint();
  // Default: prove against the latest signed checkpoint, which is what auditors hold.
  if (size_opt->count() == 0) size = latest.size;
  auto proof = (*store)->InclusionProof(index, size);
  if (!proof.ok()) return FailStatus(proof.status());
  auto root = (*store)->RootHash(size);
  auto leaf = (*store)->SubtreeHash(0, index);
  if (!root.ok() || !leaf.ok()) return FailStatus(root.ok() ? leaf.status() : root.status());
  nlohmann::json out = {{"index", index},   {"size", size},           {"leaf_hash", B64(*leaf)},
                        {"root", B64(*root)}, {"proof", ProofJson(*proof)}};
  if (size == latest.size) out["checkpoint"] = latest.note;
  std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

int ProveConsistency(const std::string& dir, uint64_t size1, uint64_t size2) {
  auto keys = LoadKeys(dir, false);
  if (!keys.ok()) return Fail(kExitUsage, keys.status().ToString());
  auto store = OpenLog(dir, *keys);
  if (!store.ok()) return FailStatus(store.status());
  auto proof = (*store)->ConsistencyProof(size1, size2);
  if (!proof.ok()) return FailStatus(proof.status());
  auto root1 = (*store)->RootHash(size1);
  auto root2 = (*store)->RootHash(size2);
  if (!root1.ok() || !root2.ok()) return FailStatus(root1.ok() ? root2.status() : root1.status());
  nlohmann::json out = {{"size1", size1},        {"size2", size2}, {"root1", B64(*root1)},
                        {"root2", B64(*root2)}, {"proof", ProofJson(*proof)}};
  std::printf("%s\n", out.dump(2).c_str());
  return kExitOk;
}

int PrintCheck(const Status& s) {
  nlohmann::json out = {{"valid", s.ok()}};
  if (!s.ok()) out["error"] = s.ToString();
  std::printf("%s\n", out.dump(2).c_str());
  if (!s.ok()) std::fprintf(stderr, "facetrail log: %s\n", s.ToString().c_str());
  return s.ok() ? kExitOk : kExitInvalid;
}

int VerifyInclusion(const std::string& leaf_b64, uint64_t index, uint64_t size,
                    const std::string& root_b64, const std::vector<std::string>& proof_b64) {
  auto leaf = HashArg("--leaf-hash", leaf_b64);
  if (!leaf.ok()) return Fail(kExitUsage, leaf.status().ToString());
  auto root = HashArg("--root", root_b64);
  if (!root.ok()) return Fail(kExitUsage, root.status().ToString());
  auto proof = ProofArgs(proof_b64);
  if (!proof.ok()) return Fail(kExitUsage, proof.status().ToString());
  return PrintCheck(merkle::VerifyInclusion(*leaf, index, size, *proof, *root));
}

int VerifyConsistency(uint64_t size1, uint64_t size2, const std::string& root1_b64,
                      const std::string& root2_b64, const std::vector<std::string>& proof_b64) {
  auto root1 = HashArg("--root1", root1_b64);
  if (!root1.ok()) return Fail(kExitUsage, root1.status().ToString());
  auto root2 = HashArg("--root2", root2_b64);
  if (!root2.ok()) return Fail(kExitUsage, root2.status().ToString());
  auto proof = ProofArgs(proof_b64);
  if (!proof.ok()) return Fail(kExitUsage, proof.status().ToString());
  return PrintCheck(merkle::VerifyConsistency(size1, size2, *proof, *root1, *root2));
}

int Log(int argc, char** argv) {
  CLI::App app{"Durable audit log: RFC 9162 tree, C2SP checkpoints and proofs", "log"};
  app.require_subcommand(1);
  std::string dir, origin, key_name, vkey, leaf, root, root1, root2;
  uint64_t index = 0, size = 0, size1 = 0, size2 = 0;
  std::vector<std::string> proof;

  auto* init = app.add_subcommand("init", "create a log and its key; prints the verifier key");
  init->add_option("dir", dir, "log directory")->required();
  init->add_option("--origin", origin, "checkpoint origin line")->required();
  init->add_option("--key-name", key_name, "signing key name (default: the origin)");
  auto* append = app.add_subcommand("append", "append one entry per stdin line; prints indices");
  append->add_option("dir", dir, "log directory")->required();
  auto* checkpoint = app.add_subcommand("checkpoint", "sign and print a checkpoint");
  checkpoint->add_option("dir", dir, "log directory")->required();
  auto* verify = app.add_subcommand("verify", "full integrity check of a log directory");
  verify->add_option("dir", dir, "log directory")->required();
  verify->add_option("--key", vkey, "trusted verifier key (default: DIR/log.vkey)");
  auto* pi = app.add_subcommand("prove-inclusion", "inclusion proof of an entry");
  pi->add_option("dir", dir, "log directory")->required();
  pi->add_option("--index", index, "entry index")->required();
  auto* pi_size = pi->add_option("--size", size, "tree size (default: latest checkpoint)");
  auto* pc = app.add_subcommand("prove-consistency", "consistency proof between two sizes");
  pc->add_option("dir", dir, "log directory")->required();
  pc->add_option("--size1", size1, "older tree size")->required();
  pc->add_option("--size2", size2, "newer tree size")->required();
  auto* vi = app.add_subcommand("verify-inclusion", "check an inclusion proof");
  vi->add_option("--leaf-hash", leaf, "base64 leaf hash")->required();
  vi->add_option("--index", index, "leaf index")->required();
  vi->add_option("--size", size, "tree size")->required();
  vi->add_option("--root", root, "base64 root hash")->required();
  vi->add_option("--proof", proof, "base64 proof hash (repeat, in order)");
  auto* vc = app.add_subcommand("verify-consistency", "check a consistency proof");
  vc->add_option("--size1", size1, "older tree size")->required();
  vc->add_option("--size2", size2, "newer tree size")->required();
  vc->add_option("--root1", root1, "base64 older root")->required();
  vc->add_option("--root2", root2, "base64 newer root")->required();
  vc->add_option("--proof", proof, "base64 proof hash (repeat, in order)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (init->parsed()) return Init(dir, origin, key_name);
  if (append->parsed()) return Append(dir);
  if (checkpoint->parsed()) return Checkpoint(dir);
  if (verify->parsed()) return Verify(dir, vkey);
  if (pi->parsed()) return ProveInclusion(dir, index, pi_size, size);
  if (pc->parsed()) return ProveConsistency(dir, size1, size2);
  if (vi->parsed()) return VerifyInclusion(leaf, index, size, root, proof);
  if (vc->parsed()) return VerifyConsistency(size1, size2, root1, root2, proof);
  return kExitUsage;
}

}  // namespace

FACETRAIL_COMMAND("log", "durable audit log: init, append, checkpoint, verify, proofs", Log);

}  // namespace facetrail::cli
