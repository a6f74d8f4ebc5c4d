// The log side of C2SP tlog-witness: sends a signed checkpoint to a list of witnesses and
// collects their tlog-cosignature/v1 cosignatures.
//
// For each witness the client remembers the size it last cosigned (starting from 0) and
// sends "old <that size>" with a consistency proof from the caller's callback. A 409 with
// a text/x.tlog.size body tells the client the witness's real size; it retries once with
// that size. Every returned cosignature is verified against the witness's configured key
// before it is added to the note, so a misbehaving witness cannot inject bad lines.
//
// Thread-safety: WitnessClient is safe to use from several threads (the per-witness size
// cache is locked); Cosign calls witnesses one after another.
#ifndef FACETRAIL_WITNESS_CLIENT_H_
#define FACETRAIL_WITNESS_CLIENT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/checkpoint.h"
#include "facetrail/merkle.h"
#include "facetrail/status.h"

namespace facetrail::witness {

struct WitnessEndpoint {
  std::string url;           // "http://host:port[/prefix]" (https too); add-checkpoint is appended
  std::string verifier_key;  // the witness's vkey (type 0x01; cosignatures use its 0x04 ID)
};

// Consistency proof from old_size to new_size (0 < old_size < new_size) of the log.
using ConsistencyProofFn =
    std::function<StatusOr<std::vector<merkle::Hash>>(uint64_t old_size, uint64_t new_size)>;

struct ClientOptions {
  int connect_timeout_s = 5;
  int read_timeout_s = 10;
  int write_timeout_s = 10;
  size_t max_response_bytes = 16 * 1024;
};

struct CosignResult {
  std::string note;                  // the checkpoint with every verified cosignature added
  std::vector<std::string> cosigned;  // URLs of witnesses whose cosignature was added
  std::vector<std::pair<std::string, Status>> failures;  // URL -> why it did not cosign
};

class WitnessClient {
 public:
  // kInvalidArgument for a malformed URL or key.
  static StatusOr<std::unique_ptr<WitnessClient>> Create(std::vector<WitnessEndpoint> witnesses,
                                                         ClientOptions options = {});
  ~WitnessClient();

  // Posts `signed_checkpoint` (a note whose text is a checkpoint) to every witness. A
  // witness that fails is reported in `failures`, never fatal; the call errs only if the
  // checkpoint itself cannot be parsed.
  StatusOr<CosignResult> Cosign(std::string_view signed_checkpoint, const ConsistencyProofFn& proofs);

  // The size the client believes `url` last cosigned (0 if unknown).
  uint64_t KnownSize(const std::string& url);

 private:
  struct Target;
  WitnessClient(std::vector<std::unique_ptr<Target>> targets, ClientOptions options);
  // One witness: at most two posts (the second after a 409 with the witness's size).
  StatusOr<note::Signature> CosignOne(Target& t, std::string_view signed_checkpoint,
                                      const checkpoint::Checkpoint& c, const ConsistencyProofFn& proofs);

  std::vector<std::unique_ptr<Target>> targets_;  // each locks its own size cache
  ClientOptions options_;
};

}  // namespace facetrail::witness

#endif  // FACETRAIL_WITNESS_CLIENT_H_
