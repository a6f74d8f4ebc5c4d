// tlog-checkpoint bodies and tlog-cosignature/v1 signatures.
#include "facetrail/checkpoint.h"

#include <cstring>
#include <string>
#include <utility>

#include <sodium.h>

#include "audit/utf8.h"
#include "facetrail/encoding.h"

namespace facetrail::checkpoint {
namespace {

constexpr std::string_view kCosigHeader = "cosignature/v1\ntime ";
constexpr size_t kTimestampBytes = 8;

Status Bad(std::string why) { return InvalidArgumentError("checkpoint: " + why); }

// A line of a checkpoint body: non-empty, valid UTF-8, no control characters.
Status CheckLine(std::string_view line, std::string_view what) {
  if (line.empty()) return Bad(std::string(what) + " is empty");
  size_t i = 0;
  while (i < line.size()) {
    int len = 0;
    int32_t cp = internal::DecodeUtf8(line.substr(i), &len);
    if (cp < 0) return Bad(std::string(what) + " is not valid UTF-8");
    if (cp < 0x20 || cp == 0x7f) return Bad(std::string(what) + " has a control character");
    i += static_cast<size_t>(len);
  }
  return Status::Ok();
}

StatusOr<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 20) return Bad("size is not a decimal number");
  if (s.size() > 1 && s[0] == '0') return Bad("size has leading zeros");
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return Bad("size is not a decimal number");
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return Bad("size overflows 64 bits");
    v = v * 10 + d;
  }
  return v;
}

void AppendU64Be(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

StatusOr<std::string> Format(const Checkpoint& c) {
  FT_RETURN_IF_ERROR(CheckLine(c.origin, "origin"));
  if (c.extensions.size() > kMaxExtensionLines) return Bad("too many extension lines");
  std::string out = c.origin + "\n" + std::to_string(c.size) + "\n" +
                    Base64Encode(AsStringView(c.root)) + "\n";
  for (const std::string& ext : c.extensions) {
    FT_RETURN_IF_ERROR(CheckLine(ext, "extension line"));
    out += ext + "\n";
  }
  return out;
}

StatusOr<Checkpoint> Parse(std::string_view body) {
  if (body.size() > note::kMaxNoteBytes) return Bad("body too large");
  if (body.empty() || body.back() != '\n') return Bad("body must end in newline");
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t nl = body.find('\n', pos);
    lines.push_back(body.substr(pos, nl - pos));
    pos = nl + 1;
    if (lines.size() > 3 + kMaxExtensionLines) return Bad("too many extension lines");
  }
  if (lines.size() < 3) return Bad("body needs origin, size and root lines");
  Checkpoint c;
  FT_RETURN_IF_ERROR(CheckLine(lines[0], "origin"));
  c.origin = std::string(lines[0]);
  FT_ASSIGN_OR_RETURN(c.size, ParseDecimal(lines[1]));
  auto raw = Base64Decode(lines[2]);
  if (!raw.ok()) return Bad("root hash is not canonical base64");
  auto root = merkle::HashFromBytes(*raw);
  if (!root.ok()) return Bad("root hash is not 32 bytes");
  c.root = *root;
  for (size_t i = 3; i < lines.size(); ++i) {
    FT_RETURN_IF_ERROR(CheckLine(lines[i], "extension line"));
    c.extensions.emplace_back(lines[i]);
  }
  return c;
}

StatusOr<Signed> OpenSigned(std::string_view msg,
                            std::span<const note::Verifier* const> verifiers,
                            std::string_view origin) {
  Signed out;
  FT_ASSIGN_OR_RETURN(out.note, note::Open(msg, verifiers));
  FT_ASSIGN_OR_RETURN(out.checkpoint, Parse(out.note.text));
  if (!origin.empty() && out.checkpoint.origin != origin) {
    return Bad("origin \"" + out.checkpoint.origin + "\" is not the expected \"" +
               std::string(origin) + "\"");
  }
  return out;
}

uint32_t CosignatureKeyId(std::string_view name, const std::array<uint8_t, 32>& public_key) {
  std::string typed(1, static_cast<char>(kAlgCosignatureV1));
  typed.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  return note::KeyId(name, typed);
}

std::string CosignedMessage(std::string_view checkpoint_body, uint64_t timestamp) {
  std::string msg(kCosigHeader);
  msg += std::to_string(timestamp);
  msg += '\n';
  msg.append(checkpoint_body);
  return msg;
}

CosignatureSigner::CosignatureSigner(const note::Ed25519Signer* key, const Clock* clock)
    : key_(key),
      clock_(clock != nullptr ? clock : Clock::Real()),
      key_id_(CosignatureKeyId(key->name(), key->public_key())) {}

StatusOr<std::string> CosignatureSigner::Sign(std::string_view text) const {
  int64_t now = clock_->NowSeconds();
  if (now < 0) return InternalError("cosignature: clock before 1970");
  return SignAt(text, static_cast<uint64_t>(now));
}

StatusOr<std::string> CosignatureSigner::SignAt(std::string_view text, uint64_t timestamp) const {
  // Only checkpoints may be cosigned: the signed message binds the body's structure.
  FT_RETURN_IF_ERROR(Parse(text).status());
  std::string msg = CosignedMessage(text, timestamp);
  std::string out;
  out.reserve(kTimestampBytes + crypto_sign_BYTES);
  AppendU64Be(out, timestamp);
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(msg.data()),
                       msg.size(), key_->secret_key().data());
  out.append(reinterpret_cast<const char*>(sig), sizeof sig);
  return out;
}

CosignatureVerifier::CosignatureVerifier(note::VerifierKey witness_key)
    : key_(std::move(witness_key)), key_id_(CosignatureKeyId(key_.name, key_.public_key)) {}

StatusOr<std::unique_ptr<CosignatureVerifier>> CosignatureVerifier::FromKey(std::string_view vkey) {
  FT_ASSIGN_OR_RETURN(note::VerifierKey key, note::ParseVerifierKey(vkey));
  return std::make_unique<CosignatureVerifier>(std::move(key));
}

bool CosignatureVerifier::Verify(std::string_view text, std::string_view signature) const {
  return VerifyCosignature(text, key_, signature).ok();
}

StatusOr<std::string> Cosign(std::string_view checkpoint_body, const note::Ed25519Signer& witness,
                             uint64_t timestamp) {
  CosignatureSigner signer(&witness, nullptr);
  FT_ASSIGN_OR_RETURN(std::string sig, signer.SignAt(checkpoint_body, timestamp));
  return note::FormatSignatureLine(note::Signature{witness.name(), signer.key_id(), sig});
}

StatusOr<uint64_t> CosignatureTimestamp(std::string_view signature) {
  if (signature.size() != kTimestampBytes + crypto_sign_BYTES) {
    return InvalidArgumentError("cosignature: must be 72 bytes after the key ID");
  }
  uint64_t t = 0;
  for (size_t i = 0; i < kTimestampBytes; ++i) t = (t << 8) | static_cast<uint8_t>(signature[i]);
  return t;
}

StatusOr<uint64_t> VerifyCosignature(std::string_view checkpoint_body,
                                     const note::VerifierKey& key, std::string_view signature) {
  FT_ASSIGN_OR_RETURN(uint64_t t, CosignatureTimestamp(signature));
  std::string msg = CosignedMessage(checkpoint_body, t);
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data() + kTimestampBytes);
  if (crypto_sign_verify_detached(sig, reinterpret_cast<const unsigned char*>(msg.data()),
                                  msg.size(), key.public_key.data()) != 0) {
    return DataLossError("cosignature: invalid signature by " + key.name);
  }
  return t;
}

}  // namespace facetrail::checkpoint
