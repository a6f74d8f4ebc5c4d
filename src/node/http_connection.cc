#include "node/http_connection.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

namespace facetrail::node {
namespace {

constexpr size_t kReadBuffer = 64 * 1024;
// Output past this is sent at once rather than copied (static files, exports, tiles).
constexpr size_t kDirectWrite = 64 * 1024;
constexpr int kStopCheckMillis = 100;

int Millis(time_t sec, time_t usec) {
  const long long ms = static_cast<long long>(sec) * 1000 + usec / 1000;
  return ms > 0x7fffffff ? 0x7fffffff : static_cast<int>(ms);
}

using SteadyClock = std::chrono::steady_clock;

// Milliseconds from now until `deadline` (<= 0 once it has passed).
long long MillisUntil(SteadyClock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
}

// poll() for `events` up to `ms`; true when ready (or the peer hung up: the next read or
// send reports it).
bool WaitFor(int sock, short events, int ms) {
  pollfd p{sock, events, 0};
  while (true) {
    const int r = ::poll(&p, 1, ms);
    if (r >= 0) return r > 0;
    if (errno != EINTR) return false;
  }
}

void AddressOf(const sockaddr_storage& addr, socklen_t len, std::string* ip, int* port) {
  char host[NI_MAXHOST] = {};
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof(host), nullptr, 0,
                    NI_NUMERICHOST) == 0) {
    *ip = host;
  }
  if (addr.ss_family == AF_INET) {
    *port = ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    *port = ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  }
}

class BufferedSocketStream final : public httplib::Stream {
 public:
  BufferedSocketStream(int sock, int read_timeout_ms, int write_timeout_ms)
      : sock_(sock), read_ms_(read_timeout_ms), write_ms_(write_timeout_ms), in_(kReadBuffer) {
    // Once per connection, not per request as httplib does.
    sockaddr_storage a{};
    socklen_t n = sizeof(a);
    if (::getpeername(sock_, reinterpret_cast<sockaddr*>(&a), &n) == 0) AddressOf(a, n, &remote_ip_, &remote_port_);
    n = sizeof(a);
    if (::getsockname(sock_, reinterpret_cast<sockaddr*>(&a), &n) == 0) AddressOf(a, n, &local_ip_, &local_port_);
  }

  bool is_readable() const override { return in_off_ < in_len_ || WaitFor(sock_, POLLIN, read_ms_); }
  bool is_writable() const override { return !failed_; }

  ssize_t read(char* ptr, size_t size) override {
    if (in_off_ == in_len_) {
      // Whatever we owe the peer goes before we wait on it ("100 Continue").
      if (!Flush() || !Fill(read_ms_)) {
        read_failed_ = true;
        return -1;
      }
      if (in_len_ == 0) return 0;  // orderly close
    }
    const size_t n = std::min(size, in_len_ - in_off_);
    std::memcpy(ptr, in_.data() + in_off_, n);
    in_off_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (failed_) return -1;
    if (size >= kDirectWrite) {
      if (!Flush() || !SendAll(ptr, size)) return -1;
    } else {
      out_.append(ptr, size);
      if (out_.size() >= kDirectWrite && !Flush()) return -1;
    }
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return sock_; }

  // A read timed out or failed: the request in progress is lost, and what follows on the
  // connection cannot be told apart from it.
  bool read_failed() const { return read_failed_; }

  // Sends what is buffered; false (and every later write fails) on error or write timeout.
  bool Flush() {
    if (out_.empty()) return !failed_;
    const bool ok = SendAll(out_.data(), out_.size());
    out_.clear();
    return ok;
  }

  // Waits for the next request's first byte for up to `timeout_ms`, giving up as soon as
  // `stopping()` holds. True when there is something to read (or the peer closed).
  template <typename Stopping>
  bool WaitForRequest(int timeout_ms, Stopping stopping) {
    if (in_off_ < in_len_) return !stopping();
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
    while (!stopping()) {
      const long long left = MillisUntil(deadline);
      if (left <= 0) return false;
      if (WaitFor(sock_, POLLIN, static_cast<int>(std::min<long long>(left, kStopCheckMillis)))) {
        return !stopping();
      }
    }
    return false;
  }

 private:
  // Reads what the socket has (at least one byte, or 0 at EOF) into the empty buffer,
  // waiting up to `timeout_ms` for it. False on error or timeout.
  bool Fill(int timeout_ms) {
    in_off_ = in_len_ = 0;
    const auto deadline = SteadyClock::now() + std::chrono::milliseconds(timeout_ms);
    while (true) {
      const ssize_t n = ::recv(sock_, in_.data(), in_.size(), MSG_DONTWAIT);
      if (n >= 0) {
        in_len_ = static_cast<size_t>(n);
        return true;
      }
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) return false;
      const long long left = MillisUntil(deadline);
      if (left <= 0 || !WaitFor(sock_, POLLIN, static_cast<int>(left))) return false;
    }
  }

  bool SendAll(const char* p, size_t size) {
    while (size > 0 && !failed_) {
      const ssize_t n = ::send(sock_, p, size, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        p += n;
        size -= static_cast<size_t>(n);
      } else if (n < 0 && errno == EINTR) {
        continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        // The peer is not reading: wait the write timeout for room, as httplib does.
        if (!WaitFor(sock_, POLLOUT, write_ms_)) failed_ = true;
      } else {
        failed_ = true;
      }
    }
    return !failed_;
  }

  const int sock_;
  const int read_ms_;
  const int write_ms_;
  std::vector<char> in_;
  size_t in_off_ = 0;
  size_t in_len_ = 0;
  std::string out_;
  bool failed_ = false;
  bool read_failed_ = false;
  std::string remote_ip_, local_ip_;
  int remote_port_ = 0, local_port_ = 0;
};

}  // namespace

bool CoalescingServer::process_and_close_socket(socket_t sock) {
  bool ret = false;
  {
    BufferedSocketStream strm(sock, Millis(read_timeout_sec_, read_timeout_usec_),
                              Millis(write_timeout_sec_, write_timeout_usec_));
    auto stopping = [this] { return svr_sock_ == INVALID_SOCKET; };
    for (size_t left = keep_alive_max_count_; left > 0; --left) {
      if (!strm.WaitForRequest(Millis(keep_alive_timeout_sec_, 0), stopping)) break;
      const auto t0 = SteadyClock::now();
      bool connection_closed = false;
      ret = process_request(strm, left == 1, connection_closed, nullptr);
      // The one send() of this response (and of anything a handler left buffered).
      if (!strm.Flush()) ret = false;
      if (observer_) observer_(SteadyClock::now() - t0);
      // httplib answers a request whose headers never finished with 400 and would then
      // keep reading the same connection; the rest of that request would parse as a new one.
      if (!ret || connection_closed || strm.read_failed()) break;
    }
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

}  // namespace facetrail::node
