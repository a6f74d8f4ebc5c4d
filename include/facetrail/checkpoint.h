// C2SP tlog-checkpoint bodies and tlog-cosignature/v1 witness cosignatures.
//
//   checkpoint body = origin "\n" decimal(size) "\n" base64(root32) "\n" *(extension "\n")
//   cosignature key ID = SHA-256(name || "\n" || 0x04 || pubkey32)[:4]
//       (the witness publishes its key as an ordinary vkey with type byte 0x01; only the
//        ID hashed into cosignature lines uses 0x04, so the two never collide)
//   cosignature bytes  = u64be(timestamp) || Ed25519(msg), after the 4-byte key ID
//   msg = "cosignature/v1\n" "time " decimal(timestamp) "\n" checkpoint body
//
// The body is the *text* of a signed note (note.h): a log signs it with its Ed25519 note
// key, witnesses add cosignature lines to the same note.
//
// Thread-safety: pure functions; the Signer/Verifier classes are immutable after
// construction (CosignatureSigner reads its injected Clock, which is thread-safe).
#ifndef FACETRAIL_CHECKPOINT_H_
#define FACETRAIL_CHECKPOINT_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/clock.h"
#include "facetrail/merkle.h"
#include "facetrail/note.h"
#include "facetrail/status.h"

namespace facetrail::checkpoint {

inline constexpr uint8_t kAlgCosignatureV1 = 0x04;
inline constexpr size_t kMaxExtensionLines = 16;

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  merkle::Hash root{};
  std::vector<std::string> extensions;  // each without its "\n"; non-empty
};

// The note text for `c`. kInvalidArgument if the origin or an extension is empty or
// contains "\n" or a control character.
StatusOr<std::string> Format(const Checkpoint& c);

// Parses a checkpoint body (a note's text). Strict: origin non-empty; size decimal with no
// sign, no leading zeros (except "0"), fits in u64; root canonical base64 of 32 bytes;
// extension lines non-empty (at most kMaxExtensionLines); body ends in "\n".
StatusOr<Checkpoint> Parse(std::string_view body);

// Opens a signed checkpoint note: note::Open under `verifiers`, then Parse of the text.
// If `origin` is non-empty the checkpoint's origin must equal it (kInvalidArgument).
struct Signed {
  Checkpoint checkpoint;
  note::Opened note;
};
StatusOr<Signed> OpenSigned(std::string_view msg, std::span<const note::Verifier* const> verifiers,
                            std::string_view origin = {});

// The cosignature/v1 key ID of a witness key.
uint32_t CosignatureKeyId(std::string_view name, const std::array<uint8_t, 32>& public_key);

// The exact bytes a cosignature/v1 signature covers.
std::string CosignedMessage(std::string_view checkpoint_body, uint64_t timestamp);

// Signs checkpoint bodies as a witness. Wraps the witness's Ed25519 note key; the note
// Signer interface lets it be passed to note::Sign, stamping time from `clock`.
class CosignatureSigner final : public note::Signer {
 public:
  // `key` must outlive this signer; `clock` too (not owned; Clock::Real() if null).
  CosignatureSigner(const note::Ed25519Signer* key, const Clock* clock);
  const std::string& name() const override { return key_->name(); }
  uint32_t key_id() const override { return key_id_; }
  // u64be(now) || Ed25519 over CosignedMessage(text, now).
  StatusOr<std::string> Sign(std::string_view text) const override;
  StatusOr<std::string> SignAt(std::string_view text, uint64_t timestamp) const;

 private:
  const note::Ed25519Signer* key_;
  const Clock* clock_;
  uint32_t key_id_;
};

// Verifies cosignature/v1 lines of one witness, given its published vkey.
class CosignatureVerifier final : public note::Verifier {
 public:
  explicit CosignatureVerifier(note::VerifierKey witness_key);
  // Parses the witness's ordinary vkey string (type byte 0x01).
  static StatusOr<std::unique_ptr<CosignatureVerifier>> FromKey(std::string_view vkey);
  const std::string& name() const override { return key_.name; }
  uint32_t key_id() const override { return key_id_; }
  bool Verify(std::string_view text, std::string_view signature) const override;
  const note::VerifierKey& witness_key() const { return key_; }

 private:
  note::VerifierKey key_;
  uint32_t key_id_;
};

// Returns the signature line a witness adds for `checkpoint_body` at `timestamp`.
StatusOr<std::string> Cosign(std::string_view checkpoint_body, const note::Ed25519Signer& witness,
                             uint64_t timestamp);

// Checks one cosignature (signature bytes after the key ID, as in note::Signature) by the
// witness `key` over `checkpoint_body`; returns its timestamp. kDataLoss if it does not
// verify, kInvalidArgument if malformed.
StatusOr<uint64_t> VerifyCosignature(std::string_view checkpoint_body,
                                     const note::VerifierKey& key, std::string_view signature);

// The timestamp inside a cosignature/v1 signature (no verification).
StatusOr<uint64_t> CosignatureTimestamp(std::string_view signature);

}  // namespace facetrail::checkpoint

#endif  // FACETRAIL_CHECKPOINT_H_
