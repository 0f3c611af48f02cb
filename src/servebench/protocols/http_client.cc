// Copyright servebench authors.

// http_client.h includes <utility> before any Asio header: Boost 1.74's Asio uses
// std::exchange without including it.
#include "servebench/protocols/http_client.h"

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <chrono>

#include "servebench/core/url.h"
#include "servebench/protocols/grpc_client.h"

namespace servebench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// One exchange on one connection. Every step is asynchronous so that a single deadline timer
// bounds the whole of it (resolve, connect, write, read), which socket options cannot do.
class Exchange {
 public:
  Exchange(asio::io_context* io, const Url& url, http::request<http::string_body>* request,
           std::chrono::steady_clock::time_point deadline)
      : url_(url),
        request_(request),
        resolver_(*io),
        stream_(*io),
        timer_(*io),
        deadline_(deadline) {}

  void Start() {
    timer_.expires_at(deadline_);
    timer_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;  // cancelled: the exchange finished first
      timed_out_ = true;
      resolver_.cancel();
      stream_.cancel();
    });
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port),
        [this](boost::system::error_code ec, tcp::resolver::results_type r) { OnResolve(ec, r); });
  }

  bool ok() const { return ok_; }
  const std::string& error() const { return error_; }
  http::response<http::string_body>& response() { return parser_.get(); }

 private:
  void OnResolve(boost::system::error_code ec, const tcp::resolver::results_type& results) {
    if (ec) return Fail("resolve", ec);
    stream_.expires_at(deadline_);
    stream_.async_connect(results, [this](boost::system::error_code ec, const tcp::endpoint&) {
      if (ec) return Fail("connect", ec);
      stream_.socket().set_option(tcp::no_delay(true), ec);
      http::async_write(stream_, *request_, [this](boost::system::error_code ec, size_t) {
        if (ec) return Fail("write", ec);
        // Control-plane replies (metrics pages, model metadata) can be large; allow 64 MiB.
        parser_.body_limit(64 * 1024 * 1024);
        http::async_read(stream_, buffer_, parser_, [this](boost::system::error_code ec, size_t) {
          if (ec) return Fail("read", ec);
          ok_ = true;
          Finish();
        });
      });
    });
  }

  void Fail(const char* step, boost::system::error_code ec) {
    if (timed_out_ || ec == beast::error::timeout) {
      error_ = "timed out (" + std::string(step) + ")";
    } else {
      error_ = std::string(step) + ": " + ec.message();
    }
    Finish();
  }

  void Finish() {
    timer_.cancel();
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  Url url_;
  http::request<http::string_body>* request_;
  tcp::resolver resolver_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  std::chrono::steady_clock::time_point deadline_;
  beast::flat_buffer buffer_;
  http::response_parser<http::string_body> parser_;
  bool timed_out_ = false;
  bool ok_ = false;
  std::string error_;
};

}  // namespace

bool HttpFetch(const std::string& method, const std::string& url,
               const std::vector<std::pair<std::string, std::string>>& headers,
               const std::string& body, int64_t timeout_ns, HttpReply* reply, std::string* error) {
  Url parsed;
  if (!ParseUrl(url, &parsed, error)) return false;
  if (parsed.scheme == "grpc") return GrpcFetch(parsed, headers, body, timeout_ns, reply, error);
  http::request<http::string_body> request;
  const http::verb verb = http::string_to_verb(method);
  if (verb == http::verb::unknown) {
    *error = "unknown HTTP method '" + method + "'";
    return false;
  }
  request.method(verb);
  request.target(parsed.target);
  request.version(11);
  request.set(http::field::host, parsed.host_header);
  request.set(http::field::user_agent, "servebench");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.keep_alive(false);
  request.body() = body;
  // Content-Length as the method needs it (Beast sends "0" for an empty POST, which some
  // servers otherwise wait on for a body).
  request.prepare_payload();

  asio::io_context io;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::nanoseconds(std::max<int64_t>(timeout_ns, 0));
  Exchange exchange(&io, parsed, &request, deadline);
  exchange.Start();
  io.run();
  if (!exchange.ok()) {
    *error = method + " " + url + ": " + exchange.error();
    return false;
  }
  reply->status = static_cast<int>(exchange.response().result_int());
  reply->body = std::move(exchange.response().body());
  return true;
}

bool HttpGetDocument(const std::string& url, int64_t timeout_ns, std::string* body,
                     std::string* origin, std::string* error) {
  *origin = "GET " + url;
  HttpReply reply;
  if (!HttpFetch("GET", url, {}, "", timeout_ns, &reply, error)) return false;
  if (reply.status != 200) {
    *error = *origin + ": HTTP " + std::to_string(reply.status) + ": " + reply.body;
    return false;
  }
  *body = std::move(reply.body);
  return true;
}

}  // namespace servebench
