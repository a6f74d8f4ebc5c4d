// The oversight hub: the authority's service that makes a federation of agency nodes
// auditable and reversible (docs/hub.md).
//
//  - Agency registry: id, name, jurisdiction, the node's log key (its name is the log's
//    origin), node key, contact; enrolment by the admin token or a one-time enrolment
//    token; suspension and reinstatement.
//  - Releases and revocation lists (release.h): accepted only when signed by the authority
//    key; revocation lists only in increasing sequence.
//  - Witness for every registered agency log (the C2SP tlog-witness of witness.h, its state
//    in DIR/witness.db): every checkpoint seen is recorded; a checkpoint validly signed by a
//    registered log key that contradicts what the hub saw or cosigned (same size, another
//    root; no consistency proof; a smaller tree) raises an alert that keeps both signed
//    notes as evidence. A log that does not advance within `stale_after_s` raises an alert.
//  - Reports: nodes post their /v1/report JSON and the disclosure they run.
//  - Transparency portal: GET / (web/portal) and its JSON, GET /hub/v1/portal.
//
// The hub verifies releases and revocations with the authority's *verifier* key only; the
// authority signs offline (`facetrail hub release sign`, `facetrail hub revoke`), so a
// compromised hub cannot issue a release.
//
// Thread-safety: HubServer serves requests from a bounded thread pool (HubOptions); all
// state is in SQLite behind one mutex (witness requests included, so detecting a split view
// and cosigning are one decision); the polled revocation list and latest release are served
// from an immutable snapshot without that mutex.
#ifndef FACETRAIL_HUB_H_
#define FACETRAIL_HUB_H_

#include <cstdint>
#include <memory>
#include <string>

#include "facetrail/clock.h"
#include "facetrail/status.h"

namespace facetrail::hub {

struct HubOptions {
  std::string data_dir;            // hub.db, witness.db, witness.key (created if missing)
  std::string authority_vkey;      // the authority's verifier key (vkey string)
  std::string witness_key_name = "facetrail-hub-witness";  // name of a newly created witness key
  std::string portal_dir;          // static portal files; the source tree's web/portal if empty
  const Clock* clock = nullptr;    // not owned; Clock::Real() if null
  int64_t stale_after_s = 3600;    // a log not advancing for this long raises an alert
  std::string host = "127.0.0.1";
  int port = 0;                    // 0: any free port
  size_t max_body_bytes = 1 << 20; // reports, bundles, registrations (witness requests: 64 KiB)

  // HTTP resource limits (docs/hub.md "Capacity"). cpp-httplib serves a connection on one
  // worker thread for its whole keep-alive life, idle waits included, so: a capped pool, a
  // short keep-alive idle timeout (a node polling every few seconds or more reconnects, and
  // an idle connection frees its worker after at most keep_alive_timeout_s), and a bounded
  // queue of accepted connections waiting for a worker (beyond it the listener stops
  // accepting and clients wait in the kernel's accept backlog, not in hub memory).
  int worker_threads = 64;            // 1..1024
  int max_queued_connections = 1024;  // 1..65536
  int keep_alive_timeout_s = 1;       // 1..300; a client must also send its first request within it
  int keep_alive_max_count = 100;     // requests per connection, 1..100000
  int read_timeout_s = 5;             // per socket read, 1..300
  int write_timeout_s = 5;            // per socket write, 1..300
};

class HubServer {
 public:
  virtual ~HubServer() = default;
  // Opens the state under data_dir and starts serving in background threads.
  // kInvalidArgument for a bad authority key; kIOError when state or port cannot be opened.
  static StatusOr<std::unique_ptr<HubServer>> Start(const HubOptions& options);
  virtual int port() const = 0;
  // The admin token, only on the start that created the state (empty afterwards: only its
  // hash is stored). The caller shows it once to the operator.
  virtual const std::string& initial_admin_token() const = 0;
  // The hub witness's verifier key (nodes list it as a witness).
  virtual std::string witness_vkey() const = 0;
  // Worker threads started for HTTP requests (HubOptions::worker_threads).
  virtual int worker_threads() const = 0;
  virtual void Stop() = 0;
};

}  // namespace facetrail::hub

#endif  // FACETRAIL_HUB_H_
