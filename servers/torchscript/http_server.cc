#include "http_server.h"

#include <sys/socket.h>

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <cstdio>
#include <mutex>
#include <unordered_set>

namespace servebench::ts {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

// Sockets bound to the io_context's own executor type: the default type-erased executor costs
// an allocation and indirect calls on every operation, which showed in profiles at 30k req/s.
using Socket = net::basic_stream_socket<tcp, net::io_context::executor_type>;

// The idle sweep runs once a second on an I/O thread; sessions stamp the sweep's tick when they
// start waiting, which costs two relaxed stores per request instead of a timer per request.
struct SessionRegistry {
  std::mutex mu;
  // Registered sessions' sockets are open: a session leaves under `mu` before it closes its
  // socket, so the sweep never shuts down a descriptor number that was reused.
  std::unordered_set<HttpSession*> open;
  std::atomic<uint32_t> tick{0};
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  static constexpr size_t kReadBufferBytes = 16 * 1024;

  HttpSession(Socket socket, HttpServer* server)
      : socket_(std::move(socket)), server_(server), registry_(server->sessions_) {}

  ~HttpSession() { Leave(); }

  void Start() {
    fd_ = socket_.native_handle();
    {
      std::lock_guard<std::mutex> lock(registry_->mu);
      registry_->open.insert(this);
    }
    // Beast reads max(512, free capacity) bytes at a time, and a string_body parser moves the
    // body out of the buffer as it goes, so an unreserved buffer stays small: a 1.5 KB JSON
    // request took three recv calls. With room reserved, one call takes the whole request.
    buffer_.reserve(kReadBufferBytes);
    Read();
  }

  // Called by the sweep with the registry locked: shuts the socket down if this session has
  // been waiting for more than `limit` ticks (seconds), so it goes between `limit` and
  // `limit` + 1 seconds after its last request or response. The pending read or write then
  // fails and the session closes itself on its own thread; no Asio object is touched here. A
  // request that arrives in the same instant is lost with the connection, as with any idle
  // timeout; clients reconnect.
  void ShutdownIfIdle(uint32_t now, uint32_t limit) {
    if (in_handler_.load(std::memory_order_relaxed)) return;
    if (now - waiting_since_.load(std::memory_order_relaxed) <= limit) return;
    ::shutdown(fd_, SHUT_RDWR);
  }

  void Send(HttpResponse response) {
    // A session has one operation outstanding at a time (read, then handler, then write), so
    // the answer from another thread only needs to be handed to the I/O threads, not a strand.
    net::post(socket_.get_executor(),
              [self = shared_from_this(), r = std::move(response)]() mutable {
                self->Write(std::move(r));
              });
  }

 private:
  void Wait() {
    waiting_since_.store(registry_->tick.load(std::memory_order_relaxed),
                         std::memory_order_relaxed);
    in_handler_.store(false, std::memory_order_relaxed);
  }

  void Leave() {
    std::lock_guard<std::mutex> lock(registry_->mu);
    registry_->open.erase(this);
  }

  void Read() {
    Wait();
    parser_.emplace();
    parser_->body_limit(server_->body_limit_);
    parser_->header_limit(64 * 1024);
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](boost::beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(boost::beast::error_code ec) {
    if (ec) {
      if (ec == http::error::body_limit) {
        // Refused from the Content-Length header alone; the body is never read.
        keep_alive_ = false;
        ++server_->in_flight_;
        Write({413, "{\"error\":\"request body exceeds the limit of " +
                        std::to_string(server_->body_limit_) + " bytes\"}"});
      } else if (ec != http::error::end_of_stream && ec != net::error::eof &&
                 ec != net::error::connection_reset && ec != net::error::operation_aborted &&
                 ec != http::error::partial_message) {
        keep_alive_ = false;
        ++server_->in_flight_;
        Write({400, "{\"error\":\"malformed HTTP request: " + ec.message() + "\"}"});
      } else {
        Close();
      }
      return;
    }
    in_handler_.store(true, std::memory_order_relaxed);
    request_ = parser_->release();
    keep_alive_ = request_.keep_alive();
    http10_ = request_.version() == 10;
    ++server_->in_flight_;
    server_->handler_->Handle(request_, HttpResponder(shared_from_this()));
  }

  // The response head is written by hand: Beast's serializer was a visible share of the cost
  // of a small JSON answer, and these responses need nothing it offers.
  void Write(HttpResponse r) {
    Wait();
    head_.clear();
    head_ += "HTTP/1.1 ";
    head_ += std::to_string(r.status);
    head_ += ' ';
    boost::beast::string_view reason = http::obsolete_reason(http::int_to_status(r.status));
    head_.append(reason.data(), reason.size());
    head_ += "\r\nContent-Type: ";
    head_ += r.content_type;
    head_ += "\r\nContent-Length: ";
    head_ += std::to_string(r.body.size());
    if (r.inference_header_length) {
      head_ += "\r\nInference-Header-Content-Length: ";
      head_ += std::to_string(*r.inference_header_length);
    }
    if (!keep_alive_) {
      head_ += "\r\nConnection: close";
    } else if (http10_) {
      head_ += "\r\nConnection: keep-alive";
    }
    head_ += "\r\n\r\n";
    body_ = std::move(r.body);
    std::array<net::const_buffer, 2> buffers = {net::buffer(head_), net::buffer(body_)};
    net::async_write(socket_, buffers,
                     [self = shared_from_this()](boost::beast::error_code ec, size_t) {
                       --self->server_->in_flight_;
                       if (ec || !self->keep_alive_) {
                         self->Close();
                         return;
                       }
                       self->Read();
                     });
  }

  void Close() {
    Leave();
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  Socket socket_;
  HttpServer* server_;
  std::shared_ptr<SessionRegistry> registry_;
  int fd_ = -1;
  std::atomic<uint32_t> waiting_since_{0};
  std::atomic<bool> in_handler_{false};
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpRequest request_;
  std::string head_;
  std::string body_;
  bool keep_alive_ = true;
  bool http10_ = false;
};

void HttpResponder::operator()(HttpResponse response) const { session_->Send(std::move(response)); }

Status ParseAddress(const std::string& text, net::ip::address* address) {
  boost::system::error_code ec;
  *address = net::ip::make_address(text, ec);
  if (ec) return Status::InvalidArgument("'" + text + "' is not an IP address");
  return Status::Ok();
}

HttpServer::HttpServer(net::io_context& io, const std::string& address, uint16_t port,
                       HttpHandler* handler, size_t body_limit, int idle_timeout_secs,
                       Status* status)
    : acceptor_(io),
      handler_(handler),
      body_limit_(body_limit),
      idle_timeout_secs_(idle_timeout_secs),
      sessions_(std::make_shared<SessionRegistry>()),
      sweep_timer_(io),
      accept_retry_timer_(io) {
  net::ip::address addr;
  if (*status = ParseAddress(address, &addr); !status->ok()) return;
  boost::system::error_code ec;
  tcp::endpoint endpoint(addr, port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    *status = Status::Unavailable("cannot listen on " + address + ":" + std::to_string(port) +
                                  ": " + ec.message());
    return;
  }
  port_ = acceptor_.local_endpoint().port();
}

HttpServer::~HttpServer() = default;

void HttpServer::Start() {
  Accept();
  if (idle_timeout_secs_ > 0) Sweep();
}

void HttpServer::StopAccepting() {
  net::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_retry_timer_.cancel();
  });
}

void HttpServer::Sweep() {
  sweep_timer_.expires_after(std::chrono::seconds(1));
  sweep_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    uint32_t now = sessions_->tick.fetch_add(1, std::memory_order_relaxed) + 1;
    {
      std::lock_guard<std::mutex> lock(sessions_->mu);
      for (HttpSession* s : sessions_->open) {
        s->ShutdownIfIdle(now, static_cast<uint32_t>(idle_timeout_secs_));
      }
    }
    Sweep();
  });
}

void HttpServer::Accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, Socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors (or memory): accepting again at once would fail again at once and
      // spin a core. Wait for connections to close, and say so at most every 10 s.
      auto now = std::chrono::steady_clock::now();
      if (now - last_accept_error_log_ >= std::chrono::seconds(10)) {
        last_accept_error_log_ = now;
        std::fprintf(stderr, "warning: accept on port %u: %s; retrying every 50 ms\n",
                     static_cast<unsigned>(port_), ec.message().c_str());
      }
      accept_retry_timer_.expires_after(std::chrono::milliseconds(50));
      accept_retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open()) Accept();
      });
      return;
    }
    boost::system::error_code ignored;
    // Small request/response exchanges: Nagle's delay would dominate the latency.
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<HttpSession>(std::move(socket), this)->Start();
    Accept();
  });
}

}  // namespace servebench::ts
