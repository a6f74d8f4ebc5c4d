// `facetrail hub`: the oversight hub and the authority's offline signing helpers.
//
//   hub serve   --data DIR --listen HOST:PORT --authority-key-file VKEY_FILE
//               [--threads N] [--max-queued N] [--keep-alive-timeout S] [--keep-alive-max N]
//               [--read-timeout S] [--write-timeout S] [--max-body-bytes N]   (docs/hub.md)
//   hub release sign   --authority-key-file SKEY_FILE --release-id ID --models DIR
//                      --disclosure F --calibration F --policy F      (bundle on stdout)
//   hub release verify --authority-key-file VKEY_FILE --bundle F --models DIR
//                      --disclosure F --calibration F --policy F      (the node's check)
//   hub revoke  --authority-key-file SKEY_FILE --sequence N [--release ID]... [--model SHA]...
//               [--agency ID]...                                       (list on stdout)
//
// The hub holds only the authority's verifier key: releases and revocation lists are signed
// offline with the private key file, so a compromised hub cannot issue either.
// Exit codes: 0 ok, 1 verification failed, 2 usage or I/O error.
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "facetrail/clock.h"
#include "facetrail/hub.h"
#include "facetrail/note.h"
#include "facetrail/release.h"

namespace facetrail::cli {
namespace {

int Fail(int code, const std::string& msg) {
  std::fprintf(stderr, "facetrail hub: %s\n", msg.c_str());
  return code;
}

StatusOr<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  size_t i = 0;
  while (i < s.size() && s[i] == ' ') ++i;
  return s.substr(i);
}

// A verifier key file holds one vkey line. A private key there is refused: the hub and the
// nodes must never hold the authority's signing key.
StatusOr<std::string> ReadVerifierKeyFile(const std::string& path) {
  FT_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  std::string vkey = Trim(text);
  if (vkey.rfind("PRIVATE+KEY+", 0) == 0) {
    return InvalidArgumentError(path + " holds a private key; give the authority's verifier key");
  }
  FT_ASSIGN_OR_RETURN(auto parsed, note::ParseVerifierKey(vkey));
  (void)parsed;
  return vkey;
}

StatusOr<std::unique_ptr<note::Ed25519Signer>> ReadSigner(const std::string& path) {
  FT_ASSIGN_OR_RETURN(std::string skey, note::ReadPrivateKeyFile(path));
  return note::Ed25519Signer::FromKey(skey);
}

// `o` arrives with the HTTP limits from the flags (defaults: HubOptions').
int Serve(hub::HubOptions o, const std::string& data, const std::string& listen, const std::string& key_file,
          const std::string& portal_dir, int64_t stale_after_s) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return Fail(kExitUsage, "--listen must be HOST:PORT");
  o.data_dir = data;
  o.host = listen.substr(0, colon);
  try {
    o.port = std::stoi(listen.substr(colon + 1));
  } catch (const std::exception&) {
    return Fail(kExitUsage, "--listen port is not a number");
  }
  if (o.port < 0 || o.port > 65535) return Fail(kExitUsage, "--listen port out of range");
  auto vkey = ReadVerifierKeyFile(key_file);
  if (!vkey.ok()) return Fail(kExitUsage, vkey.status().ToString());
  o.authority_vkey = *vkey;
  o.portal_dir = portal_dir;
  o.stale_after_s = stale_after_s;

  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  auto server = hub::HubServer::Start(o);
  if (!server.ok()) return Fail(kExitUsage, server.status().ToString());
  nlohmann::json out = {{"url", "http://" + o.host + ":" + std::to_string((*server)->port())},
                        {"witness_key", (*server)->witness_vkey()}};
  if (!(*server)->initial_admin_token().empty()) {
    out["admin_token"] = (*server)->initial_admin_token();
    std::fprintf(stderr, "facetrail hub: new state in %s; the admin token is shown only now\n", data.c_str());
  }
  std::printf("%s\n", out.dump().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  (*server)->Stop();
  return kExitOk;
}

struct ArtifactArgs {
  std::string models, disclosure, calibration, policy;
};

int ReleaseSign(const std::string& key_file, const std::string& id, std::string issued_at,
                const ArtifactArgs& a) {
  auto signer = ReadSigner(key_file);
  if (!signer.ok()) return Fail(kExitUsage, signer.status().ToString());
  if (issued_at.empty()) issued_at = FormatRfc3339(Clock::Real()->NowMicros() / 1000000);
  auto r = release::ReleaseFromFiles(id, issued_at, a.models, a.disclosure, a.calibration, a.policy);
  if (!r.ok()) return Fail(kExitUsage, r.status().ToString());
  auto bundle = release::SignRelease(*r, **signer);
  if (!bundle.ok()) return Fail(kExitInvalid, bundle.status().ToString());
  std::fwrite(bundle->data(), 1, bundle->size(), stdout);
  return kExitOk;
}

int ReleaseVerify(const std::string& key_file, const std::string& bundle_file, const ArtifactArgs& a) {
  auto vkey = ReadVerifierKeyFile(key_file);
  if (!vkey.ok()) return Fail(kExitUsage, vkey.status().ToString());
  auto verifier = note::Ed25519Verifier::FromKey(*vkey);
  auto bundle = ReadText(bundle_file);
  if (!bundle.ok()) return Fail(kExitUsage, bundle.status().ToString());
  auto local = release::HashLocalArtifacts(a.models, a.disclosure, a.calibration, a.policy);
  if (!local.ok()) return Fail(kExitUsage, local.status().ToString());
  auto r = release::VerifyRelease(*bundle, **verifier, *local);
  if (!r.ok()) return Fail(kExitInvalid, r.status().ToString());
  std::printf("%s\n", nlohmann::json{{"valid", true}, {"release_id", r->release_id},
                                     {"models", r->models.size()}}.dump().c_str());
  return kExitOk;
}

int Revoke(const std::string& key_file, uint64_t sequence, std::string issued_at, release::RevocationList l) {
  auto signer = ReadSigner(key_file);
  if (!signer.ok()) return Fail(kExitUsage, signer.status().ToString());
  l.sequence = sequence;
  l.issued_at = issued_at.empty() ? FormatRfc3339(Clock::Real()->NowMicros() / 1000000) : issued_at;
  auto bundle = release::SignRevocations(l, **signer);
  if (!bundle.ok()) return Fail(kExitUsage, bundle.status().ToString());
  std::fwrite(bundle->data(), 1, bundle->size(), stdout);
  return kExitOk;
}

int RunHub(int argc, char** argv) {
  CLI::App app{"oversight hub: registry, releases, revocation, witnessing, transparency portal"};
  app.name("facetrail hub");
  app.require_subcommand(1);
  std::string data, listen, key_file, portal_dir, id, issued_at, bundle_file;
  int64_t stale_after_s = 3600;
  uint64_t sequence = 0;
  ArtifactArgs art;
  release::RevocationList list;

  auto* serve = app.add_subcommand("serve", "run the hub (HTTP API and portal)");
  serve->add_option("--data", data, "state directory (created if missing)")->required();
  serve->add_option("--listen", listen, "HOST:PORT, e.g. 127.0.0.1:7390")->required();
  serve->add_option("--authority-key-file", key_file, "file with the authority's verifier key")->required();
  serve->add_option("--portal-dir", portal_dir, "portal static files (default: the source tree's web/portal)");
  serve->add_option("--stale-after", stale_after_s, "seconds without log growth before a stale alert");
  hub::HubOptions limits;
  serve->add_option("--threads", limits.worker_threads, "HTTP worker threads (1..1024)")->capture_default_str();
  serve->add_option("--max-queued", limits.max_queued_connections,
                    "accepted connections waiting for a worker before the listener pauses")->capture_default_str();
  serve->add_option("--keep-alive-timeout", limits.keep_alive_timeout_s,
                    "seconds an idle keep-alive connection may hold a worker (1..300)")->capture_default_str();
  serve->add_option("--keep-alive-max", limits.keep_alive_max_count, "requests per connection")->capture_default_str();
  serve->add_option("--read-timeout", limits.read_timeout_s, "seconds per socket read")->capture_default_str();
  serve->add_option("--write-timeout", limits.write_timeout_s, "seconds per socket write")->capture_default_str();
  serve->add_option("--max-body-bytes", limits.max_body_bytes, "largest request body (64 KiB..64 MiB)")
      ->capture_default_str();

  auto* rel = app.add_subcommand("release", "sign or verify a release bundle");
  rel->require_subcommand(1);
  auto add_artifacts = [&art](CLI::App* c) {
    c->add_option("--models", art.models, "models directory with manifest.json")->required();
    c->add_option("--disclosure", art.disclosure, "signed accuracy disclosure file")->required();
    c->add_option("--calibration", art.calibration, "calibration table file")->required();
    c->add_option("--policy", art.policy, "signed policy bundle file")->required();
  };
  auto* sign = rel->add_subcommand("sign", "build and sign a release (bundle on stdout)");
  sign->add_option("--authority-key-file", key_file, "authority private key file (0600)")->required();
  sign->add_option("--release-id", id, "release id")->required();
  sign->add_option("--issued-at", issued_at, "RFC 3339 UTC (default now)");
  add_artifacts(sign);
  auto* verify = rel->add_subcommand("verify", "check a release against local files, as a node does");
  verify->add_option("--authority-key-file", key_file, "file with the authority's verifier key")->required();
  verify->add_option("--bundle", bundle_file, "release bundle")->required();
  add_artifacts(verify);

  auto* revoke = app.add_subcommand("revoke", "sign a revocation list (on stdout)");
  revoke->add_option("--authority-key-file", key_file, "authority private key file (0600)")->required();
  revoke->add_option("--sequence", sequence, "list sequence number, above every earlier one")->required();
  revoke->add_option("--issued-at", issued_at, "RFC 3339 UTC (default now)");
  revoke->add_option("--release", list.revoked_releases, "revoked release id");
  revoke->add_option("--model", list.revoked_models, "revoked model file SHA-256 (hex)");
  revoke->add_option("--agency", list.suspended_agencies, "suspended agency id");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (serve->parsed()) return Serve(limits, data, listen, key_file, portal_dir, stale_after_s);
  if (sign->parsed()) return ReleaseSign(key_file, id, issued_at, art);
  if (verify->parsed()) return ReleaseVerify(key_file, bundle_file, art);
  return Revoke(key_file, sequence, issued_at, list);
}

}  // namespace

FACETRAIL_COMMAND("hub", "oversight hub: registry, releases, revocation, witnessing, portal", RunHub);

}  // namespace facetrail::cli
