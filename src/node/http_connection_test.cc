// CoalescingServer over real loopback sockets: the httplib behaviour it must keep
// (keep-alive limits, pipelining, 100 Continue, timeouts, large bodies, addresses, stop).
#include "node/http_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

namespace facetrail::node {
namespace {

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.set_keep_alive_max_count(3);
    server_.set_keep_alive_timeout(30);
    server_.set_read_timeout(1, 0);
    server_.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("hello", "text/plain");
    });
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/octet-stream");
    });
    server_.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      std::string body(3 << 20, '\0');
      for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 23);
      res.set_content(body, "application/octet-stream");
    });
    server_.Get("/whoami", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.remote_addr + " " + std::to_string(req.remote_port) + " " +
                          req.local_addr + " " + std::to_string(req.local_port),
                      "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_TRUE(server_.is_running());
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int Connect() {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    return s;
  }
  static void Send(int s, const std::string& bytes) {
    ASSERT_EQ(::send(s, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }
  // Reads until `stop` appears `count` times, the peer closes, or 10 s pass.
  static std::string ReadUntil(int s, const std::string& stop, int count = 1) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int seen = 0;
      for (size_t at = got.find(stop); at != std::string::npos; at = got.find(stop, at + 1)) ++seen;
      if (seen >= count) break;
      pollfd p{s, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[65536];
      ssize_t n = ::recv(s, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
  // True when the server closed the connection within 10 s.
  static bool ClosedByPeer(int s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{s, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      ssize_t n = ::recv(s, buf, sizeof(buf), 0);
      if (n <= 0) return true;
    }
    return false;
  }

  CoalescingServer server_;
  int port_ = 0;
  std::thread thread_;
};

const std::string kGet = "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n";

TEST_F(ServerFixture, KeepAliveUpToTheMaxCountThenClose) {
  int s = Connect();
  for (int i = 0; i < 2; ++i) {
    Send(s, kGet);
    std::string r = ReadUntil(s, "hello");
    EXPECT_NE(r.find("HTTP/1.1 200 OK"), std::string::npos) << r;
    EXPECT_NE(r.find("Keep-Alive"), std::string::npos) << r;
  }
  Send(s, kGet);  // the third of keep_alive_max_count = 3
  std::string last = ReadUntil(s, "hello");
  EXPECT_NE(last.find("Connection: close"), std::string::npos) << last;
  EXPECT_TRUE(ClosedByPeer(s));
  ::close(s);
}

TEST_F(ServerFixture, PipelinedRequestsInOneSendAreAnsweredInOrder) {
  int s = Connect();
  const std::string body = "0123456789";
  Send(s, kGet + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n" + body);
  std::string r = ReadUntil(s, body);
  const size_t hello = r.find("hello"), echo = r.find(body);
  ASSERT_NE(hello, std::string::npos) << r;
  ASSERT_NE(echo, std::string::npos) << r;
  EXPECT_LT(hello, echo);
  ::close(s);
}

TEST_F(ServerFixture, ExpectContinueIsAnsweredBeforeTheBodyIsSent) {
  int s = Connect();
  Send(s, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
  // The server must send 100 Continue while it waits for the body: a buffered one would
  // sit there until the read timeout and fail the request.
  std::string interim = ReadUntil(s, "\r\n\r\n");
  EXPECT_NE(interim.find("100 Continue"), std::string::npos) << interim;
  Send(s, "abcde");
  std::string r = ReadUntil(s, "abcde");
  EXPECT_NE(r.find("200 OK"), std::string::npos) << r;
  ::close(s);
}

TEST_F(ServerFixture, LargeResponseArrivesWhole) {
  httplib::Client c("127.0.0.1", port_);
  auto r = c.Get("/big");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  ASSERT_EQ(r->body.size(), size_t{3} << 20);
  for (size_t i = 0; i < r->body.size(); i += 4099) {
    ASSERT_EQ(r->body[i], static_cast<char>('a' + i % 23)) << i;
  }
}

TEST_F(ServerFixture, LargeRequestBodyIsReadWhole) {
  httplib::Client c("127.0.0.1", port_);
  std::string body(1 << 20, 'x');
  for (size_t i = 0; i < body.size(); i += 7) body[i] = static_cast<char>(i % 251);
  auto r = c.Post("/echo", body, "application/octet-stream");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(r->body == body);
}

TEST_F(ServerFixture, HandlersSeeBothEndsOfTheConnection) {
  int s = Connect();
  sockaddr_in me{};
  socklen_t n = sizeof(me);
  ASSERT_EQ(::getsockname(s, reinterpret_cast<sockaddr*>(&me), &n), 0);
  Send(s, "GET /whoami HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string r = ReadUntil(s, " " + std::to_string(port_));
  EXPECT_NE(r.find("127.0.0.1 " + std::to_string(ntohs(me.sin_port)) + " 127.0.0.1 " +
                   std::to_string(port_)),
            std::string::npos)
      << r;
  ::close(s);
}

TEST_F(ServerFixture, AStalledRequestGets400AndTheConnectionClosesAfterTheReadTimeout) {
  int s = Connect();
  Send(s, "GET /hello HTTP/1.1\r\nHo");  // and nothing more
  std::string r = ReadUntil(s, "\r\n\r\n");  // after the read timeout (1 s)
  EXPECT_NE(r.find("400 Bad Request"), std::string::npos) << r;
  EXPECT_TRUE(ClosedByPeer(s));
  ::close(s);
}

TEST_F(ServerFixture, StopDoesNotWaitOutAnIdleKeepAliveConnection) {
  int s = Connect();
  Send(s, kGet);
  ASSERT_NE(ReadUntil(s, "hello").find("200 OK"), std::string::npos);
  // The connection now idles in keep-alive (timeout 30 s). stop() must still end the
  // worker: the join in TearDown would otherwise take the full 30 s; 10 s is the bound.
  const auto t0 = std::chrono::steady_clock::now();
  server_.stop();
  thread_.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  EXPECT_TRUE(ClosedByPeer(s));
  ::close(s);
}

TEST_F(ServerFixture, AClientThatVanishesMidResponseDoesNotStopTheServer) {
  for (int i = 0; i < 3; ++i) {
    int s = Connect();
    Send(s, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
    ReadUntil(s, "HTTP/1.1 200");
    ::close(s);  // 3 MiB still to come
  }
  httplib::Client c("127.0.0.1", port_);
  auto r = c.Get("/hello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "hello");
}

}  // namespace
}  // namespace facetrail::node
