// A small HTTP/1.1 server on Boost.Beast: keep-alive connections, a body limit enforced from
// the Content-Length header (413 without reading the body), and handlers that answer later,
// from any thread, so that inference never blocks an I/O thread.
#ifndef SERVEBENCH_SERVERS_TORCHSCRIPT_HTTP_SERVER_H_
#define SERVEBENCH_SERVERS_TORCHSCRIPT_HTTP_SERVER_H_

#include <atomic>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "status.h"

namespace servebench::ts {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

struct HttpResponse {
  HttpResponse() = default;
  HttpResponse(unsigned s, std::string b, std::string_view type = "application/json")
      : status(s), body(std::move(b)), content_type(type) {}

  unsigned status = 200;
  std::string body;
  // A string literal: a view, because "application/json" is one byte over std::string's inline
  // capacity and would cost an allocation per response.
  std::string_view content_type = "application/json";
  // Sent as Inference-Header-Content-Length when binary tensor data follows the JSON.
  std::optional<size_t> inference_header_length;
};

// Beast (Boost 1.74) hands out boost::string_view; the rest of the server speaks std.
inline std::string_view StdView(boost::beast::string_view v) { return {v.data(), v.size()}; }

class HttpSession;

// Answers one request. Copyable; exactly one copy must be called, once, from any thread.
class HttpResponder {
 public:
  explicit HttpResponder(std::shared_ptr<HttpSession> session) : session_(std::move(session)) {}
  void operator()(HttpResponse response) const;

 private:
  std::shared_ptr<HttpSession> session_;
};

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  virtual void Handle(HttpRequest& request, HttpResponder respond) = 0;
};

// The open connections, for the idle sweep. Shared with the sessions so that a session destroyed
// after the server (pending handlers die with the io_context) still has a registry to leave.
struct SessionRegistry;

class HttpServer {
 public:
  // Binds at once (port 0: an ephemeral port); fails with the reason in *status. A connection
  // idle for `idle_timeout_secs` (waiting for a request, or for the client to take a response;
  // never while its request runs) is closed; 0 disables that.
  HttpServer(boost::asio::io_context& io, const std::string& address, uint16_t port,
             HttpHandler* handler, size_t body_limit, int idle_timeout_secs, Status* status);
  ~HttpServer();

  uint16_t port() const { return port_; }
  void Start();
  void StopAccepting();
  // Requests received and not yet answered.
  int64_t in_flight() const { return in_flight_.load(); }

 private:
  friend class HttpSession;
  void Accept();
  void Sweep();

  boost::asio::basic_socket_acceptor<boost::asio::ip::tcp, boost::asio::io_context::executor_type>
      acceptor_;
  HttpHandler* handler_;
  size_t body_limit_;
  int idle_timeout_secs_;
  uint16_t port_ = 0;
  std::atomic<int64_t> in_flight_{0};
  std::shared_ptr<SessionRegistry> sessions_;
  boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                    boost::asio::wait_traits<std::chrono::steady_clock>,
                                    boost::asio::io_context::executor_type>
      sweep_timer_, accept_retry_timer_;
  std::chrono::steady_clock::time_point last_accept_error_log_{};
};

Status ParseAddress(const std::string& text, boost::asio::ip::address* address);

}  // namespace servebench::ts

#endif  // SERVEBENCH_SERVERS_TORCHSCRIPT_HTTP_SERVER_H_
