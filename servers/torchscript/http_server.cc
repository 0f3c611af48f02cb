#include "http_server.h"

#include <array>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>

namespace servebench::ts {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

// Sockets bound to the io_context's own executor type: the default type-erased executor costs
// an allocation and indirect calls on every operation, which showed in profiles at 30k req/s.
using Socket = net::basic_stream_socket<tcp, net::io_context::executor_type>;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  static constexpr size_t kReadBufferBytes = 16 * 1024;

  HttpSession(Socket socket, HttpServer* server) : socket_(std::move(socket)), server_(server) {}

  void Start() {
    // Beast reads max(512, free capacity) bytes at a time, and a string_body parser moves the
    // body out of the buffer as it goes, so an unreserved buffer stays small: a 1.5 KB JSON
    // request took three recv calls. With room reserved, one call takes the whole request.
    buffer_.reserve(kReadBufferBytes);
    Read();
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
  void Read() {
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
    request_ = parser_->release();
    keep_alive_ = request_.keep_alive();
    http10_ = request_.version() == 10;
    ++server_->in_flight_;
    server_->handler_->Handle(request_, HttpResponder(shared_from_this()));
  }

  // The response head is written by hand: Beast's serializer was a visible share of the cost
  // of a small JSON answer, and these responses need nothing it offers.
  void Write(HttpResponse r) {
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
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
  }

  Socket socket_;
  HttpServer* server_;
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
                       HttpHandler* handler, size_t body_limit, Status* status)
    : io_(io), acceptor_(io), handler_(handler), body_limit_(body_limit) {
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

void HttpServer::Start() { Accept(); }

void HttpServer::StopAccepting() {
  net::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
  });
}

void HttpServer::Accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, Socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      boost::system::error_code ignored;
      // Small request/response exchanges: Nagle's delay would dominate the latency.
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<HttpSession>(std::move(socket), this)->Start();
    }
    Accept();
  });
}

}  // namespace servebench::ts
