// C2SP signed-note (https://c2sp.org/signed-note) with Ed25519 keys, byte-compatible with
// golang.org/x/mod/sumdb/note: the same key strings, key IDs, note layout and verifier
// rules, so facetrail checkpoints verify with Go tooling and vice versa.
//
//   note      = text "\n" signature-line+      (text ends in "\n"; UTF-8; no control
//                                                characters other than "\n")
//   sig line  = "\u2014 " name " " base64(key_id[4] || signature) "\n"
//   key ID    = SHA-256(name || "\n" || 0x01 || pubkey32)[:4], big-endian
//   vkey      = name "+" hex8(key ID) "+" base64(0x01 || pubkey32)
//   skey      = "PRIVATE+KEY+" name "+" hex8(key ID) "+" base64(0x01 || seed32)  (Go's form)
//
// Signer / Verifier are interfaces so other algorithms sharing the note framing (the
// tlog-cosignature/v1 witness signatures in checkpoint.h) plug into Sign and Open.
//
// Thread-safety: all functions are pure; Signer and Verifier implementations here are
// immutable after construction and safe to share across threads.
#ifndef FACETRAIL_NOTE_H_
#define FACETRAIL_NOTE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/status.h"

namespace facetrail::note {

inline constexpr uint8_t kAlgEd25519 = 0x01;
// Bounds on untrusted notes (Go's note.Open also stops at 100 signatures).
inline constexpr size_t kMaxSignatures = 100;
inline constexpr size_t kMaxNoteBytes = 1 << 20;

// One signature line. `signature` excludes the 4-byte key ID.
struct Signature {
  std::string name;
  uint32_t key_id = 0;
  std::string signature;
};

// A note split into text and signature lines, not yet verified.
struct Note {
  std::string text;  // includes its final "\n"
  std::vector<Signature> signatures;
};

class Signer {
 public:
  virtual ~Signer() = default;
  virtual const std::string& name() const = 0;
  virtual uint32_t key_id() const = 0;
  // Signature bytes (without key ID) over `text` (the note text, final "\n" included).
  virtual StatusOr<std::string> Sign(std::string_view text) const = 0;
};

class Verifier {
 public:
  virtual ~Verifier() = default;
  virtual const std::string& name() const = 0;
  virtual uint32_t key_id() const = 0;
  // True iff `signature` (without key ID) is valid for `text`.
  virtual bool Verify(std::string_view text, std::string_view signature) const = 0;
};

// True iff `name` is a valid key name: non-empty UTF-8, no Unicode white space, no '+'
// (Go's isValidName).
bool IsValidKeyName(std::string_view name);

// SHA-256(name || "\n" || key)[:4] big-endian, where key = type byte || public key.
uint32_t KeyId(std::string_view name, std::string_view typed_public_key);

struct VerifierKey {
  std::string name;
  uint32_t key_id = 0;
  std::array<uint8_t, 32> public_key{};
};

// Parses a vkey string; splits on the first two '+' only. Rejects unknown algorithms,
// wrong key lengths, non-canonical base64 and a key ID that does not match name + key.
StatusOr<VerifierKey> ParseVerifierKey(std::string_view vkey);
std::string FormatVerifierKey(const VerifierKey& key);

class Ed25519Verifier final : public Verifier {
 public:
  explicit Ed25519Verifier(VerifierKey key) : key_(std::move(key)) {}
  static StatusOr<std::unique_ptr<Ed25519Verifier>> FromKey(std::string_view vkey);
  const std::string& name() const override { return key_.name; }
  uint32_t key_id() const override { return key_.key_id; }
  bool Verify(std::string_view text, std::string_view signature) const override;
  const VerifierKey& key() const { return key_; }

 private:
  VerifierKey key_;
};

// An Ed25519 signer. Holds the expanded secret key; wipes it on destruction.
class Ed25519Signer final : public Signer {
 public:
  // Parses Go's "PRIVATE+KEY+..." form (checks the ID against the derived public key).
  static StatusOr<std::unique_ptr<Ed25519Signer>> FromKey(std::string_view skey);
  ~Ed25519Signer() override;
  Ed25519Signer(const Ed25519Signer&) = delete;
  Ed25519Signer& operator=(const Ed25519Signer&) = delete;

  const std::string& name() const override { return name_; }
  uint32_t key_id() const override { return key_id_; }
  StatusOr<std::string> Sign(std::string_view text) const override;
  // The matching vkey string.
  std::string VerifierKeyString() const;
  const std::array<uint8_t, 32>& public_key() const { return public_key_; }
  // The raw 64-byte Ed25519 secret (seed || public key), for signers of other formats that
  // share this key (cosignatures). Do not copy it around.
  const std::array<uint8_t, 64>& secret_key() const { return secret_key_; }

 private:
  Ed25519Signer() = default;
  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> public_key_{};
  std::array<uint8_t, 64> secret_key_{};
};

struct GeneratedKey {
  std::string private_key;   // "PRIVATE+KEY+..." (secret)
  std::string verifier_key;  // vkey string (public)
};
// A fresh random Ed25519 key named `name` (kInvalidArgument for an invalid name).
StatusOr<GeneratedKey> GenerateKey(std::string_view name);

// Writes `private_key` + "\n" to a new file with mode 0600 (kAlreadyExists if it exists,
// so a key is never silently replaced).
Status WritePrivateKeyFile(const std::string& path, std::string_view private_key);
// Reads a private key file; kPermissionDenied if it is readable by group or others,
// kInvalidArgument if it does not hold a key. Surrounding white space is trimmed.
StatusOr<std::string> ReadPrivateKeyFile(const std::string& path);

// Splits a note into text and signature lines without verifying anything. Enforces the
// framing rules above, kMaxNoteBytes and kMaxSignatures; kInvalidArgument on any breach.
StatusOr<Note> Parse(std::string_view msg);

// Formats one signature line (with its final "\n").
std::string FormatSignatureLine(const Signature& sig);

// Signs `text` (must end in "\n" and be a valid note text) with every signer and returns
// the note: text, blank line, then the `existing` signature lines not superseded by a
// signer with the same name and key ID, then the new ones.
StatusOr<std::string> Sign(std::string_view text, std::span<const Signer* const> signers,
                           std::span<const Signature> existing = {});

struct Opened {
  std::string text;
  std::vector<Signature> verified;    // by a given verifier, in note order, deduplicated
  std::vector<Signature> unverified;  // from keys not given (ignored), deduplicated
};

// Parses and verifies `msg` under the C2SP rules: lines from unknown (name, key ID) pairs
// are ignored; a line matching a given verifier must verify (else kDataLoss naming the
// key); at least one given verifier must verify (else kUnauthenticated). Two verifiers
// with the same name and ID are ambiguous (kInvalidArgument) when a line needs them.
StatusOr<Opened> Open(std::string_view msg, std::span<const Verifier* const> verifiers);

}  // namespace facetrail::note

#endif  // FACETRAIL_NOTE_H_
