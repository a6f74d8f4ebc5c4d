// `facetrail audit fetch|case`: auditor tooling for a node's audit log (docs/cli-audit.md).
//
//   fetch: mirror the log over C2SP tlog-tiles and verify it (tree, entries, consistency
//          with the mirror's earlier checkpoint, and with --hub the hub's witnessed ones:
//          its latest, then its whole cosigned history);
//   case:  verify every record of a case export against the export's signed checkpoint.
//
// The library code is in src/audit (log_mirror.h, hub_check.h, case_export.h); this file
// is flags, HTTP targets and JSON output. Exit codes: 0 valid, 1 verification failed,
// 2 usage, network or I/O error.
#include <cctype>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "audit/case_export.h"
#include "audit/http_fetcher.h"
#include "audit/hub_check.h"
#include "audit/log_mirror.h"
#include "cli/command.h"
#include "core/env.h"
#include "facetrail/encoding.h"
#include "facetrail/note.h"

namespace facetrail::cli {
namespace {

using nlohmann::json;

int Fail(int code, const std::string& msg) {
  std::fprintf(stderr, "facetrail audit: %s\n", msg.c_str());
  return code;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t b = s.find_first_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b);
}

std::string B64(const merkle::Hash& h) { return Base64Encode(AsStringView(h)); }

// A vkey given inline, or the name of a file holding one.
StatusOr<std::unique_ptr<note::Ed25519Verifier>> LoadVerifier(const std::string& arg, const char* flag) {
  auto v = note::Ed25519Verifier::FromKey(Trim(arg));
  if (v.ok()) return v;
  if (Env::Default()->FileExists(arg)) {
    FT_ASSIGN_OR_RETURN(std::string text, Env::Default()->ReadFileToString(arg, 4096));
    auto f = note::Ed25519Verifier::FromKey(Trim(text));
    if (f.ok()) return f;
    return InvalidArgumentError(std::string(flag) + ": " + arg + " does not hold a verifier key: " + f.status().message());
  }
  return InvalidArgumentError(std::string(flag) + " is not a verifier key (or a file with one): " + v.status().message());
}

// --token, or the first line of --token-file (kept out of the process list).
StatusOr<std::string> LoadToken(const std::string& token, const std::string& token_file) {
  if (!token.empty() && !token_file.empty()) return InvalidArgumentError("give --token or --token-file, not both");
  if (token_file.empty()) return token;
  FT_ASSIGN_OR_RETURN(std::string text, Env::Default()->ReadFileToString(token_file, 4096));
  std::string t = Trim(text.substr(0, text.find('\n')));
  if (t.empty()) return InvalidArgumentError(token_file + " holds no token");
  return t;
}

std::string JoinUrl(std::string base, const std::string& path) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + path;
}

// Percent-encodes everything but RFC 3986 unreserved characters (a case id is one path
// segment).
std::string EncodeSegment(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void Print(const json& out) { std::printf("%s\n", out.dump(2).c_str()); }

struct FetchFlags {
  std::string node, key, hub, hub_key, out, token, token_file, prefix = "/v1/audit";
  bool no_entries = false;
  uint64_t max_entries = uint64_t{1} << 32;
  int timeout_s = 30;
};

int Fetch(const FetchFlags& f) {
  auto key = LoadVerifier(f.key, "--key");
  if (!key.ok()) return Fail(kExitUsage, key.status().message());
  auto token = LoadToken(f.token, f.token_file);
  if (!token.ok()) return Fail(kExitUsage, token.status().message());
  auditor::HttpFetchOptions ho;
  ho.bearer_token = *token;
  ho.read_timeout_s = f.timeout_s;
  auto node = auditor::NewHttpFetcher(JoinUrl(f.node, f.prefix), ho);
  if (!node.ok()) return Fail(kExitUsage, "--node: " + node.status().message());
  auditor::MirrorOptions mo;
  mo.max_log_size = f.max_entries;
  // Entry bundles are for auditors and admins on a facetrail node.
  mo.fetch_entries = !f.no_entries && !token->empty();
  auto mirror = auditor::LogMirror::Open(Env::Default(), f.out, key->get(), mo);
  if (!mirror.ok()) {
    return Fail(auditor::IsVerificationFailure(mirror.status()) ? kExitInvalid : kExitUsage,
                mirror.status().ToString());
  }
  auto r = (*mirror)->Fetch(**node);
  if (!r.ok()) return Fail(kExitUsage, r.status().ToString());
  json out = {{"node", f.node},
              {"origin", r->origin},
              {"mirror", f.out.empty() ? json(nullptr) : json(f.out)},
              {"previous_size", r->previous_size},
              {"size", r->size},
              {"root", B64(r->root)},
              {"hash_tiles_fetched", r->hash_tiles_fetched},
              {"entry_bundles_fetched", r->entry_bundles_fetched},
              {"entries_fetched", r->entries_verified},
              {"entries_checked", mo.fetch_entries},
              {"bytes_fetched", r->bytes_fetched}};
  if (r->previous_size > 0) {
    out["previous_root"] = B64(r->previous_root);
    out["consistency"] = {{"from", r->previous_size}, {"to", r->size},
                          {"verified", r->verification.ok()}, {"proof_hashes", r->consistency_proof_hashes}};
  }
  if (!mo.fetch_entries) {
    out["entries_note"] = f.no_entries ? "not fetched (--no-entries)"
                                       : "not fetched: entry bundles need an auditor token (--token)";
  }
  out["verified"] = r->verification.ok();
  if (!r->verification.ok()) {
    out["error"] = r->verification.message();
    out["fetched_checkpoint"] = r->note;
    if (!r->previous_note.empty()) out["mirrored_checkpoint"] = r->previous_note;
    if (!r->evidence.empty()) out["evidence"] = r->evidence;
    Print(out);
    return Fail(kExitInvalid, r->verification.message() +
                                  (r->evidence.empty() ? "" : " (both checkpoints kept in " + r->evidence + ")"));
  }
  int code = kExitOk;
  if (!f.hub.empty()) {
    json hub = {{"url", f.hub}};
    auditor::HttpFetchOptions hho;
    hho.read_timeout_s = f.timeout_s;
    auto hf = auditor::NewHttpFetcher(JoinUrl(f.hub, "/hub/v1"), hho);
    if (!hf.ok()) return Fail(kExitUsage, "--hub: " + hf.status().message());
    auditor::HubCheckLimits limits;
    auto portal = (*hf)->Get("portal", limits.max_portal_bytes);
    if (!portal.ok()) return Fail(kExitUsage, "hub: " + portal.status().ToString());
    auto check = auditor::CheckHubCheckpoint(*portal, **key, f.hub_key, **mirror, limits);
    if (!check.ok()) return Fail(kExitUsage, "hub: " + check.status().ToString());
    hub["agency"] = check->agency;
    hub["witness_key"] = check->witness_key;
    hub["witness_key_pinned"] = !f.hub_key.empty();
    if (!check->note.empty()) {
      hub["size"] = check->size;
      hub["root"] = B64(check->root);
      hub["witnessed_at"] = check->witnessed_at;
      hub["cosigned_at"] = check->cosigned_at;
    }
    bool verified = check->verification.ok();
    if (!check->verification.ok()) {
      hub["error"] = check->verification.message();
      hub["checkpoint"] = check->note;
      std::fprintf(stderr, "facetrail audit: hub check failed: %s\n", check->verification.message().c_str());
    }
    // Then every checkpoint the hub's witness ever cosigned for this log, not only the latest.
    if (!check->agency.empty()) {
      auto history = auditor::CheckHubHistory(**hf, *check, f.hub_key, **key, **mirror, limits);
      if (!history.ok()) return Fail(kExitUsage, "hub history: " + history.status().ToString());
      auto size_or_null = [](const std::optional<uint64_t>& v) { return v ? json(*v) : json(nullptr); };
      json h = {{"checkpoints", history->checkpoints},
                {"verified", history->verified},
                {"first_size", size_or_null(history->first_size)},
                {"last_size", size_or_null(history->last_size)},
                {"legacy_uncosigned", history->legacy_uncosigned}};
      if (!history->verification.ok()) {
        h["error"] = history->verification.message();
        h["failed_size"] = size_or_null(history->failed_size);
        verified = false;
        std::fprintf(stderr, "facetrail audit: %s\n", history->verification.message().c_str());
      }
      hub["history"] = h;
    }
    hub["verified"] = verified;
    if (!verified) code = kExitInvalid;
    out["hub"] = hub;
    out["verified"] = verified;
  }
  Print(out);
  return code;
}

struct CaseFlags {
  std::string node, case_id, token, token_file, key;
  uint64_t max_bytes = uint64_t{64} << 20;
  int timeout_s = 60;
};

int Case(const CaseFlags& f) {
  auto token = LoadToken(f.token, f.token_file);
  if (!token.ok()) return Fail(kExitUsage, token.status().message());
  if (token->empty()) return Fail(kExitUsage, "case exports need an auditor token (--token or --token-file)");
  auditor::HttpFetchOptions ho;
  ho.bearer_token = *token;
  ho.read_timeout_s = f.timeout_s;
  auto node = auditor::NewHttpFetcher(JoinUrl(f.node, ""), ho);
  if (!node.ok()) return Fail(kExitUsage, "--node: " + node.status().message());
  std::string key_text = f.key;
  std::string key_source = "pinned";
  if (key_text.empty()) {
    // Trust on fetch: the node names its own key. Pin it (--key) for a real audit.
    auto k = (*node)->Get("v1/audit/key", 4096);
    if (!k.ok()) return Fail(kExitUsage, "fetching the log key: " + k.status().ToString());
    key_text = Trim(*k);
    key_source = "node (unpinned)";
    std::fprintf(stderr, "facetrail audit: warning: no --key; using the key the node serves (%s)\n", key_text.c_str());
  }
  auto key = LoadVerifier(key_text, "--key");
  if (!key.ok()) return Fail(key_source == "pinned" ? kExitUsage : kExitInvalid, key.status().message());
  auto body = (*node)->Get("v1/cases/" + EncodeSegment(f.case_id) + "/export", f.max_bytes);
  if (!body.ok()) return Fail(kExitUsage, body.status().ToString());
  auditor::CaseExportCheck x = auditor::VerifyCaseExport(*body, **key, f.case_id);
  json records = json::array();
  size_t ok = 0;
  for (const auditor::CaseRecordCheck& r : x.records) {
    json j = {{"index", r.index}, {"type", r.type}, {"outcome", r.outcome}, {"time", r.time},
              {"names_case", r.names_case}, {"verified", r.status.ok()}};
    if (!r.status.ok()) j["error"] = r.status.message();
    ok += r.status.ok() ? 1 : 0;
    records.push_back(std::move(j));
  }
  json out = {{"node", f.node},
              {"case_number", x.case_number},
              {"key", note::FormatVerifierKey((*key)->key())},
              {"key_source", key_source},
              {"checkpoint", {{"size", x.size}, {"root", B64(x.root)}}},
              {"export_audit_index", x.export_audit_index},
              {"leads", x.leads},
              {"records", records},
              {"records_verified", ok},
              {"records_failed", x.records.size() - ok},
              {"verified", x.verification.ok()}};
  if (!x.verification.ok()) out["error"] = x.verification.message();
  Print(out);
  if (!x.verification.ok()) return Fail(kExitInvalid, x.verification.message());
  return kExitOk;
}

int RunAudit(int argc, char** argv) {
  CLI::App app{"Auditor tools: mirror and verify a node's audit log, verify case exports", "audit"};
  app.require_subcommand(1);
  FetchFlags ff;
  auto* fetch = app.add_subcommand("fetch", "mirror a node's log over tlog-tiles and verify it");
  fetch->add_option("--node", ff.node, "node base URL (http://host:port)")->required();
  fetch->add_option("--key", ff.key, "the log's verifier key (vkey, or a file holding it)")->required();
  fetch->add_option("--out", ff.out, "mirror directory (created; re-fetches are incremental)");
  fetch->add_option("--hub", ff.hub, "hub base URL: check the hub's witnessed checkpoint");
  fetch->add_option("--hub-key", ff.hub_key, "pin the hub's witness vkey (default: the portal's)");
  fetch->add_option("--token", ff.token, "auditor token (entry bundles)");
  fetch->add_option("--token-file", ff.token_file, "file whose first line is the auditor token");
  fetch->add_flag("--no-entries", ff.no_entries, "fetch hash tiles only");
  fetch->add_option("--prefix", ff.prefix, "tiles path below the node URL (default /v1/audit)");
  fetch->add_option("--max-entries", ff.max_entries, "refuse logs larger than this (default 2^32)");
  fetch->add_option("--timeout", ff.timeout_s, "read timeout per request, seconds (default 30)");
  CaseFlags cf;
  auto* kase = app.add_subcommand("case", "verify every entry of a case export");
  kase->add_option("--node", cf.node, "node base URL (http://host:port)")->required();
  kase->add_option("--case", cf.case_id, "case number")->required();
  kase->add_option("--token", cf.token, "auditor token");
  kase->add_option("--token-file", cf.token_file, "file whose first line is the auditor token");
  kase->add_option("--key", cf.key, "the log's verifier key (default: the node's, unpinned)");
  kase->add_option("--max-bytes", cf.max_bytes, "largest export accepted (default 64 MiB)");
  kase->add_option("--timeout", cf.timeout_s, "read timeout, seconds (default 60)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (fetch->parsed()) return Fetch(ff);
  if (kase->parsed()) return Case(cf);
  return kExitUsage;
}

}  // namespace

FACETRAIL_COMMAND("audit", "auditor tools: mirror and verify a node's log (fetch), verify a case export (case)",
                  RunAudit);

}  // namespace facetrail::cli
