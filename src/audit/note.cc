// Signed-note framing: parse, sign, open (verify). Mirrors golang.org/x/mod/sumdb/note's
// Sign and Open so that notes round-trip byte for byte with Go tooling.
#include "facetrail/note.h"

#include <cstdio>
#include <set>
#include <string>
#include <tuple>
#include <utility>

#include "audit/utf8.h"
#include "facetrail/encoding.h"

namespace facetrail::note {
namespace {

// "\u2014 " (EM DASH, space) opens every signature line.
constexpr std::string_view kSigPrefix = "\xE2\x80\x94 ";

Status Malformed(std::string why) { return InvalidArgumentError("malformed note: " + why); }

// Valid UTF-8 and no control characters other than "\n" (C2SP signed-note, Go's Open).
Status CheckNoteBytes(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    int len = 0;
    int32_t cp = internal::DecodeUtf8(s.substr(i), &len);
    if (cp < 0) return Malformed("invalid UTF-8 at byte " + std::to_string(i));
    if (cp < 0x20 && cp != '\n') return Malformed("control character at byte " + std::to_string(i));
    i += static_cast<size_t>(len);
  }
  return Status::Ok();
}

std::string KeyLabel(std::string_view name, uint32_t id) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", id);
  return std::string(name) + "+" + buf;
}

void AppendKeyId(std::string& out, uint32_t id) {
  out.push_back(static_cast<char>(id >> 24));
  out.push_back(static_cast<char>(id >> 16));
  out.push_back(static_cast<char>(id >> 8));
  out.push_back(static_cast<char>(id));
}

}  // namespace

StatusOr<Note> Parse(std::string_view msg) {
  if (msg.size() > kMaxNoteBytes) {
    return Malformed("larger than " + std::to_string(kMaxNoteBytes) + " bytes");
  }
  FT_RETURN_IF_ERROR(CheckNoteBytes(msg));
  // The signature block is everything after the last blank line; signature lines are never
  // empty, so the last "\n\n" is the separator even if the text has blank lines.
  size_t split = msg.rfind("\n\n");
  if (split == std::string_view::npos) return Malformed("no signature block");
  Note note;
  note.text = std::string(msg.substr(0, split + 1));
  std::string_view sigs = msg.substr(split + 2);
  if (sigs.empty() || sigs.back() != '\n') return Malformed("signature block must end in newline");
  while (!sigs.empty()) {
    size_t nl = sigs.find('\n');
    std::string_view line = sigs.substr(0, nl);
    sigs.remove_prefix(nl + 1);
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) {
      return Malformed("signature line must start with \"\u2014 \"");
    }
    line.remove_prefix(kSigPrefix.size());
    std::string_view name = line, b64;
    if (size_t sp = line.rfind(' '); sp != std::string_view::npos) {
      name = line.substr(0, sp);
      b64 = line.substr(sp + 1);
    }
    if (!IsValidKeyName(name)) return Malformed("invalid key name in signature line");
    auto raw = Base64Decode(b64);
    if (!raw.ok() || raw->size() < 5) return Malformed("bad signature encoding");
    if (note.signatures.size() >= kMaxSignatures) {
      return Malformed("more than " + std::to_string(kMaxSignatures) + " signatures");
    }
    Signature sig;
    sig.name = std::string(name);
    const auto* p = reinterpret_cast<const uint8_t*>(raw->data());
    sig.key_id = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    sig.signature = raw->substr(4);
    note.signatures.push_back(std::move(sig));
  }
  return note;
}

std::string FormatSignatureLine(const Signature& sig) {
  std::string raw;
  raw.reserve(4 + sig.signature.size());
  AppendKeyId(raw, sig.key_id);
  raw.append(sig.signature);
  return std::string(kSigPrefix) + sig.name + " " + Base64Encode(raw) + "\n";
}

StatusOr<std::string> Sign(std::string_view text, std::span<const Signer* const> signers,
                           std::span<const Signature> existing) {
  if (text.empty() || text.back() != '\n') return Malformed("text must end in newline");
  if (text.size() > kMaxNoteBytes) return Malformed("text too large");
  FT_RETURN_IF_ERROR(CheckNoteBytes(text));
  std::set<std::pair<std::string, uint32_t>> have;
  std::string new_lines;
  for (const Signer* s : signers) {
    if (!IsValidKeyName(s->name())) return InvalidArgumentError("note: invalid signer name");
    have.emplace(s->name(), s->key_id());
    FT_ASSIGN_OR_RETURN(std::string sig, s->Sign(text));
    new_lines += FormatSignatureLine(Signature{s->name(), s->key_id(), std::move(sig)});
  }
  std::string out(text);
  out.push_back('\n');
  size_t count = signers.size();
  for (const Signature& sig : existing) {
    if (have.count({sig.name, sig.key_id}) != 0) continue;
    if (!IsValidKeyName(sig.name)) return Malformed("invalid key name in existing signature");
    out += FormatSignatureLine(sig);
    ++count;
  }
  if (count == 0) return InvalidArgumentError("note: no signatures to write");
  if (count > kMaxSignatures) return InvalidArgumentError("note: too many signatures");
  out += new_lines;
  return out;
}

StatusOr<Opened> Open(std::string_view msg, std::span<const Verifier* const> verifiers) {
  FT_ASSIGN_OR_RETURN(Note note, Parse(msg));
  Opened out;
  std::set<std::pair<std::string, uint32_t>> seen;
  std::set<std::tuple<std::string, uint32_t, std::string>> seen_unverified;
  for (Signature& sig : note.signatures) {
    const Verifier* match = nullptr;
    int matches = 0;
    for (const Verifier* v : verifiers) {
      if (v->key_id() == sig.key_id && v->name() == sig.name) {
        match = v;
        ++matches;
      }
    }
    if (matches == 0) {
      // C2SP: signatures from unknown keys are ignored (kept for re-signing).
      if (seen_unverified.emplace(sig.name, sig.key_id, sig.signature).second) {
        out.unverified.push_back(std::move(sig));
      }
      continue;
    }
    if (matches > 1) {
      return InvalidArgumentError("note: ambiguous key " + KeyLabel(sig.name, sig.key_id));
    }
    if (!seen.emplace(sig.name, sig.key_id).second) continue;
    if (!match->Verify(note.text, sig.signature)) {
      return DataLossError("note: invalid signature for key " + KeyLabel(sig.name, sig.key_id));
    }
    out.verified.push_back(std::move(sig));
  }
  if (out.verified.empty()) return UnauthenticatedError("note: no verifiable signatures");
  out.text = std::move(note.text);
  return out;
}

}  // namespace facetrail::note
