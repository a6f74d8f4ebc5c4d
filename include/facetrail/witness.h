// C2SP tlog-witness: a witness cosigns a log's checkpoint only if it is consistent with
// the last checkpoint it cosigned for that log, so a log cannot show different histories
// to different parties (split view) without a witness noticing.
//
// Wire format (POST <prefix>/add-checkpoint):
//   body = "old " decimal "\n" *(base64(32-byte hash) "\n") "\n" signed-checkpoint-note
//   (at most kMaxProofLines proof lines; the whole body at most kMaxRequestBytes)
// Responses: 200 + cosignature line(s); 400 malformed / old > size; 403 no trusted log
// signature; 404 unknown origin; 409 + "<size>\n" (text/x.tlog.size) when `old` is not the
// witness's latest cosigned size; 409 (text/plain) same size but a different root; 422
// consistency proof does not verify.
//
// State (one SQLite database, WAL, synchronous=FULL): per origin the latest cosigned size,
// root and cosigned checkpoint. Each request's check-and-update is one IMMEDIATE
// transaction committed before the response is sent, so an acknowledged cosignature
// survives a crash and two concurrent requests can never both advance from the same size.
//
// Thread-safety: Witness and WitnessServer are safe to call from many threads.
#ifndef FACETRAIL_WITNESS_H_
#define FACETRAIL_WITNESS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facetrail/clock.h"
#include "facetrail/merkle.h"
#include "facetrail/note.h"
#include "facetrail/status.h"

namespace facetrail::witness {

inline constexpr size_t kMaxProofLines = 63;
inline constexpr size_t kMaxRequestBytes = 64 * 1024;
inline constexpr std::string_view kSizeContentType = "text/x.tlog.size";

struct AddCheckpointRequest {
  uint64_t old_size = 0;
  std::vector<merkle::Hash> proof;
  std::string checkpoint;  // the signed checkpoint note, verbatim
};

// Pure and bounded (fuzzed): kInvalidArgument on any malformed input, kResourceExhausted
// past kMaxRequestBytes or kMaxProofLines. Does not look inside the checkpoint note.
StatusOr<AddCheckpointRequest> ParseAddCheckpointRequest(std::string_view body);
std::string FormatAddCheckpointRequest(const AddCheckpointRequest& req);

struct Response {
  int status = 500;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct WitnessOptions {
  std::string db_path;                  // SQLite database (created if missing)
  std::vector<std::string> log_keys;    // trusted log vkeys; a key's name is the log origin
  const note::Ed25519Signer* key = nullptr;  // the witness's own key; not owned, must outlive
  const Clock* clock = nullptr;         // cosignature timestamps; Clock::Real() if null
};

// The protocol logic, without HTTP (the server and tests call it directly).
class Witness {
 public:
  virtual ~Witness() = default;
  // Opens (creating if needed) the state database. kInvalidArgument for bad log keys or a
  // missing witness key; kIOError if the database cannot be opened.
  static StatusOr<std::unique_ptr<Witness>> Open(const WitnessOptions& options);

  // Handles one add-checkpoint request body; never throws, always returns a response.
  virtual Response AddCheckpoint(std::string_view body) = 0;

  // The latest cosigned (size, root) for `origin`, or nullopt if none yet.
  struct LogState {
    uint64_t size = 0;
    merkle::Hash root{};
    std::string checkpoint;  // the latest cosigned checkpoint note, with our cosignature
  };
  virtual StatusOr<std::optional<LogState>> State(std::string_view origin) = 0;

  // The witness's verifier key (vkey string; cosignatures use its 0x04 key ID).
  virtual std::string VerifierKey() const = 0;
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                 // 0: any free port (see WitnessServer::port())
  std::string prefix;           // URL path prefix, e.g. "" or "/witness"
  int read_timeout_s = 5;
  int write_timeout_s = 5;
  int keep_alive_max_count = 100;
  int keep_alive_timeout_s = 5;
};

// HTTP front end for a Witness (cpp-httplib, one thread pool).
class WitnessServer {
 public:
  virtual ~WitnessServer() = default;
  // Binds and starts serving in a background thread. `witness` must outlive the server.
  static StatusOr<std::unique_ptr<WitnessServer>> Start(Witness* witness,
                                                        const ServerOptions& options);
  virtual int port() const = 0;
  // Stops accepting and joins the serving thread (also done by the destructor).
  virtual void Stop() = 0;
};

}  // namespace facetrail::witness

#endif  // FACETRAIL_WITNESS_H_
