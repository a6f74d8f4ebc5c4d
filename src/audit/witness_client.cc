// tlog-witness client: posts checkpoints to witnesses and collects verified cosignatures.
#include "facetrail/witness_client.h"

#include <httplib.h>

#include <set>
#include <string>
#include <utility>

#include "core/thread_annotations.h"
#include "facetrail/witness.h"

namespace facetrail::witness {

struct WitnessClient::Target {
  std::string url;
  std::string scheme_host_port;
  std::string path;  // prefix + "/add-checkpoint"
  std::unique_ptr<checkpoint::CosignatureVerifier> verifier;
  Mutex mu;
  uint64_t size GUARDED_BY(mu) = 0;
};

namespace {

StatusOr<std::pair<std::string, std::string>> SplitUrl(const std::string& url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return InvalidArgumentError("witness URL needs a scheme: " + url);
  std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return InvalidArgumentError("witness URL scheme must be http or https: " + url);
  }
  size_t host_start = scheme_end + 3;
  size_t path_start = url.find('/', host_start);
  std::string shp = url.substr(0, path_start);
  if (shp.size() == host_start) return InvalidArgumentError("witness URL has no host: " + url);
  std::string prefix = path_start == std::string::npos ? "" : url.substr(path_start);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  return std::make_pair(shp, prefix + "/add-checkpoint");
}

StatusOr<uint64_t> ParseSizeBody(std::string_view body) {
  if (body.empty() || body.back() != '\n') return InvalidArgumentError("409 size body malformed");
  body.remove_suffix(1);
  if (body.empty() || body.size() > 20 || (body.size() > 1 && body[0] == '0')) {
    return InvalidArgumentError("409 size body malformed");
  }
  uint64_t v = 0;
  for (char c : body) {
    if (c < '0' || c > '9') return InvalidArgumentError("409 size body malformed");
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return InvalidArgumentError("409 size body overflows");
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

WitnessClient::WitnessClient(std::vector<std::unique_ptr<Target>> targets, ClientOptions options)
    : targets_(std::move(targets)), options_(options) {}

WitnessClient::~WitnessClient() = default;

StatusOr<std::unique_ptr<WitnessClient>> WitnessClient::Create(
    std::vector<WitnessEndpoint> witnesses, ClientOptions options) {
  std::vector<std::unique_ptr<Target>> targets;
  for (const WitnessEndpoint& w : witnesses) {
    auto t = std::make_unique<Target>();
    t->url = w.url;
    FT_ASSIGN_OR_RETURN(auto split, SplitUrl(w.url));
    t->scheme_host_port = split.first;
    t->path = split.second;
    FT_ASSIGN_OR_RETURN(t->verifier, checkpoint::CosignatureVerifier::FromKey(w.verifier_key));
    targets.push_back(std::move(t));
  }
  return std::unique_ptr<WitnessClient>(new WitnessClient(std::move(targets), options));
}

uint64_t WitnessClient::KnownSize(const std::string& url) {
  for (auto& t : targets_) {
    if (t->url == url) {
      MutexLock lock(&t->mu);
      return t->size;
    }
  }
  return 0;
}

StatusOr<note::Signature> WitnessClient::CosignOne(Target& t, std::string_view signed_checkpoint,
                                                   const checkpoint::Checkpoint& c,
                                                   const ConsistencyProofFn& proofs) {
  httplib::Client http(t.scheme_host_port);
  http.set_connection_timeout(options_.connect_timeout_s, 0);
  http.set_read_timeout(options_.read_timeout_s, 0);
  http.set_write_timeout(options_.write_timeout_s, 0);
  http.set_keep_alive(false);
  std::string text = std::string(signed_checkpoint.substr(0, signed_checkpoint.rfind("\n\n") + 1));
  for (int attempt = 0; attempt < 2; ++attempt) {
    uint64_t old_size;
    {
      MutexLock lock(&t.mu);
      old_size = t.size;
    }
    if (old_size > c.size) {
      return FailedPreconditionError("witness has cosigned size " + std::to_string(old_size) +
                                     ", beyond this checkpoint's " + std::to_string(c.size));
    }
    AddCheckpointRequest req;
    req.old_size = old_size;
    req.checkpoint = std::string(signed_checkpoint);
    if (old_size != 0 && old_size != c.size) {
      FT_ASSIGN_OR_RETURN(req.proof, proofs(old_size, c.size));
    }
    auto res = http.Post(t.path.c_str(), FormatAddCheckpointRequest(req), "text/plain");
    if (!res) return UnavailableError("witness " + t.url + ": " + httplib::to_string(res.error()));
    if (res->body.size() > options_.max_response_bytes) {
      return ResourceExhaustedError("witness " + t.url + ": response too large");
    }
    if (res->status == 409 &&
        res->get_header_value("Content-Type").rfind(std::string(kSizeContentType), 0) == 0) {
      FT_ASSIGN_OR_RETURN(uint64_t size, ParseSizeBody(res->body));
      MutexLock lock(&t.mu);
      t.size = size;
      continue;
    }
    if (res->status != 200) {
      return FailedPreconditionError("witness " + t.url + " answered " +
                                     std::to_string(res->status) + ": " + res->body);
    }
    // The body is one or more signature lines; parse them in a throwaway note.
    auto lines = note::Parse(text + "\n" + res->body);
    if (!lines.ok()) return DataLossError("witness " + t.url + ": malformed cosignature response");
    for (note::Signature& sig : lines->signatures) {
      if (sig.name != t.verifier->name() || sig.key_id != t.verifier->key_id()) continue;
      if (!t.verifier->Verify(text, sig.signature)) {
        return DataLossError("witness " + t.url + ": cosignature does not verify");
      }
      MutexLock lock(&t.mu);
      t.size = c.size;
      return std::move(sig);
    }
    return DataLossError("witness " + t.url + ": no cosignature by the configured key");
  }
  return FailedPreconditionError("witness " + t.url + ": size still conflicting after retry");
}

StatusOr<CosignResult> WitnessClient::Cosign(std::string_view signed_checkpoint,
                                             const ConsistencyProofFn& proofs) {
  FT_ASSIGN_OR_RETURN(note::Note parsed, note::Parse(signed_checkpoint));
  FT_ASSIGN_OR_RETURN(checkpoint::Checkpoint c, checkpoint::Parse(parsed.text));
  CosignResult result;
  std::vector<note::Signature> added;
  std::set<std::pair<std::string, uint32_t>> added_keys;
  for (auto& t : targets_) {
    auto sig = CosignOne(*t, signed_checkpoint, c, proofs);
    if (!sig.ok()) {
      result.failures.emplace_back(t->url, sig.status());
      continue;
    }
    added_keys.emplace(sig->name, sig->key_id);
    added.push_back(std::move(*sig));
    result.cosigned.push_back(t->url);
  }
  // Old lines by the same witnesses are replaced by the fresh cosignatures.
  std::vector<note::Signature> all;
  for (const note::Signature& s : parsed.signatures) {
    if (added_keys.count({s.name, s.key_id}) == 0) all.push_back(s);
  }
  all.insert(all.end(), added.begin(), added.end());
  FT_ASSIGN_OR_RETURN(result.note, note::Sign(parsed.text, {}, all));
  return result;
}

}  // namespace facetrail::witness
