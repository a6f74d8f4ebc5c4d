// CoalescingServer: an httplib::Server (0.11) whose connections send each response with one
// send() and read requests with as few syscalls as the bytes allow.
//
// Why: httplib's own connection loop writes a response's headers and body with separate
// send()s, each after two poll()s, and reads a request 4 KiB at a time, each read after a
// poll(). On loopback every send() also runs the receiver's TCP input and wake-up inline,
// so on this VM one reply cost ~0.26 ms between the handler returning and the last byte
// leaving (docs/benchmarks.md, "Node API"). Here a response is buffered and sent once when
// the request is done; reads take whatever the socket holds (up to 64 KiB) and only poll
// when it holds nothing.
//
// Behaviour kept from httplib: keep-alive up to keep_alive_max_count requests, the
// keep-alive, read and write timeouts, "100 Continue" (buffered output is always sent
// before a read waits on the peer), pipelined requests, and a prompt stop(): an idle
// keep-alive connection notices the server stopping within 100 ms. One change: after a read
// times out or fails, the connection is closed (httplib answered 400 and kept reading it).
//
// Thread-safety: as httplib::Server; each connection's stream is used by one worker.
#ifndef FACETRAIL_NODE_HTTP_CONNECTION_H_
#define FACETRAIL_NODE_HTTP_CONNECTION_H_

#include <chrono>
#include <functional>

#include <httplib.h>

namespace facetrail::node {

class CoalescingServer : public httplib::Server {
 public:
  using Duration = std::chrono::steady_clock::duration;
  // Called on the worker thread after each response is sent, with the time from the
  // request's first bytes being read to its response's last byte going to the kernel: the
  // node's whole part in the exchange. Set before listening.
  void set_exchange_observer(std::function<void(Duration)> observer) { observer_ = std::move(observer); }

 private:
  std::function<void(Duration)> observer_;

  // httplib calls this (virtual) on a worker thread for each accepted connection.
  bool process_and_close_socket(socket_t sock) override;
};

}  // namespace facetrail::node

#endif  // FACETRAIL_NODE_HTTP_CONNECTION_H_
