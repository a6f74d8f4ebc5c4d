// tlog-witness add-checkpoint request bodies: a pure, bounded parser (fuzzed by
// fuzz/witness_request_fuzzer.cc) and its formatter.
#include <string>

#include "facetrail/encoding.h"
#include "facetrail/witness.h"

namespace facetrail::witness {
namespace {

Status Bad(std::string why) { return InvalidArgumentError("add-checkpoint request: " + why); }

}  // namespace

StatusOr<AddCheckpointRequest> ParseAddCheckpointRequest(std::string_view body) {
  if (body.size() > kMaxRequestBytes) {
    return ResourceExhaustedError("add-checkpoint request: body larger than " +
                                  std::to_string(kMaxRequestBytes) + " bytes");
  }
  AddCheckpointRequest req;
  size_t nl = body.find('\n');
  if (nl == std::string_view::npos) return Bad("missing \"old\" line");
  std::string_view first = body.substr(0, nl);
  constexpr std::string_view kOld = "old ";
  if (first.substr(0, kOld.size()) != kOld) return Bad("first line must be \"old <size>\"");
  std::string_view num = first.substr(kOld.size());
  if (num.empty() || num.size() > 20 || (num.size() > 1 && num[0] == '0')) {
    return Bad("old size is not a canonical decimal");
  }
  for (char c : num) {
    if (c < '0' || c > '9') return Bad("old size is not a canonical decimal");
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (req.old_size > (UINT64_MAX - d) / 10) return Bad("old size overflows 64 bits");
    req.old_size = req.old_size * 10 + d;
  }
  body.remove_prefix(nl + 1);
  // Proof lines until the empty line.
  while (true) {
    nl = body.find('\n');
    if (nl == std::string_view::npos) return Bad("missing empty line before the checkpoint");
    std::string_view line = body.substr(0, nl);
    body.remove_prefix(nl + 1);
    if (line.empty()) break;
    if (req.proof.size() >= kMaxProofLines) {
      return ResourceExhaustedError("add-checkpoint request: more than " +
                                    std::to_string(kMaxProofLines) + " proof lines");
    }
    // A 32-byte hash is exactly 44 base64 characters; check before decoding.
    if (line.size() != 44) return Bad("proof line is not a base64 32-byte hash");
    auto raw = Base64Decode(line);
    if (!raw.ok()) return Bad("proof line is not canonical base64");
    auto h = merkle::HashFromBytes(*raw);
    if (!h.ok()) return Bad("proof line is not a 32-byte hash");
    req.proof.push_back(*h);
  }
  if (body.empty()) return Bad("missing checkpoint");
  req.checkpoint = std::string(body);
  return req;
}

std::string FormatAddCheckpointRequest(const AddCheckpointRequest& req) {
  std::string out = "old " + std::to_string(req.old_size) + "\n";
  for (const merkle::Hash& h : req.proof) out += Base64Encode(AsStringView(h)) + "\n";
  out += "\n";
  out += req.checkpoint;
  return out;
}

}  // namespace facetrail::witness
